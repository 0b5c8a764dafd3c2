"""Reading figures: views counted by the beacon and downloads by the document view, once per
visit, never for robots, prefetches or pages that are not live publications, without a
cookie or an address kept anywhere; the admin's report and the home page's "Most read"."""

import csv
import io
import re
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, PageViewRestriction

from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from reading import counting
from reading import figures as figures_module
from reading.models import DocumentDownloads, PageViews
from tests.support.factories import PublicationPageFactory

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ADDRESS = "203.0.113.77"


def reader(address=ADDRESS, agent=BROWSER, **headers):
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent, **headers)


def views_of(page):
    return sum(PageViews.objects.filter(page_id=page.pk).values_list("count", flat=True))


def downloads_of(document):
    return sum(DocumentDownloads.objects.filter(document=document).values_list("count", flat=True))


def beacon(client, page, **headers):
    return client.post(f"/reading/{page.pk}/", **headers)


@pytest.fixture
def pdf(db):
    return PublicationDocument.objects.create(
        title="Report", file=ContentFile(build_simple_pdf(["Findings."]), name="report.pdf")
    )


@pytest.fixture
def publication(publication_index, pdf):
    return PublicationPageFactory(
        parent=publication_index, slug="captured-state", title="Captured State", pdf=pdf
    )


@pytest.fixture
def later(monkeypatch):
    """Moves the clock on (the cache's expiry, the page cache's and "Most read"'s periods)."""
    start = time.time()
    offset = {"seconds": 0}
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + offset["seconds"])

    def move(seconds):
        offset["seconds"] += seconds

    assert start
    return move


# The beacon ----------------------------------------------------------------------------


def test_a_view_is_counted_once_per_visit_window(publication, later, settings):
    client = reader()
    assert beacon(client, publication).status_code == 204
    assert beacon(client, publication).status_code == 204
    assert views_of(publication) == 1
    row = PageViews.objects.get(page=publication)
    assert row.language_code == "en"
    later(settings.READING_VISIT_SECONDS + 1)
    assert beacon(client, publication).status_code == 204
    assert views_of(publication) == 2


def test_other_visitors_and_other_pages_count_on_their_own(publication, publication_index):
    other = PublicationPageFactory(parent=publication_index, slug="other")
    beacon(reader(), publication)
    beacon(reader(address="198.51.100.9"), publication)
    beacon(reader(agent=BROWSER.replace("131", "130")), publication)
    beacon(reader(), other)
    assert views_of(publication) == 3
    assert views_of(other) == 1


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "python-requests/2.32.3",
        "curl/8.5.0",
        BROWSER.replace("Chrome/", "HeadlessChrome/"),
    ],
)
def test_robots_are_not_counted(publication, agent):
    assert beacon(reader(agent=agent), publication).status_code == 204
    assert views_of(publication) == 0


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
    ],
)
def test_prefetches_are_not_counted(publication, header):
    assert beacon(reader(), publication, **header).status_code == 204
    assert views_of(publication) == 0


def test_only_live_public_publications_are_counted(
    publication_index, home_page, author_index, publication
):
    draft = PublicationPageFactory(parent=publication_index, slug="draft", live=False)
    private = PublicationPageFactory(parent=publication_index, slug="private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x" * 12
    )
    client = reader()
    for page_id in (draft.pk, private.pk, publication_index.pk, home_page.pk, 987654):
        assert client.post(f"/reading/{page_id}/").status_code == 400
    assert client.post("/reading/not-a-number/").status_code in (302, 404)
    assert not PageViews.objects.exists()
    publication.unpublish()
    assert beacon(client, publication).status_code == 400
    assert not PageViews.objects.exists()


def test_the_beacon_takes_only_posts_from_this_site(publication):
    client = reader()
    assert client.get(f"/reading/{publication.pk}/").status_code == 405
    assert client.head(f"/reading/{publication.pk}/").status_code == 405
    assert beacon(client, publication, HTTP_ORIGIN="https://elsewhere.example").status_code == 403
    assert views_of(publication) == 0
    assert beacon(client, publication, HTTP_ORIGIN="http://testserver").status_code == 204
    assert views_of(publication) == 1


def test_one_address_cannot_inflate_the_figures(publication_index, settings):
    settings.READING_RATE_LIMIT = 3
    pages = [PublicationPageFactory(parent=publication_index, slug=f"p{n}") for n in range(5)]
    answers = [
        beacon(reader(agent=f"{BROWSER} #{n}"), page).status_code for n, page in enumerate(pages)
    ]
    assert answers == [204, 204, 204, 429, 429]
    assert PageViews.objects.count() == 3
    # Another address is not held back.
    assert beacon(reader(address="198.51.100.9"), pages[4]).status_code == 204


def test_a_view_is_one_insert_or_update_statement(publication):
    beacon(reader(), publication)
    with CaptureQueriesContext(connection) as queries:
        assert beacon(reader(address="198.51.100.9"), publication).status_code == 204
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1
    assert "ON CONFLICT" in writes[0]
    assert views_of(publication) == 2


def test_nothing_is_counted_while_the_cache_cannot_keep_a_salt(publication, monkeypatch):
    monkeypatch.setattr(counting.cache, "add", lambda *args, **kwargs: False)
    monkeypatch.setattr(counting.cache, "get", lambda *args, **kwargs: None)
    assert beacon(reader(), publication).status_code == 204
    assert views_of(publication) == 0


def test_the_salt_is_random_kept_only_in_the_cache_and_for_the_day(publication):
    beacon(reader(), publication)
    today = counting.timezone.localdate()
    key = counting.SALT_KEY.format(day=today.isoformat())
    salt = cache.get(key)
    assert salt and len(salt) == 64
    assert 0 < counting._seconds_left(today) <= 24 * 3600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_beacons_are_all_added(publication_index):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    pages = [PublicationPageFactory(parent=publication_index, slug=f"c{n}") for n in range(2)]
    start = threading.Barrier(8)

    def add_views(page_id):
        start.wait()
        for _ in range(25):
            counting.record_page_view(page_id, "en")
        connection.close()

    threads = [threading.Thread(target=add_views, args=(pages[n % 2].pk,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [views_of(page) for page in pages] == [100, 100]


# The page cache still answers, and the beacon counts ------------------------------------


def test_a_cached_page_is_still_counted_by_its_beacon(publication):
    client = reader()
    first = client.get("/en/publications/captured-state/")
    assert first["X-Cache"] == "miss"
    html = client.get("/en/publications/captured-state/")
    assert html["X-Cache"] == "hit"
    assert f'data-reading-url="/reading/{publication.pk}/"' in html.content.decode()
    assert "js/reading." in html.content.decode()
    assert views_of(publication) == 0  # serving the page counts nothing
    assert beacon(client, publication).status_code == 204
    assert views_of(publication) == 1


# Downloads -----------------------------------------------------------------------------


def test_a_download_is_counted_once_per_visit_window(publication, pdf, later, settings):
    client = reader()
    response = client.get(pdf.url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert client.get(pdf.url).status_code == 200
    assert downloads_of(pdf) == 1
    later(settings.READING_VISIT_SECONDS + 1)
    client.get(pdf.url)
    assert downloads_of(pdf) == 2


def test_head_range_continuations_robots_and_prefetches_are_not_downloads(pdf):
    assert reader().head(pdf.url).status_code == 200
    assert reader(HTTP_RANGE="bytes=1000-").get(pdf.url).status_code in (200, 206)
    assert reader(agent="Googlebot/2.1").get(pdf.url).status_code == 200
    assert reader(HTTP_SEC_PURPOSE="prefetch").get(pdf.url).status_code == 200
    assert downloads_of(pdf) == 0
    assert reader(HTTP_RANGE="bytes=0-").get(pdf.url).status_code in (200, 206)
    assert downloads_of(pdf) == 1


def test_a_refused_or_missing_document_is_not_counted(pdf):
    assert reader().get(f"/documents/{pdf.pk + 100}/x.pdf").status_code == 404
    assert not DocumentDownloads.objects.exists()


def test_a_download_counts_for_the_language_of_the_page_it_came_from(pdf):
    reader(HTTP_REFERER="http://testserver/sr/publications/zarobljena-drzava/").get(pdf.url)
    reader(address="198.51.100.9", HTTP_REFERER="https://elsewhere.example/sr/").get(pdf.url)
    assert dict(DocumentDownloads.objects.values_list("language_code", "count")) == {
        "sr": 1,
        "en": 1,
    }


def test_documents_are_not_kept_by_a_cdn_so_every_download_reaches_the_site(pdf):
    response = reader().get(pdf.url)
    assert response["Cache-Control"] == "private, max-age=300"


# No tracking ---------------------------------------------------------------------------


def visit(client, publication, pdf):
    responses = [
        client.get("/en/"),
        client.get("/en/publications/captured-state/"),
        beacon(client, publication),
        client.get(pdf.url),
    ]
    return responses


def test_no_cookie_is_set_anywhere_on_a_visit(publication, pdf):
    for response in visit(reader(), publication, pdf):
        assert not response.cookies, response
        assert "Set-Cookie" not in response


def test_no_address_or_browser_is_stored_in_any_table(publication, pdf):
    agent = f"{BROWSER} marker-9f3a"
    visit(reader(agent=agent), publication, pdf)
    assert views_of(publication) == 1 and downloads_of(pdf) == 1
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = repr(row)
                assert ADDRESS not in text, table
                assert "marker-9f3a" not in text, table
    # Nor in the cache, other than as keyed hashes.
    kept = repr(getattr(cache, "_cache", {}))
    assert ADDRESS not in kept and "marker-9f3a" not in kept


def test_the_beacon_script_sets_no_cookie_and_keeps_nothing_in_the_browser():
    script = (Path(__file__).parents[2] / "static/js/reading.js").read_text()
    for forbidden in ("cookie", "localStorage", "sessionStorage", "indexedDB"):
        assert forbidden not in script.replace("no cookie", "")


# The report ----------------------------------------------------------------------------


@pytest.fixture
def serbian_publication(publication, home_page, publication_index):
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    home_page.copy_for_translation(serbian).save_revision().publish()
    publication_index.copy_for_translation(serbian).save_revision().publish()
    page = publication.copy_for_translation(serbian)
    page.title = "Zarobljena država"
    page.save_revision().publish()
    return page


def figures(publication, pdf, serbian_publication):
    today = counting.timezone.localdate()
    week_ago = today - counting.datetime.timedelta(days=10)
    counting.record_page_view(publication.pk, "en")
    counting.record_page_view(publication.pk, "en")
    counting.record_page_view(serbian_publication.pk, "sr")
    counting.record_page_view(publication.pk, "en", day=week_ago)
    counting.record_download(pdf.pk, "en")
    counting.record_download(pdf.pk, "sr", day=week_ago)


@pytest.fixture
def analyst(django_user_model):
    user = django_user_model.objects.create_user("analyst", "a@example.org", "pw-12345678")
    group = Group.objects.create(name="Analysts")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="view_reading_figures"),
    )
    user.groups.add(group)
    return user


@pytest.fixture
def editor_without_figures(django_user_model):
    user = django_user_model.objects.create_user("writer", "w@example.org", "pw-12345678")
    group = Group.objects.create(name="Writers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    user.groups.add(group)
    return user


def numbers(row):
    return re.findall(r"<td[^>]*>\s*([0-9]+)\s*</td>", row)


def rows_of(html):
    return re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)


def test_the_report_shows_views_and_downloads_by_period_and_language(
    client, analyst, publication, pdf, serbian_publication
):
    figures(publication, pdf, serbian_publication)
    client.force_login(analyst)
    html = client.get("/admin/reports/reading/").content.decode()
    assert "Reading figures" in html
    rows = [row for row in rows_of(html) if "Captured State" in row or "Zarobljena" in row]
    assert len(rows) == 2
    assert "Captured State" in rows[0]  # most read first
    assert numbers(rows[0]) == ["2", "1"]
    month = client.get("/admin/reports/reading/?period=30").content.decode()
    english = next(row for row in rows_of(month) if "Captured State" in row)
    assert numbers(english) == ["3", "1"]
    serbian = next(row for row in rows_of(month) if "Zarobljena" in row)
    assert numbers(serbian) == ["1", "1"]
    only_serbian = client.get("/admin/reports/reading/?period=30&locale=sr").content.decode()
    assert "Zarobljena" in only_serbian and "Captured State" not in only_serbian


def test_the_report_exports_csv(client, analyst, publication, pdf, serbian_publication):
    figures(publication, pdf, serbian_publication)
    client.force_login(analyst)
    response = client.get("/admin/reports/reading/?period=30&export=csv")
    assert response.status_code == 200
    assert "text/csv" in response["Content-Type"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Publication", "Language", "Views", "PDF downloads"],
        ["Captured State", "en", "3", "1"],
        ["Zarobljena država", "sr", "1", "1"],
    ]


def test_only_editors_given_the_permission_see_the_report(client, editor_without_figures):
    client.force_login(editor_without_figures)
    response = client.get("/admin/reports/reading/")
    assert response.status_code in (302, 403)
    assert "Reading figures" not in client.get("/admin/").content.decode()


def test_bad_report_filters_fall_back_with_a_message(client, analyst):
    client.force_login(analyst)
    response = client.get("/admin/reports/reading/?period=9999&locale=xx")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_report_queries_do_not_grow_with_the_data(client, analyst, publication_index):
    client.force_login(analyst)

    def add(count, start):
        for number in range(start, start + count):
            page = PublicationPageFactory(parent=publication_index, slug=f"r{number}")
            counting.record_page_view(page.pk, "en")

    def measure():
        client.get("/admin/reports/reading/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/reports/reading/?period=30").status_code == 200
        return len(queries)

    add(3, 0)
    small = measure()
    add(30, 3)
    assert measure() == small


# The home page's "Most read" ------------------------------------------------------------


def most_read_titles(html):
    if "data-most-read" not in html:
        return []
    listed = html.split("data-most-read")[1].split("</ol>")[0]
    return re.findall(r'<a href="[^"]*">([^<]*)</a>', listed)


@pytest.fixture
def ranked(publication_index):
    """Seven publications, "R1" read most this week, "R6" only earlier this month."""
    pages = [
        PublicationPageFactory(parent=publication_index, slug=f"r{n}", title=f"R{n}")
        for n in range(1, 8)
    ]
    today = counting.timezone.localdate()
    earlier = today - counting.datetime.timedelta(days=20)
    for page, views in zip(pages[:5], (9, 7, 5, 3, 1), strict=True):
        for _ in range(views):
            counting.record_page_view(page.pk, "en")
    for _ in range(50):
        counting.record_page_view(pages[5].pk, "en", day=earlier)
    return pages


def test_most_read_lists_the_five_most_read_this_week(client, ranked):
    html = client.get("/en/").content.decode()
    assert 'id="most-read-heading"' in html
    assert most_read_titles(html) == ["R1", "R2", "R3", "R4", "R5"]


def test_most_read_fills_up_with_the_month_s(client, ranked, settings):
    settings.READING_MOST_READ_COUNT = 6
    assert most_read_titles(client.get("/en/").content.decode()) == [
        "R1", "R2", "R3", "R4", "R5", "R6"
    ]  # fmt: skip


def test_most_read_is_hidden_before_anything_was_read(client, ranked):
    PageViews.objects.all().delete()
    html = client.get("/en/").content.decode()
    assert "Latest publications" in html
    assert 'id="most-read-heading"' not in html


def test_most_read_is_in_the_visitor_s_language(client, ranked, serbian_publication):
    counting.record_page_view(serbian_publication.pk, "sr")
    assert most_read_titles(client.get("/sr/").content.decode()) == ["Zarobljena država"]


def test_most_read_leaves_out_pages_no_longer_live(client, ranked):
    ranked[0].unpublish()
    assert most_read_titles(client.get("/en/").content.decode())[0] == "R2"


def test_the_served_home_page_is_refreshed_after_the_period(client, ranked, later, settings):
    first = client.get("/en/")
    assert first["X-Cache"] == "miss"
    cache_control = first["Cache-Control"]
    assert int(re.search(r"s-maxage=(\d+)", cache_control).group(1)) <= 3600
    for _ in range(20):
        counting.record_page_view(ranked[6].pk, "en")
    again = client.get("/en/")
    assert again["X-Cache"] == "hit"
    assert "R7" not in most_read_titles(again.content.decode())
    later(settings.READING_MOST_READ_SECONDS)
    refreshed = client.get("/en/")
    assert refreshed["X-Cache"] == "miss"
    assert most_read_titles(refreshed.content.decode())[0] == "R7"


def test_the_home_page_is_kept_no_longer_than_until_the_next_period(client, ranked, settings):
    settings.PAGE_CACHE_BROWSER_SECONDS = 10**6
    response = client.get("/en/")
    _period, seconds_left = figures_module.most_read_period()
    s_maxage = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert s_maxage <= seconds_left + 1 and max_age <= seconds_left + 1
    # Other pages keep their usual lifetime.
    other = client.get("/en/publications/r1/")
    assert f"s-maxage={settings.PAGE_CACHE_CDN_SECONDS}" in other["Cache-Control"]


def test_the_permission_is_offered_when_editing_a_group(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "pw-12345678")
    client.force_login(admin)
    html = client.get("/admin/groups/new/").content.decode()
    assert "Can see reading figures" in html
