import datetime
import importlib.util
import io
import logging
import re

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfWriter
from wagtail.models import Locale, PageViewRestriction

from publications import search as search_module
from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from publications.search import PublicationSearch, SearchCriteria
from publications.text import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, fold, highlight, parse_query
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)
from tests.support.html_validation import html_errors

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="ranking by field weight is a PostgreSQL full-text feature; SQLite FTS5 ignores boosts",
)

needs_search_entries = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the search keeps rows of its own on PostgreSQL only (elsewhere: Wagtail's index)",
)

SEARCH_URL = "/en/search/"


def publish(page):
    """Publish as an editor does, so the page is indexed with its authors and tags."""
    page.save_revision().publish()
    return page


def publication(index, **fields):
    return publish(PublicationPageFactory(parent=index, **fields))


def search(client, **params):
    return client.get(SEARCH_URL, params)


def titles(response):
    return [publication.title for publication in response.context["results"]]


def html(response):
    return response.content.decode()


@pytest.fixture
def kinds():
    return {
        "analysis": PublicationKindFactory(name="Analysis", slug="analysis", sort_order=0),
        "report": PublicationKindFactory(name="Report", slug="report", sort_order=1),
        "op-ed": PublicationKindFactory(name="Op-ed", slug="op-ed", sort_order=2),
    }


@pytest.fixture
def djordjevic(author_index):
    return publish(AuthorPageFactory(parent=author_index, title="Saša Đorđević", slug="sasa"))


@pytest.fixture
def cameras(publication_index, djordjevic, kinds):
    return publication(
        publication_index,
        title="Public Recording with Secret Cameras",
        slug="public-recording-with-secret-cameras",
        kind=kinds["analysis"],
        publication_date=datetime.date(2019, 3, 20),
        summary="The acquisition of security cameras throughout Belgrade should be made clear.",
        authors=[djordjevic],
        tag_names=["surveillance"],
    )


# Normalisation --------------------------------------------------------------------------------


def test_fold_writes_serbian_names_one_way():
    assert fold("Đorđević") == fold("Djordjevic") == fold("Dordevic") == "dordevic"
    assert fold("Šćepanović Žarko Čolić") == "scepanovic zarko colic"
    assert fold("Ђорђевић") == "dordevic"


def test_query_parsing_keeps_words_and_quoted_phrases_only():
    terms = parse_query('"state capture" & police | !reform :* \\ \'', "en")
    assert terms.phrases == (("state", "captur"),)
    assert terms.words == ("polic", "reform")
    unbalanced = parse_query('"state capture', "en")
    assert unbalanced.words == ("state", "captur") and not unbalanced.phrases
    assert not parse_query("&&| !: *", "en")
    many = parse_query(" ".join(f"word{number}" for number in range(100)), "en")
    assert len(many.words) == MAX_QUERY_WORDS


# Each field is searchable ---------------------------------------------------------------------


def test_title_is_searchable(client, cameras):
    assert titles(search(client, q="recording")) == [cameras.title]


def test_summary_is_searchable(client, cameras):
    assert titles(search(client, q="acquisition Belgrade")) == [cameras.title]


def test_body_text_is_searchable(client, publication_index):
    page = publication(
        publication_index,
        title="Oversight",
        body=[("paragraph", "<p>Parliamentary committees rarely meet in Kragujevac.</p>")],
    )
    assert titles(search(client, q="Kragujevac")) == [page.title]


def test_author_names_are_searchable(client, cameras):
    assert titles(search(client, q="Saša Đorđević")) == [cameras.title]


def test_tags_are_searchable(client, cameras):
    assert titles(search(client, q="surveillance")) == [cameras.title]


def test_kind_is_searchable(client, publication_index, kinds, cameras):
    report = publication(publication_index, title="State capture", kind=kinds["report"])
    assert titles(search(client, q="report")) == [report.title]


def test_op_ed_outlet_is_searchable(client, publication_index, kinds):
    op_ed = publish(
        OpEdPageFactory(
            parent=publication_index, title="Pandemic of geopolitics", outlet_name="Peščanik"
        )
    )
    assert titles(search(client, q="Peščanik")) == [op_ed.title]
    assert titles(search(client, q="Pescanik")) == [op_ed.title]


