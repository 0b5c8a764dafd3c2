import os
import shutil
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from wagtail.models import Page, Site

from bcsp_site.caching import generation
from bcsp_site.caching.backends import _breakers as breakers
from tests.support.factories import (
    AuthorIndexPageFactory,
    HomePageFactory,
    PublicationIndexPageFactory,
)

# The session's SeaweedFS S3 server (the `seaweedfs` fixture), started by the first test
# that asks for it.
pytest_plugins = ["tests.support.seaweedfs"]

# Property-based tests ask the same questions on every run and machine (a fixed seed, no
# example database), a bounded number of them, and share one set of content between their
# examples (a function-scoped fixture, which Hypothesis warns about); no deadline, as the
# machine may be busy.
hypothesis_settings.register_profile(
    "bcsp",
    derandomize=True,
    database=None,
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bcsp"))


def pytest_configure(config):
    """Under pytest-xdist each worker has a Redis database of its own (the given one, then the
    ones below it), so a test that empties its database never empties another worker's."""
    url = os.environ.get("REDIS_TEST_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if url and worker.startswith("gw"):
        base, _, database = url.rpartition("/")
        os.environ["REDIS_TEST_URL"] = f"{base}/{int(database or 0) - int(worker[2:])}"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Each test starts with Redis trusted again: a server another test found down is
    # otherwise left alone by the whole process for a while.
    breakers.clear()
    cache.clear()
    # A generation of the test's own: the one in the database comes back with every test's
    # rollback, and what this process kept for it in an earlier test must not count.
    cache.set(generation.GENERATION_KEY, uuid.uuid4().hex, None)
    yield
    cache.clear()
    breakers.clear()


@pytest.fixture
def page_cache_off(settings):
    """For tests that measure how a page is rendered rather than how it is served: the test
    settings keep the full-page cache on, which would answer the second request itself."""
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture(autouse=True)
def _default_language():
    # A request under /sr/ leaves Serbian active in the thread (LocaleMiddleware activates
    # the path's language and nothing switches it back), and code called directly afterwards
    # (a form's messages, an email) would speak Serbian in whichever test came next.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _test_media_root():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def home_page(db):
    """The English home page that the data migration creates, as the default site's root."""
    from bcsp_site.models import HomePage

    home = HomePage.objects.filter(locale__language_code="en").first()
    if home is None:
        home = HomePageFactory(parent=Page.get_first_root_node())
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
        )
    return home


@pytest.fixture
def publication_index(home_page):
    return PublicationIndexPageFactory(parent=home_page)


@pytest.fixture
def author_index(home_page):
    return AuthorIndexPageFactory(parent=home_page)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests flush the database; reload the migrations' data (root page,
    locales, collections) before each one so test order never matters.

    Browser tests run last: Playwright's event loop gives the main thread a new context,
    and with it new database connection objects that no longer hold the serialized data.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True),
                append=False,
            )
    browser = [item for item in items if "tests/browser/" in str(item.fspath)]
    if browser:
        items[:] = [item for item in items if item not in browser] + browser
