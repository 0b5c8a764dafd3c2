"""Real-browser tests: Playwright driving the system Chromium against the live server.

They are skipped, with the reason, where Chromium or Playwright is missing. Install
Chromium with `apt-get install chromium` (Debian) or set CHROMIUM_PATH.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from bcsp_site.caching.page_cache import local_copies
from comments import spam
from tests.support.database_snapshot import Snapshot

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def _skip_reason():
    if sync_playwright is None:
        return "Playwright is not installed (make test installs it)"
    if not Path(CHROMIUM).exists():
        return "Chromium not found: apt-get install chromium, or set CHROMIUM_PATH"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _new_page(request, browser, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    context.set_default_timeout(15_000)
    page = context.new_page()
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.console_errors = console_errors

    def save_artifacts():
        if getattr(request.node, "browser_failed", False):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
                print(f"\nBrowser artifacts saved in {ARTIFACTS}")
            except Exception as error:  # noqa: BLE001 - never mask the test's own failure
                print(f"\nCould not save browser artifacts: {error}")
        context.close()

    request.addfinalizer(save_artifacts)
    return page


@pytest.fixture
def page(request, demo_site, browser):
    return _new_page(request, browser)


@pytest.fixture
def page_without_js(request, demo_site, browser):
    return _new_page(request, browser, java_script_enabled=False)


@pytest.fixture
def new_page(request, demo_site, browser):
    """Opens a page in a browser context of its own, made with Playwright's context options:
    new_page(color_scheme="dark"), new_page(viewport={"width": 390, "height": 844})."""
    return lambda **context_options: _new_page(request, browser, **context_options)


@pytest.fixture
def quick_spam_guard(monkeypatch):
    """Comment forms may be sent at once: the minimum time a reader takes is not what these
    tests are about (test_reader.py checks that the guard still refuses a form sent at once)."""
    monkeypatch.setattr(spam, "MIN_FORM_SECONDS", 0)


@pytest.fixture(scope="session")
def demo_content(django_db_setup, django_db_blocker, live_server):
    """The demo content, its site at the live server's address, loaded once per test process,
    and a copy of it to start each browser test from (tests/support/database_snapshot.py):
    loading it takes seconds, putting the copy back a fraction of one."""
    with django_db_blocker.unblock(), override_settings(WAGTAILADMIN_BASE_URL=live_server.url):
        call_command("load_demo_content", verbosity=0)
        return Snapshot()


@pytest.fixture
def demo_site(demo_content, live_server, settings):
    """The demo content as loaded, whatever the tests before it changed, with the site's host
    pointing at the live server. What a test writes is committed, so the server sees it;
    pytest-django empties the database after each test that uses the live server."""
    demo_content.restore()
    # Nothing kept from what the test before saw: the restored database brings back the
    # demo's content generation, under which this process's copies of pages would still pass.
    cache.clear()
    local_copies.clear()
    ContentType.objects.clear_cache()  # ids cached before the database was emptied
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    return live_server