def saved_pdf(capture, title, content, name):
    """A document saved as an editor saves one, its tasks run once the save commits."""
    with capture(execute=True):
        document = PublicationDocument.objects.create(
            title=title, file=ContentFile(content, name=name)
        )
    document.refresh_from_db()
    return document


def test_text_of_attached_pdf_is_searchable(
    client, publication_index, django_capture_on_commit_callbacks
):
    pdf = saved_pdf(
        django_capture_on_commit_callbacks,
        "Annual report",
        build_simple_pdf(["Procurement of drones in Zrenjanin"]),
        "annual.pdf",
    )
    assert "Zrenjanin" in pdf.extracted_text
    page = publication(publication_index, title="Annual report 2020", pdf=pdf)
    assert titles(search(client, q="zrenjanin drones")) == [page.title]


def test_replacing_the_pdf_file_reindexes_its_publications(
    client, publication_index, django_capture_on_commit_callbacks
):
    pdf = saved_pdf(
        django_capture_on_commit_callbacks, "Study", build_simple_pdf(["Old findings"]), "study.pdf"
    )
    page = publication(publication_index, title="The study", pdf=pdf)
    pdf.file = ContentFile(build_simple_pdf(["Findings about Subotica"]), name="study-v2.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        pdf.save()
    assert titles(search(client, q="Subotica")) == [page.title]
    assert titles(search(client, q="findings old")) == []


def test_broken_pdf_is_skipped_with_a_log_line(caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.WARNING, logger="bcsp.publications"):
        pdf = saved_pdf(
            django_capture_on_commit_callbacks,
            "Broken",
            b"%PDF-1.4 this is not a PDF",
            "broken.pdf",
        )
    assert pdf.pk and pdf.extracted_text == ""
    assert "Could not extract text from PDF" in caplog.text


def test_encrypted_pdf_is_skipped_with_a_log_line(caplog, django_capture_on_commit_callbacks):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret-password")
    buffer = io.BytesIO()
    writer.write(buffer)
    with caplog.at_level(logging.WARNING, logger="bcsp.publications"):
        pdf = saved_pdf(
            django_capture_on_commit_callbacks, "Locked", buffer.getvalue(), "locked.pdf"
        )
    assert pdf.pk and pdf.extracted_text == ""
    assert "encrypted PDF" in caplog.text


# Quality of results ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Djordjevic", "Dordevic", "Đorđević", "sasa djordjevic"])
def test_diacritics_are_folded_in_index_and_query(client, cameras, query):
    assert titles(search(client, q=query)) == [cameras.title]


def test_name_typed_with_diacritics_finds_it_written_without(client, publication_index):
    page = publication(publication_index, title="Crime", summary="Analysed by Sasa Djordjevic.")
    assert titles(search(client, q="Saša Đorđević")) == [page.title]


def test_stemming_finds_plural_from_singular(client, cameras):
    assert titles(search(client, q="secret camera")) == [cameras.title]


def test_quoted_phrase_matches_words_side_by_side_only(client, publication_index):
    adjacent = publication(publication_index, title="State capture in Serbia")
    apart = publication(publication_index, title="Capture of the state budget")
    assert set(titles(search(client, q="state capture"))) == {adjacent.title, apart.title}
    assert titles(search(client, q='"state capture"')) == [adjacent.title]


@needs_postgres
def test_title_and_author_matches_rank_above_body_matches(client, publication_index):
    body_match = publication(
        publication_index,
        title="Annual overview",
        publication_date=datetime.date(2024, 1, 1),
        body=[("paragraph", "<p>A word on gendarmerie reform.</p>")],
    )
    title_match = publication(
        publication_index, title="Gendarmerie reform", publication_date=datetime.date(2010, 1, 1)
    )
    assert titles(search(client, q="gendarmerie")) == [title_match.title, body_match.title]


@needs_search_entries
def test_the_search_follows_publishing_editing_unpublishing_and_deleting(
    client, publication_index, kinds
):
    from django.core.management import call_command

    from publications.models import PublicationSearchEntry

    def found(**params):
        response = search(client, q="gendarmerie", **params)
        return titles(response), response.context["total"]

    page = publication(
        publication_index,
        title="Gendarmerie reform",
        kind=kinds["analysis"],
        publication_date=datetime.date(2021, 5, 1),
    )
    assert found() == (["Gendarmerie reform"], 1)
    assert found(kind="report") == ([], 0)

    page.kind = kinds["report"]
    page.publication_date = datetime.date(2018, 2, 1)
    page.title = "Gendarmerie reform revisited"
    publish(page)
    assert found(kind="report", year_from="2018", year_to="2018") == (
        ["Gendarmerie reform revisited"],
        1,
    )
    assert found(kind="analysis") == ([], 0)

    page.unpublish()
    assert found() == ([], 0)
    publish(page)
    call_command("update_index", verbosity=0)  # a rebuild empties the index, then refills it
    assert found() == (["Gendarmerie reform revisited"], 1)

    page.delete()
    assert found() == ([], 0)
    assert not PublicationSearchEntry.objects.exists()


@needs_search_entries
def test_best_match_ranks_the_newest_headline_matches_then_the_rest_newest_first(
    client, publication_index, monkeypatch
):
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 2)
    in_body = [("paragraph", "<p>A word on gendarmerie reform.</p>")]

    def dated(year, **fields):
        return publication(
            publication_index, publication_date=datetime.date(year, 1, 1), **fields
        ).title

    oldest_title = dated(2010, title="Gendarmerie reform")
    title = dated(2015, title="Gendarmerie reform in practice")
    summary = dated(2020, title="Annual overview", summary="On gendarmerie reform.")
    newest_body = dated(2022, title="Police digest", body=in_body)
    older_body = dated(2012, title="Police notes", body=in_body)

    # The newest two whose title, authors, topics or summary hold the words, the title first;
    # then every other match, newest first: an older title match among them.
    expected = [title, summary, newest_body, older_body, oldest_title]
    assert titles(search(client, q="gendarmerie reform")) == expected

    # Every slice of the order, deeper pages included, is the same order.
    monkeypatch.setattr(search_module, "RANKED_IDS_KEPT", 1)
    criteria = SearchCriteria(
        terms=parse_query("gendarmerie reform", "en"), locale=Locale.objects.get(language_code="en")
    )
    for start in range(5):
        for stop in range(start + 1, 6):
            results = PublicationSearch(criteria).results()[start:stop]
            assert [card.title for card in results] == expected[start:stop], (start, stop)

    # With every headline match a candidate, the order comes from one query, and the two
    # steps give the same: the title matches by rank, the summary match, the bodies.
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 500)
    for cache in caches.all():
        cache.clear()  # the ranking above is kept a minute
    expected = [oldest_title, title, summary, newest_body, older_body]
    assert titles(search(client, q="gendarmerie reform")) == expected
    search_ = PublicationSearch(criteria)
    for start in range(5):
        for stop in range(start + 1, 6):
            assert search_._best_match_ids_in_one_query(
                start, stop
            ) == search_._best_match_ids_in_two_steps(start, stop), (start, stop)


@needs_search_entries
def test_a_query_matching_more_than_is_counted_shows_estimates_and_pages_that_far(
    client, publication_index, kinds, monkeypatch
):
    monkeypatch.setattr(search_module, "COUNTED_MATCHES", 3)
    monkeypatch.setattr(search_module, "SAMPLE_EVERY", 1)  # every row in the sample
    for number in range(5):
        publication(
            publication_index,
            title=f"Surveillance note {number}",
            kind=kinds["analysis" if number < 3 else "report"],
            publication_date=datetime.date(2020 + number % 2, 1, 1 + number),
        )
    response = search(client, q="surveillance")
    assert response.context["total"] == 5
    kinds_found = {facet["label"]: facet["count"] for facet in response.context["kind_facets"]}
    assert kinds_found == {"Analysis": 3, "Report": 2}
    page = html(response)
    assert "About 5 results for “surveillance”" in page
    assert (
        'Analysis</a> <span class="count">(<span aria-hidden="true">~</span>'
        '<span class="visually-hidden">about </span>3)</span>'
    ) in page
    assert "The first 3 can be paged through: add words or filters to see the others." in page
    # Only as many as were counted can be paged through.
    assert len(titles(response)) == 3
    assert 'rel="next"' not in page

    # A filter that leaves few enough to count gives their exact number beside the estimates.
    response = search(client, q="surveillance", kind="report")
    page = html(response)
    assert "2 results for “surveillance”" in page and "About 2" not in page
    assert '<span class="visually-hidden">about </span>3)' in page
    assert len(titles(response)) == 2


@needs_search_entries
def test_estimates_count_the_sampled_ids_and_round_them(publication_index, monkeypatch):
    monkeypatch.setattr(search_module, "COUNTED_MATCHES", 1)
    monkeypatch.setattr(search_module, "SAMPLE_EVERY", 2)
    pages = [publication(publication_index, title=f"Gendarmerie {n}") for n in range(7)]
    criteria = SearchCriteria(
        terms=parse_query("gendarmerie", "en"), locale=Locale.objects.get(language_code="en")
    )
    counts = PublicationSearch(criteria).counts()
    assert counts.estimated
    assert counts.total == 2 * sum(1 for page in pages if page.pk % 2 == 0)
    assert counts.browsable == 1

    # More sampled matches than SAMPLED_MATCHES: the coarser sample answers.
    monkeypatch.setattr(search_module, "SAMPLED_MATCHES", 1)
    monkeypatch.setattr(search_module, "COARSE_SAMPLE_EVERY", 3)
    for cache in caches.all():
        cache.clear()  # the counts above are kept a minute
    counts = PublicationSearch(criteria).counts()
    assert counts.total == 3 * sum(1 for page in pages if page.pk % 3 == 0)


def test_estimated_counts_are_shown_to_two_figures():
    assert [search_module.about(count) for count in (0.4, 7, 58, 1234, 12_760, 99_600)] == [
        1,
        7,
        58,
        1200,
        13_000,
        100_000,
    ]


# Filters, sorting, facets, pagination ---------------------------------------------------------


@pytest.fixture
def library(publication_index, author_index, kinds):
    """Six publications over three years, two kinds, two authors and two tags."""
    ana = publish(AuthorPageFactory(parent=author_index, title="Ana Petrović", slug="ana"))
    igor = publish(AuthorPageFactory(parent=author_index, title="Igor Bandović", slug="igor"))
    specs = [
        ("Police reform 2018", "analysis", 2018, [ana], ["police"]),
        ("Police budget 2019", "report", 2019, [igor], ["police", "budget"]),
        ("Police oversight 2019", "analysis", 2019, [ana, igor], ["oversight"]),
        ("Police integrity 2020", "analysis", 2020, [igor], ["police"]),
        ("Police accountability 2020", "report", 2020, [], ["oversight"]),
        ("Army procurement 2020", "analysis", 2020, [ana], ["budget"]),
    ]
    for title, kind, year, authors, tags in specs:
        publication(
            publication_index,
            title=title,
            kind=kinds[kind],
            publication_date=datetime.date(year, 6, 1),
            authors=authors,
            tag_names=tags,
        )
    return {"ana": ana, "igor": igor}


def test_filter_by_one_kind(client, library):
    assert set(titles(search(client, q="police", kind="report"))) == {
        "Police budget 2019",
        "Police accountability 2020",
    }


def test_filter_by_several_kinds(client, library):
    response = client.get(SEARCH_URL, {"q": "police", "kind": ["report", "analysis"]})
    assert response.context["total"] == 5


def test_filter_by_author_tag_and_years(client, library):
    assert set(titles(search(client, q="police", author="igor"))) == {
        "Police budget 2019",
        "Police oversight 2019",
        "Police integrity 2020",
    }
    assert set(titles(search(client, q="police", tag="oversight"))) == {
        "Police oversight 2019",
        "Police accountability 2020",
    }
    assert set(titles(search(client, q="police", year_from="2019", year_to="2019"))) == {
        "Police budget 2019",
        "Police oversight 2019",
    }
    assert titles(search(client, q="police", year_to="2018")) == ["Police reform 2018"]


def test_tag_filter_accepts_the_tag_name(client, library):
    assert search(client, tag="Oversight").context["total"] == 2


def test_filters_combine(client, library):
    response = search(
        client, q="police", kind="analysis", author="igor", tag="police", year_from="2020"
    )
    assert titles(response) == ["Police integrity 2020"]


