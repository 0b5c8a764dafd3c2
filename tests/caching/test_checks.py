"""The system checks that refuse a cache of each process's own where several processes serve."""

import subprocess
import sys
from pathlib import Path

import pytest

from bcsp_site.caching.checks import check_page_cache, check_shared_cache
from tests.support.environment import environment_without

ROOT = Path(__file__).resolve().parent.parent.parent

REDIS = {
    "default": {
        "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/12",
    },
    "content": {"BACKEND": "bcsp_site.caching.backends.LayeredCache", "LOCATION": "default"},
}
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PROCESS_LOCAL = {
    "local memory": LOCAL_MEMORY,
    "dummy": {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
    "files": {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": "/tmp/bcsp-cache",  # noqa: S108 - never written: only checked
        }
    },
    "a local layer over local memory": {
        **LOCAL_MEMORY,
        "content": {"BACKEND": "bcsp_site.caching.backends.LayeredCache", "LOCATION": "default"},
    },
}


def ids(errors):
    return [error.id for error in errors]


@pytest.mark.parametrize("name", PROCESS_LOCAL)
def test_a_cache_of_each_process_is_a_deploy_error(settings, name):
    settings.CACHES = PROCESS_LOCAL[name]
    settings.CACHE_SINGLE_PROCESS = False
    [error] = check_shared_cache(None)
    assert error.id == "bcsp.E001"
    assert "stay hidden" in error.msg
    assert "REDIS_URL" in error.hint


def test_a_shared_cache_or_a_single_process_passes(settings):
    settings.CACHE_SINGLE_PROCESS = False
    settings.CACHES = REDIS
    assert check_shared_cache(None) == []
    settings.CACHES = LOCAL_MEMORY
    settings.CACHE_SINGLE_PROCESS = True
    assert check_shared_cache(None) == []


def test_the_page_cache_refuses_a_cache_of_each_process(settings):
    settings.CACHES = LOCAL_MEMORY
    settings.CACHE_SINGLE_PROCESS = False
    settings.PAGE_CACHE_ENABLED = True
    [error] = check_page_cache(None)
    assert error.id == "bcsp.E002"
    assert "PAGE_CACHE=0" in error.hint
    assert "REDIS_URL" in error.hint

    settings.PAGE_CACHE_ENABLED = False
    assert check_page_cache(None) == []
    settings.PAGE_CACHE_ENABLED = True
    settings.CACHES = REDIS
    assert check_page_cache(None) == []
    settings.CACHES = LOCAL_MEMORY
    settings.CACHE_SINGLE_PROCESS = True
    assert check_page_cache(None) == []


def manage(*args, **env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment_without("REDIS_URL", "PAGE_CACHE", "CACHE_SINGLE_PROCESS", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "bezbednost.org",
}


def test_production_without_redis_fails_the_deploy_check_and_says_what_to_set():
    result = manage("check", "--deploy", **PRODUCTION)
    assert result.returncode != 0
    assert "bcsp.E001" in result.stderr
    assert "Set REDIS_URL" in result.stderr
    declared = manage(
        "check", "--deploy", "--fail-level", "WARNING", CACHE_SINGLE_PROCESS="1", **PRODUCTION
    )
    assert declared.returncode == 0, declared.stderr


def test_production_refuses_to_serve_the_page_cache_from_local_memory():
    result = manage("check", PAGE_CACHE="1", **PRODUCTION)
    assert result.returncode != 0
    assert "bcsp.E002" in result.stderr


def test_the_development_settings_need_no_configuration():
    for env in ({}, {"PAGE_CACHE": "1"}):
        result = manage("check", DJANGO_SETTINGS_MODULE="bcsp_site.settings.dev", **env)
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout
