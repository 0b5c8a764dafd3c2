"""Search curation: editors' picks on the search page, the counts of what visitors search
for (and find nothing for), the search-terms report and the pruning of old counts."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits, SearchPromotion
from wagtail.models import Locale, PageViewRestriction

from bcsp_site.caching.generation import content_generation
from publications.curation import pick_key, recordable_term
from publications.models import NoResultsDailyHits
from tests.support.factories import (
    PublicationKindFactory,
    PublicationPageFactory,
)

pytestmark = pytest.mark.django_db

SEARCH_URL = "/en/search/"
REPORT_URL = "/admin/reports/search-terms-report/"


def publish(page):
    page.save_revision().publish()
    return page


def publication(index, **fields):
    return publish(PublicationPageFactory(parent=index, **fields))


def promote(term, page=None, description="", **fields):
    query = Query.get(term)
    return SearchPromotion.objects.create(
        query=query, page=page, description=description, sort_order=0, **fields
    )


def titles(response):
    return [publication.title for publication in response.context["results"]]


def picks(response):
    return [(pick.title, pick.description) for pick in response.context["editors_picks"]]


def searches(term):
    return sum(
        QueryDailyHits.objects.filter(query__query_string=term).values_list("hits", flat=True)
    )


def found_nothing(term):
    return sum(
        NoResultsDailyHits.objects.filter(query__query_string=term).values_list("hits", flat=True)
    )


@pytest.fixture
def kind():
    return PublicationKindFactory(name="Analysis", slug="analysis")


@pytest.fixture
def police(publication_index, kind):
    return {
        "reform": publication(
            publication_index,
            title="Police reform in Serbia",
            slug="police-reform",
            kind=kind,
            publication_date=datetime.date(2020, 5, 1),
        ),
        "budget": publication(
            publication_index,
            title="Police budget",
            slug="police-budget",
            kind=kind,
            publication_date=datetime.date(2021, 5, 1),
        ),
        "integrity": publication(
            publication_index,
            title="Integrity plans",
            slug="integrity-plans",
            kind=kind,
            publication_date=datetime.date(2019, 5, 1),
            summary="Corruption risks in the ministry.",
        ),
    }


@pytest.fixture
def serbian_index(publication_index):
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    index = publication_index.copy_for_translation(serbian, copy_parents=True)
    return publish(index)


def translate(page, index, title, slug):
    translation = page.copy_for_translation(index.locale)
    translation.title, translation.slug = title, slug
    translation.kind = page.kind
    return translation


# Editors' picks --------------------------------------------------------------------------------


def test_a_pick_comes_first_marked_with_its_description_and_is_not_repeated(client, police):
    promote("police", police["budget"], description="Where the money goes.")
    response = client.get(SEARCH_URL, {"q": "police"})
    assert picks(response) == [("Police budget", "Where the money goes.")]
    assert titles(response) == ["Police reform in Serbia"]
    assert response.context["total"] == 2
    html = response.content.decode()
    assert (
        html.index("Editor’s pick") < html.index("Police budget") < html.index("reform in Serbia")
    )
    assert html.count('href="/en/publications/police-budget/"') == 1


def test_a_pick_that_the_search_would_not_find_is_shown_without_a_description(client, police):
    promote("anti-corruption", police["integrity"])
    response = client.get(SEARCH_URL, {"q": "Anti-Corruption"})
    assert picks(response) == [("Integrity plans", "")]
    assert titles(response) == []
    assert "No results" not in response.content.decode()


@pytest.mark.parametrize("typed", ["POLICE", "  police  ", "Pólice", "полице"])
def test_picks_match_the_query_normalised_and_folded(client, police, typed):
    promote("police", police["budget"])
    assert picks(client.get(SEARCH_URL, {"q": typed})) == [("Police budget", "")]


def test_serbian_names_meet_whichever_way_they_are_written():
    assert pick_key("Đorđević  Reforma") == pick_key("djordjevic reforma") == "dordevic reforma"


def test_a_promotion_made_after_a_search_shows_at_once(client, police):
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == []
    promotion = promote("police", police["integrity"])
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == [("Integrity plans", "")]
    promotion.delete()
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == []


def test_a_pick_is_hidden_while_unpublished_or_private(client, police):
    promote("police", police["integrity"])
    police["integrity"].unpublish()
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == []
    publish(police["integrity"])
    PageViewRestriction.objects.create(
        page=police["integrity"], restriction_type="password", password="x"
    )
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == []


def test_a_pick_in_a_private_section_is_hidden(client, police, publication_index):
    promote("police", police["integrity"])
    PageViewRestriction.objects.create(page=publication_index, restriction_type="login")
    assert picks(client.get(SEARCH_URL, {"q": "police"})) == []


def test_a_pick_shows_the_translation_in_the_visitors_language(client, police, serbian_index):
    promote("policija", police["integrity"], description="Corruption risks.")
    # Not translated yet: nothing on the Serbian search.
    assert picks(client.get("/sr/search/", {"q": "policija"})) == []
    translation = translate(police["integrity"], serbian_index, "Planovi integriteta", "planovi")
    translation.search_description = "Rizici korupcije."
    translation.save_revision()  # a draft is not shown
    assert picks(client.get("/sr/search/", {"q": "policija"})) == []
    publish(translation)
    response = client.get("/sr/search/", {"q": "policija"})
    # The translation's own description, not the editor's English one.
    assert picks(response) == [("Planovi integriteta", "Rizici korupcije.")]
    assert 'href="/sr/publications/planovi/"' in response.content.decode()
    assert picks(client.get(SEARCH_URL, {"q": "policija"})) == [
        ("Integrity plans", "Corruption risks.")
    ]


def test_picks_give_way_to_filters_and_head_only_the_first_page(
    client, publication_index, police, kind
):
    for number in range(12):
        publication(publication_index, title=f"Police brief {number}", kind=kind)
    promote("police", police["budget"])
    first = client.get(SEARCH_URL, {"q": "police"})
    assert picks(first) == [("Police budget", "")]
    second = client.get(SEARCH_URL, {"q": "police", "page": "2"})
    assert picks(second) == []
    shown = titles(first) + titles(second)
    assert "Police budget" not in shown
    assert len(shown) == len(set(shown)) == 13
    filtered = client.get(SEARCH_URL, {"q": "police", "kind": "analysis"})
    assert picks(filtered) == []
    assert "Police budget" in titles(filtered) + titles(
        client.get(SEARCH_URL, {"q": "police", "kind": "analysis", "page": "2"})
    )


def test_an_external_link_can_be_picked(client, police):
    promote(
        "police",
        external_link_url="https://example.org/police-act",
        external_link_text="The Police Act",
        description="<b>Official text</b>",
    )
    response = client.get(SEARCH_URL, {"q": "police"})
    assert picks(response) == [("The Police Act", "<b>Official text</b>")]
    html = response.content.decode()
    assert 'href="https://example.org/police-act"' in html
    assert "&lt;b&gt;Official text&lt;/b&gt;" in html


# Counting searches -----------------------------------------------------------------------------


def test_each_search_is_counted_and_so_are_those_that_found_nothing(client, police):
    client.get(SEARCH_URL, {"q": "Police"})
    client.get(SEARCH_URL, {"q": "police "})  # the ranking now comes from the cache
    client.get(SEARCH_URL, {"q": "customs"})
    assert searches("police") == 2
    assert found_nothing("police") == 0
    assert searches("customs") == found_nothing("customs") == 1
    assert QueryDailyHits.objects.get(query__query_string="police").date == timezone.localdate()


def test_other_pages_and_refinements_of_a_search_are_not_counted_again(client, police):
    client.get(SEARCH_URL, {"q": "police"})
    client.get(SEARCH_URL, {"q": "police", "page": "2"})
    client.get(
        SEARCH_URL,
        {"q": "police", "sort": "oldest"},
        headers={"Referer": "http://testserver/en/search/?q=police"},
    )
    assert searches("police") == 1
    # The same words typed again from another search's results are a new search.
    client.get(
        SEARCH_URL, {"q": "budget"}, headers={"Referer": "http://testserver/en/search/?q=police"}
    )
    assert searches("budget") == 1


@pytest.mark.parametrize(
    "referer", ["http://[::1", "http://testserver/nowhere/", "http://elsewhere/en/search/?q=x", ""]
)
def test_a_search_from_anywhere_else_is_counted(client, police, referer):
    response = client.get(SEARCH_URL, {"q": "police"}, headers={"Referer": referer})
    assert response.status_code == 200
    assert searches("police") == 1


def test_a_search_narrowed_by_filters_to_nothing_did_not_find_nothing(client, police):
    client.get(SEARCH_URL, {"q": "police", "year_from": "2030"})
    assert searches("police") == 1
    assert found_nothing("police") == 0


def test_a_term_with_a_pick_found_something(client, police):
    promote("customs", police["budget"])
    client.get(SEARCH_URL, {"q": "customs"})
    assert searches("customs") == 1
    assert found_nothing("customs") == 0


@pytest.mark.parametrize(
    "typed",
    [
        "ana.markovic@example.org",
        "contact me at ana@bcsp.org.rs",
        "+381 64 123 4567",
        "064/123-45-67",
        "011 3287226",
        "3287226",
        "x" * 101,
        "",
        "   ",
        "!!!",
    ],
)
def test_addresses_phone_numbers_long_and_empty_queries_are_never_recorded(client, police, typed):
    client.get(SEARCH_URL, {"q": typed})
    assert not Query.objects.exists()
    assert not QueryDailyHits.objects.exists()


@pytest.mark.parametrize("typed", ["police 2019", "reforms 2019-2020", "un 1325", "@bcsp"])
def test_years_and_short_numbers_are_kept(typed):
    assert recordable_term(typed) == typed


def test_counting_a_search_leaves_the_content_generation_alone(client, police):
    before = content_generation()
    client.get(SEARCH_URL, {"q": "customs"})
    client.get(SEARCH_URL, {"q": "customs"})
    assert found_nothing("customs") == 2
    assert content_generation() == before


def test_the_searches_of_a_day_are_one_row_per_term(client, police):
    for _ in range(3):
        client.get(SEARCH_URL, {"q": "customs"})
    assert QueryDailyHits.objects.count() == NoResultsDailyHits.objects.count() == 1
    assert NoResultsDailyHits.objects.get().hits == 3


def test_old_counts_are_deleted_by_purge_personal_data(settings, police):
    settings.SEARCH_TERMS_RETENTION_DAYS = 30
    today = timezone.localdate()
    old, recent, promoted = Query.get("old"), Query.get("recent"), Query.get("promoted")
    promote("promoted", police["budget"])
    for query in (old, promoted):
        QueryDailyHits.objects.create(query=query, date=today - datetime.timedelta(days=31), hits=4)
        NoResultsDailyHits.objects.bulk_create(
            [NoResultsDailyHits(query=query, date=today - datetime.timedelta(days=31), hits=4)]
        )
    QueryDailyHits.objects.create(query=recent, date=today - datetime.timedelta(days=30), hits=1)
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "Deleted 4 daily search count(s) older than 30 days" in out.getvalue()
    assert set(Query.objects.values_list("query_string", flat=True)) == {"recent", "promoted"}
    assert QueryDailyHits.objects.count() == 1
    assert not NoResultsDailyHits.objects.exists()


# The report ------------------------------------------------------------------------------------


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw-for-tests")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


@pytest.fixture
def searched(client, police):
    today = timezone.localdate()

    def record(term, day, hits, nothing=0):
        query = Query.get(term)
        QueryDailyHits.objects.create(
            query=query, date=today - datetime.timedelta(days=day), hits=hits
        )
        if nothing:
            NoResultsDailyHits.objects.bulk_create(
                [
                    NoResultsDailyHits(
                        query=query, date=today - datetime.timedelta(days=day), hits=nothing
                    )
                ]
            )

    record("police", 0, 5)
    record("police", 10, 7)
    record("customs", 2, 3, nothing=3)
    record("customs", 20, 2, nothing=2)
    record("forgotten", 40, 9)


def report_rows(response):
    return [
        (
            query.query_string,
            query.searches_7,
            query.no_results_7,
            query.searches_30,
            query.no_results_30,
        )
        for query in response.context["object_list"]
    ]


def test_the_report_lists_terms_with_their_counts(client, editor, searched):
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert report_rows(response) == [("police", 5, 0, 12, 0), ("customs", 3, 3, 5, 5)]
    html = response.content.decode()
    assert "Promote a result" in html
    customs = Query.objects.get(query_string="customs")
    assert f'href="/admin/searchpicks/{customs.pk}/"' in html


def test_the_report_filters_terms_that_found_nothing_and_sorts(client, editor, searched):
    response = client.get(REPORT_URL, {"no_results": "true"})
    assert [row[0] for row in report_rows(response)] == ["customs"]
    response = client.get(REPORT_URL, {"ordering": "-no_results_7"})
    assert [row[0] for row in report_rows(response)] == ["customs", "police"]
    response = client.get(REPORT_URL, {"q": "cust"})
    assert [row[0] for row in report_rows(response)] == ["customs"]


def test_the_report_exports_csv(client, editor, searched):
    response = client.get(REPORT_URL, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == [
        "Search term",
        "Searches, 7 days",
        "Found nothing, 7 days",
        "Searches, 30 days",
        "Found nothing, 30 days",
        "Editor’s picks",
    ]
    assert rows[1:] == [["police", "5", "0", "12", "0", "0"], ["customs", "3", "3", "5", "5", "0"]]


def test_the_report_exports_xlsx(client, editor, searched):
    response = client.get(REPORT_URL, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_the_report_is_for_those_who_manage_promotions(client, django_user_model, searched):
    user = django_user_model.objects.create_user("reader", password="pw-for-tests")
    user.groups.add(Group.objects.get(name="Editors"))
    user.groups.get(name="Editors").permissions.filter(
        content_type__app_label="wagtailsearchpromotions"
    ).delete()
    client.force_login(user)
    assert client.get(REPORT_URL).status_code in (302, 403)
    menu = client.get("/admin/").content.decode()
    assert "search-terms-report" not in menu


def test_the_reports_menu_offers_the_report_once(client, editor, searched):
    response = client.get("/admin/")
    html = response.content.decode()
    assert html.count(REPORT_URL) == 1
    assert "/admin/searchpicks/reports/search-terms/" not in html


def test_the_promotion_form_opens_on_the_term(client, editor, searched):
    customs = Query.objects.get(query_string="customs")
    response = client.get(f"/admin/searchpicks/{customs.pk}/")
    assert response.status_code == 200
    assert 'value="customs"' in response.content.decode()


# Query counts ----------------------------------------------------------------------------------


def make_batch(index, kind, count, start):
    for number in range(start, start + count):
        publication(
            index,
            title=f"Police brief {number}",
            kind=kind,
            publication_date=datetime.date(2010 + number % 12, 1, 1),
        )


@pytest.mark.parametrize("with_picks", [False, True])
def test_the_search_page_runs_a_fixed_number_of_queries(
    client, publication_index, kind, with_picks
):
    if with_picks:
        picked = publication(publication_index, title="Integrity plans", kind=kind)
        promote("police brief", picked, description="Start here.")
    counts = []
    for start, count in ((0, 3), (3, 20)):
        make_batch(publication_index, kind, count, start)
        client.get(SEARCH_URL, {"q": "police brief"})  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SEARCH_URL, {"q": "police brief"})
        assert response.context["total"] == start + count + with_picks
        assert len(response.context["editors_picks"]) == with_picks
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_picks_and_counting_cost_no_more_than_counting(client, publication_index, kind):
    """A warm search with picks runs as many queries as one without."""
    picked = publication(publication_index, title="Integrity plans", kind=kind)
    make_batch(publication_index, kind, 3, 0)
    promote("police brief", picked)
    counts = {}
    for term in ("police brief", "brief police"):
        client.get(SEARCH_URL, {"q": term})
        with CaptureQueriesContext(connection) as queries:
            client.get(SEARCH_URL, {"q": term})
        counts[term] = len(queries)
    assert counts["police brief"] == counts["brief police"]