def test_the_form_shows_the_chosen_kind_author_and_order(client, library):
    page = html(search(client, q="police", kind="report", author="igor", sort="oldest"))
    assert re.search(r'<input type="checkbox" name="kind" value="report"[^>]* checked>', page)
    assert not re.search(r'value="analysis"[^>]* checked>', page)
    assert '<option value="igor" selected>' in page
    assert '<option value="oldest" selected>' in page


def test_filters_work_without_keywords(client, library):
    response = search(client, kind="analysis", year_from="2020")
    assert response.status_code == 200
    assert set(titles(response)) == {"Police integrity 2020", "Army procurement 2020"}
    assert "2 publications" in html(response)


def test_an_order_alone_lists_everything_in_that_order(client, library):
    newest = search(client, sort="newest")
    assert newest.status_code == 200
    assert newest.context["total"] == 6
    years = [title[-4:] for title in titles(newest)]
    assert years == sorted(years, reverse=True)
    page = html(newest)
    assert "6 publications" in page
    assert "Sorted newest first." in page
    kinds = {facet["label"]: facet["count"] for facet in newest.context["kind_facets"]}
    assert kinds == {"Analysis": 4, "Report": 2}
    assert titles(search(client, sort="oldest"))[0] == "Police reform 2018"


def test_best_match_without_words_lists_newest_first_and_says_so(client, library):
    response = search(client, sort="relevance")
    years = [title[-4:] for title in titles(response)]
    assert years == sorted(years, reverse=True)
    assert "Best match needs keywords, so these are sorted newest first." in html(response)


def test_filters_without_words_list_newest_first(client, library):
    assert titles(search(client, tag="police")) == [
        "Police integrity 2020",
        "Police budget 2019",
        "Police reform 2018",
    ]


def test_the_empty_advanced_form_shows_only_the_form(client, library):
    empty = dict.fromkeys(("q", "author", "tag", "year_from", "year_to", "language"), "")
    response = search(client, **empty, sort="")
    assert response.status_code == 200
    assert response.context.get("results") is None
    assert "Type a word, a name" in html(response)


def test_sort_newest_and_oldest(client, library):
    newest = titles(search(client, q="police", sort="newest"))
    oldest = titles(search(client, q="police", sort="oldest"))
    assert newest[-1] == "Police reform 2018"
    assert oldest[0] == "Police reform 2018"
    assert [title[-4:] for title in newest] == sorted(
        (title[-4:] for title in newest), reverse=True
    )


def test_facet_counts_per_kind_and_year_for_the_query(client, library):
    response = search(client, q="police")
    kinds = {facet["label"]: facet["count"] for facet in response.context["kind_facets"]}
    years = {facet["label"]: facet["count"] for facet in response.context["year_facets"]}
    assert kinds == {"Analysis": 3, "Report": 2}
    assert years == {2020: 2, 2019: 2, 2018: 1}
    page = html(response)
    assert re.search(r"Analysis</a> <span class=\"count\">\(3\)</span>", page)
    assert re.search(r"2019</a> <span class=\"count\">\(2\)</span>", page)


def test_kind_facet_counts_ignore_the_kind_filter_but_not_the_others(client, library):
    response = search(client, q="police", kind="report", year_from="2020")
    kinds = {facet["label"]: facet["count"] for facet in response.context["kind_facets"]}
    years = {facet["label"]: facet["count"] for facet in response.context["year_facets"]}
    assert kinds == {"Analysis": 1, "Report": 1}
    assert years == {2020: 1, 2019: 1}
    assert response.context["total"] == 1


def test_pagination_keeps_every_parameter(client, publication_index, kinds):
    for number in range(12):
        publication(
            publication_index,
            title=f"Surveillance note {number}",
            kind=kinds["analysis"],
            publication_date=datetime.date(2021, 1, 1) + datetime.timedelta(days=number),
        )
    response = search(client, q="surveillance", kind="analysis", year_from="2021", sort="oldest")
    assert response.context["total"] == 12
    next_link = re.search(r'href="\?([^"]*)" rel="next"', html(response)).group(1)
    assert (
        next_link
        == "q=surveillance&amp;kind=analysis&amp;year_from=2021&amp;sort=oldest&amp;page=2"
    )
    second = client.get(SEARCH_URL + "?" + next_link.replace("&amp;", "&"))
    assert titles(second) == ["Surveillance note 10", "Surveillance note 11"]


# Highlighting and escaping --------------------------------------------------------------------


