import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.environment import environment_without

ROOT = Path(__file__).resolve().parents[2]


def test_root_redirects_to_default_language(client, home_page):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_root_honours_accept_language(client, home_page):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="sr,en;q=0.5")
    assert response["Location"] == "/sr/"


def test_home_page_renders_with_site_name_and_skip_link(client, home_page):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Belgrade Centre for Security Policy" in html
    assert '<a class="skip-link" href="#main-content">' in html
    assert 'id="main-content"' in html
    assert '<html lang="en">' in html


def test_home_page_has_header_search_and_footer_info(client, home_page):
    html = client.get("/en/").content.decode()
    assert 'role="search"' in html
    assert 'action="/en/search/"' in html
    assert "Info BCSP" in html
    assert "Sign up to receive our e-bulletin" in html


def test_unknown_page_renders_404_template(client, home_page):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_admin_login_page_renders(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()


def test_public_pages_allow_only_the_sites_own_script_files(client, home_page):
    response = client.get("/en/")
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert script_src.strip() == "script-src 'self'"
    assert "frame-ancestors 'none'" in policy


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content == (ROOT / "static" / "img" / "favicon.ico").read_bytes()
    assert "max-age" in response["Cache-Control"]


def _production_env(**overrides):
    return environment_without(
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        DJANGO_SETTINGS_MODULE="bcsp_site.settings.production",
        **overrides,
    )


def test_production_settings_refuse_to_boot_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ALLOWED_HOSTS", "example.org")
    sys.modules.pop("bcsp_site.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        importlib.import_module("bcsp_site.settings.production")
    sys.modules.pop("bcsp_site.settings.production", None)


def test_production_settings_refuse_to_boot_without_allowed_hosts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    sys.modules.pop("bcsp_site.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS is not set"):
        importlib.import_module("bcsp_site.settings.production")
    sys.modules.pop("bcsp_site.settings.production", None)


def test_manage_py_under_production_without_secret_prints_clear_message():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_production_env(ALLOWED_HOSTS="example.org"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(
            SECRET_KEY="a-long-random-production-secret-key-for-the-deploy-check-0123456789",
            ALLOWED_HOSTS="bezbednost.org",
            REDIS_URL="redis://127.0.0.1:6379/15",  # never connected to by the checks
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