def test_matched_terms_are_highlighted_in_title_and_summary(client, cameras):
    page = html(search(client, q="camera"))
    assert "Public Recording with Secret <mark>Cameras</mark>" in page
    assert "of security <mark>cameras</mark> throughout" in page


def test_markup_in_titles_and_queries_is_shown_as_text(client, publication_index):
    publication(
        publication_index,
        title="<script>alert(1)</script> Surveillance",
        summary="<b>Bold</b> claims about surveillance & <i>privacy</i>.",
    )
    page = html(search(client, q="<script>surveillance</script>"))
    assert "<script>alert(1)</script>" not in page
    # "script" is one of the words searched for, so it is highlighted too, as text.
    assert (
        "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; <mark>Surveillance</mark>"
        in page
    )
    assert "&lt;b&gt;Bold&lt;/b&gt; claims about <mark>surveillance</mark> &amp;" in page
    assert "<script>surveillance</script>" not in page
    assert "&lt;script&gt;surveillance&lt;/script&gt;" in page


def test_highlight_escapes_even_without_matches():
    terms = parse_query("nothing", "en")
    assert highlight('<img src=x onerror="x">', terms) == "&lt;img src=x onerror=&quot;x&quot;&gt;"


def test_highlight_cuts_a_long_summary_to_its_limit_and_keeps_a_short_one_whole():
    terms = parse_query("camera", "en")
    long = "Secret cameras were bought for Belgrade without a tender, " * 5
    cut = highlight(long, terms, 40)
    assert cut == "Secret <mark>cameras</mark> were bought for Belgrade…"
    assert highlight("Secret cameras in Belgrade.", terms, 40) == (
        "Secret <mark>cameras</mark> in Belgrade."
    )


# Bad input ------------------------------------------------------------------------------------


def test_empty_query_shows_the_form(client, cameras):
    response = search(client, q="")
    assert response.status_code == 200
    assert 'name="q"' in html(response)
    assert "results" not in response.context or response.context.get("results") is None


def test_very_long_query_is_capped(client, cameras):
    response = search(client, q="camera " * 300)
    assert response.status_code == 200
    assert len(response.context["search_query"]) <= MAX_QUERY_LENGTH
    assert "only its beginning was used" in html(response)
    assert titles(response) == [cameras.title]


@pytest.mark.parametrize(
    "query", ["'", '"', "&", "|", "!", ":*", "\\", "camera'", 'camera & !"', "a:* | b", "(((", "%_"]
)
def test_operator_characters_never_break_the_search(client, cameras, query):
    response = search(client, q=query)
    assert response.status_code == 200


def test_unbalanced_quotes_search_the_words(client, cameras):
    response = search(client, q='"secret camera')
    assert response.status_code == 200
    assert titles(response) == [cameras.title]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year_from": "abc"}, "year_from", "Enter a year as four digits"),
        ({"year_from": "1200"}, "year_from", "Enter a year from 1990 on."),
        ({"year_from": "2020", "year_to": "2018"}, "year_to", "must be the same as or after"),
        ({"year_to": "99999999999999999999"}, "year_to", "Enter a year up to 2100."),
        ({"kind": "no-such-kind"}, "kind", "There is no kind called “no-such-kind”"),
        ({"author": "nobody"}, "author", "There is no author called “nobody”"),
        ({"tag": "no-such-tag"}, "tag", "There is no tag called “no-such-tag”"),
        ({"sort": "random"}, "sort", "Sort by best match, newest or oldest"),
        ({"language": "xx"}, "language", "There is no content language"),
    ],
)
def test_malformed_advanced_search_is_a_400_with_the_error_by_the_field(
    client, cameras, params, field, message
):
    response = search(client, q="camera", **params)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert 'value="camera"' in page  # what the visitor typed is kept
    assert '<details class="search-advanced" id="advanced-search" open>' in page


@pytest.mark.parametrize("page_number", ["-3", "0", "abc", "1e5", "2", "200"])
def test_odd_page_numbers_fall_back_to_a_real_page(client, cameras, page_number):
    response = search(client, q="camera", page=page_number)
    assert response.status_code == 200
    assert titles(response) == [cameras.title]


@pytest.mark.parametrize("page_number", ["201", "999999999999999999999"])
def test_no_search_has_a_page_above_the_deepest(client, cameras, page_number):
    assert search(client, q="camera", page=page_number).status_code == 404


def test_null_character_is_a_form_error(client, cameras):
    response = search(client, q="camera\x00")
    assert response.status_code == 400
    assert "Null characters are not allowed" in html(response)


def test_no_results_suggests_removing_filters(client, library):
    response = search(client, q="police", kind="report", author="ana")
    page = html(response)
    assert response.status_code == 200
    assert "No results for “police” with these filters." in page
    assert 'href="?q=police">Search again without filters</a>' in page


# Page shape -----------------------------------------------------------------------------------


def test_advanced_search_is_collapsed_until_an_advanced_field_is_set(client, cameras):
    closed = '<details class="search-advanced" id="advanced-search">'
    assert closed in html(search(client, q="camera"))
    assert '<details class="search-advanced" id="advanced-search" open>' in html(
        search(client, q="camera", sort="oldest")
    )


def test_noindex_only_when_filters_are_combined(client, library):
    robots = '<meta name="robots" content="noindex, follow">'
    assert robots not in html(search(client, q="police"))
    assert robots not in html(search(client, kind="report"))
    assert robots in html(search(client, q="police", kind="report"))
    assert robots in html(search(client, tag="police", year_from="2019"))
    assert robots in html(search(client, sort="newest"))  # everything: the listing's copy


def test_header_search_box_leads_to_the_advanced_search_opened(client, cameras):
    link = 'href="/en/search/?advanced=1#advanced-search">Advanced search</a>'
    assert link in html(client.get("/en/"))
    page = html(search(client, advanced="1"))
    assert '<details class="search-advanced" id="advanced-search" open>' in page
    assert 'name="robots"' not in page


def test_header_search_box_is_on_every_page_and_keeps_the_query(client, cameras):
    assert 'action="/en/search/"' in html(client.get("/en/"))
    page = html(search(client, q="secret camera"))
    assert 'id="header-search-input" type="search" name="q"' in page
    assert 'value="secret camera"' in page


def test_results_show_title_link_kind_date_and_authors(client, cameras):
    page = html(search(client, q="camera"))
    assert 'href="/en/publications/public-recording-with-secret-cameras/"' in page
    assert '<p class="card__kind">Analysis</p>' in page
    assert '<time datetime="2019-03-20">' in page
    assert "Saša Đorđević</a>" in page
    assert "1 result for “camera”" in page


# Index updates and visibility -----------------------------------------------------------------


def test_new_and_edited_pages_are_found_once_published(client, publication_index):
    page = publication(publication_index, title="Kosovo dialogue")
    assert titles(search(client, q="Kosovo")) == ["Kosovo dialogue"]
    page.title = "Belgrade-Pristina dialogue"
    page.save_revision()  # a draft: the live page and the index keep the old text
    assert titles(search(client, q="Pristina")) == []
    publish(page)
    assert titles(search(client, q="Pristina")) == ["Belgrade-Pristina dialogue"]
    assert titles(search(client, q="Kosovo")) == []


def test_new_tags_and_authors_are_indexed_on_publish(client, publication_index, author_index):
    page = publication(publication_index, title="Migration")
    author = publish(AuthorPageFactory(parent=author_index, title="Milica Kostić", slug="mk"))
    page.tags.add("borders")
    page.author_links.create(author=author, sort_order=0)
    publish(page)
    assert titles(search(client, q="borders Kostic")) == ["Migration"]


def test_unpublished_and_private_pages_are_not_found(client, publication_index):
    page = publication(publication_index, title="Intelligence oversight")
    hidden = publication(publication_index, title="Intelligence budget")
    assert len(titles(search(client, q="intelligence"))) == 2
    page.unpublish()
    PageViewRestriction.objects.create(page=hidden, restriction_type="password", password="x")
    assert titles(search(client, q="intelligence")) == []


def test_only_the_current_language_unless_chosen(client, publication_index, kinds, cameras):
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    sr_index = publication_index.copy_for_translation(serbian, copy_parents=True)
    publish(sr_index)
    sr_kind = PublicationKindFactory(locale=serbian, name="Analiza", slug="analiza")
    publication(sr_index, title="Javno snimanje tajnim kamerama", kind=sr_kind, locale=serbian)
    assert titles(search(client, q="kamerama")) == []
    assert titles(search(client, q="kamerama", language="sr")) == ["Javno snimanje tajnim kamerama"]
    assert titles(client.get("/sr/search/", {"q": "kamera"})) == ["Javno snimanje tajnim kamerama"]
    assert titles(client.get("/sr/search/", {"q": "camera", "language": "en"})) == [cameras.title]


# Query counts ---------------------------------------------------------------------------------


def make_batch(index, kind, author, count, start):
    for number in range(start, start + count):
        publication(
            index,
            title=f"Cyber security brief {number}",
            kind=kind,
            publication_date=datetime.date(2010 + number % 12, 1, 1),
            authors=[author],
            tag_names=[f"topic-{number % 5}"],
        )


def test_keyword_search_with_a_filter_runs_a_fixed_number_of_queries(
    client, publication_index, author_index, kinds
):
    author = publish(AuthorPageFactory(parent=author_index, title="Nikola Ilić", slug="ni"))
    params = {"q": "cyber security", "kind": "analysis"}
    counts = []
    for start, count in ((0, 3), (3, 9)):
        make_batch(publication_index, kinds["analysis"], author, count, start)
        client.get(SEARCH_URL, params)  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SEARCH_URL, params)
        assert response.context["total"] == start + count
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "params",
    [
        {"author": "ni", "year_from": "2010"},
        {"sort": "newest"},
        {"sort": "oldest", "kind": "analysis", "page": "2"},
    ],
)
def test_browsing_without_words_runs_a_fixed_number_of_queries(
    client, publication_index, author_index, kinds, params
):
    author = publish(AuthorPageFactory(parent=author_index, title="Nikola Ilić", slug="ni"))
    counts = []
    for start, count in ((0, 12), (12, 30)):
        make_batch(publication_index, kinds["analysis"], author, count, start)
        # Warms what every search reads (the form's choices), but no result card: each
        # measured search builds all of its cards.
        client.get(SEARCH_URL, {"q": "nothing matches this"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SEARCH_URL, params)
        assert response.context["total"] == start + count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_counts_through_backend_facets_match_the_grouped_counts(client, library, monkeypatch):
    """Search servers cannot group matches in SQL; their facet path gives the same numbers."""
    from publications.search import PublicationSearch

    params = {"q": "police", "kind": "report", "year_from": "2019", "tag": "police"}
    grouped = search(client, **params).context
    monkeypatch.setattr(PublicationSearch, "reads_entries", False)
    monkeypatch.setattr(PublicationSearch, "_counts_by_kind_and_year", lambda self: None)
    faceted = search(client, **params).context
    assert faceted["total"] == grouped["total"] == 1
    assert faceted["kind_facets"] == grouped["kind_facets"]
    assert faceted["year_facets"] == grouped["year_facets"]


def test_a_search_server_is_chosen_by_the_environment(monkeypatch):
    """The settings a switch to OpenSearch or Elasticsearch takes (README › Search)."""

    def search_backends():
        spec = importlib.util.find_spec("bcsp_site.settings.base")
        settings = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(settings)
        return settings.WAGTAILSEARCH_BACKENDS

    monkeypatch.delenv("SEARCH_BACKEND", raising=False)
    assert search_backends() == {"default": {"BACKEND": "publications.search_backend"}}
    monkeypatch.setenv("SEARCH_BACKEND", "opensearch3")
    monkeypatch.setenv(
        "SEARCH_URLS", "https://search-1.internal:9200,https://search-2.internal:9200"
    )
    assert search_backends() == {
        "default": {
            "BACKEND": "wagtail.search.backends.opensearch3",
            "URLS": ["https://search-1.internal:9200", "https://search-2.internal:9200"],
            "INDEX_PREFIX": "bcsp_",
            "TIMEOUT": 5,
        }
    }


def test_every_state_of_the_search_page_is_valid_html(client, library, tmp_path):
    states = {
        "landing": {},
        "results": {"q": "police", "kind": "report"},
        "browse": {"tag": "police", "sort": "oldest"},
        "no-results": {"q": "zzzz", "author": "ana"},
        "errors": {"q": "police", "year_from": "abc", "kind": "nope", "tag": "nope"},
    }
    documents = {name: search(client, **params).content for name, params in states.items()}
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
