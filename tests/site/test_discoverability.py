import datetime
import json
import re

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Locale, PageViewRestriction

from publications.citations import Citation
from publications.pdf import build_simple_pdf
from tests.support import sitemaps
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)


def page_json_ld(html):
    """The page's own JSON-LD blocks (breadcrumbs left out)."""
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [raw for raw in scripts if '"BreadcrumbList"' not in raw]


@pytest.fixture
def content(publication_index, author_index):
    sasa = AuthorPageFactory(parent=author_index, title="Saša Đorđević", slug="sasa-djordjevic")
    report_kind = PublicationKindFactory(name="Report", slug="report")
    report = PublicationPageFactory(
        parent=publication_index,
        title="The Security Sector in a Captured State",
        slug="captured-state",
        kind=report_kind,
        publication_date=datetime.date(2020, 6, 30),
        tag_names=["state capture"],
    )
    op_ed = OpEdPageFactory(
        parent=publication_index,
        title="Public Recording with Secret Cameras",
        slug="secret-cameras",
        publication_date=datetime.date(2019, 3, 20),
        authors=[sasa],
        tag_names=["surveillance"],
        outlet_name="Peščanik",
        outlet_url="https://pescanik.net/",
        original_language="sr",
        translator_name="Pavle Nedić",
    )
    return {"author": sasa, "report": report, "op_ed": op_ed}


def parse_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def test_rss_and_atom_feeds_of_all_publications_parse_cleanly(client, content):
    response, rss = parse_feed(client, "/en/publications/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert rss.version == "rss20"
    titles = [entry.title for entry in rss.entries]
    assert titles == [
        "The Security Sector in a Captured State",
        "Public Recording with Secret Cameras",
    ]
    op_ed = rss.entries[1]
    assert op_ed.link.endswith("/en/publications/secret-cameras/")
    assert "Saša Đorđević" in op_ed.author
    assert {tag.term for tag in op_ed.tags} >= {"surveillance", "Op-ed"}
    assert op_ed.summary == "A short teaser for the publication."
    assert op_ed.published_parsed[:3] == (2019, 3, 20)

    response, atom = parse_feed(client, "/en/publications/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert atom.version == "atom10"
    assert len(atom.entries) == 2


def test_tag_kind_and_author_feeds_list_only_their_items(client, content):
    _, by_tag = parse_feed(client, "/en/publications/tags/surveillance/feed/")
    assert [entry.title for entry in by_tag.entries] == ["Public Recording with Secret Cameras"]
    _, by_kind = parse_feed(client, "/en/publications/kinds/report/feed/atom/")
    assert [entry.title for entry in by_kind.entries] == ["The Security Sector in a Captured State"]
    _, by_author = parse_feed(client, "/en/authors/sasa-djordjevic/feed/")
    assert [entry.title for entry in by_author.entries] == ["Public Recording with Secret Cameras"]
    assert client.get("/en/publications/tags/no-such-tag/feed/").status_code == 404
    assert client.get("/en/publications/kinds/no-such-kind/feed/").status_code == 404


def test_listing_pages_advertise_their_feeds(client, content):
    html = client.get("/en/publications/tags/surveillance/").content.decode()
    assert 'type="application/rss+xml"' in html
    assert 'href="/en/publications/tags/surveillance/feed/"' in html
    html = client.get("/en/authors/sasa-djordjevic/").content.decode()
    assert 'href="/en/authors/sasa-djordjevic/feed/atom/"' in html


def test_feed_is_scoped_to_its_language(client, content, home_page, publication_index):
    serbian = Locale.objects.get(language_code="sr")
    sr_home = home_page.copy_for_translation(serbian)
    sr_home.save_revision().publish()
    sr_index = publication_index.copy_for_translation(serbian)
    sr_index.save_revision().publish()
    sr_op_ed = content["op_ed"].copy_for_translation(serbian, copy_parents=True)
    sr_op_ed.title = "Javno snimanje tajnim kamerama"
    sr_op_ed.save_revision().publish()
    _, english = parse_feed(client, "/en/publications/feed/")
    _, serbian_feed = parse_feed(client, "/sr/publications/feed/")
    assert "Javno snimanje tajnim kamerama" not in [entry.title for entry in english.entries]
    assert [entry.title for entry in serbian_feed.entries] == ["Javno snimanje tajnim kamerama"]


def test_sitemap_lists_both_languages_with_alternates(
    client, content, home_page, publication_index
):
    content["op_ed"].save_revision().publish()
    content["op_ed"].refresh_from_db()
    serbian = Locale.objects.get(language_code="sr")
    for page in (home_page, publication_index):
        page.copy_for_translation(serbian).save_revision().publish()
    sr_op_ed = content["op_ed"].copy_for_translation(serbian)
    sr_op_ed.save_revision().publish()

    urls = sitemaps.listed_urls(client)
    en_url = "http://localhost/en/publications/secret-cameras/"
    sr_url = "http://localhost/sr/publications/secret-cameras/"
    assert en_url in urls and sr_url in urls
    assert urls[en_url].find("s:lastmod", sitemaps.NAMESPACES) is not None
    expected = {"en": en_url, "sr": sr_url, "x-default": en_url}
    assert sitemaps.alternates(urls[en_url]) == expected
    assert sitemaps.alternates(urls[sr_url]) == expected


def test_sitemap_excludes_unpublished_and_private_pages(client, content, publication_index):
    draft = PublicationPageFactory(parent=publication_index, slug="draft-one", live=False)
    private = PublicationPageFactory(parent=publication_index, slug="private-one")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    body = sitemaps.sitemap_text(client)
    assert "/en/publications/captured-state/" in body
    assert f"/en/publications/{draft.slug}/" not in body
    assert f"/en/publications/{private.slug}/" not in body


def test_robots_txt_points_to_sitemap_and_keeps_admin_and_search_out(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /en/search/" in lines
    assert "Disallow: /sr/search/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines  # the Site's, not the Host


def meta_content(html, attribute, name):
    pattern = rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"'
    return re.findall(pattern, html)


def test_publication_metadata_with_authors_and_pdf(client, content):
    report = content["report"]
    document = get_document_model().objects.create(
        title="Captured state PDF",
        file=ContentFile(build_simple_pdf(["State capture"]), name="captured.pdf"),
    )
    report.pdf = document
    report.author_links.create(author=content["author"], sort_order=0)
    report.save_revision().publish()
    html = client.get("/en/publications/captured-state/").content.decode()

    assert '<link rel="canonical" href="http://localhost/en/publications/captured-state/">' in html
    assert meta_content(html, "name", "description") == ["A short teaser for the publication."]
    assert meta_content(html, "property", "og:type") == ["article"]
    assert meta_content(html, "property", "og:title") == ["The Security Sector in a Captured State"]
    assert meta_content(html, "name", "twitter:card") == ["summary_large_image"]
    assert meta_content(html, "name", "citation_title") == [
        "The Security Sector in a Captured State"
    ]
    assert meta_content(html, "name", "citation_author") == ["Saša Đorđević"]
    assert meta_content(html, "name", "citation_publication_date") == ["2020/06/30"]
    assert meta_content(html, "name", "citation_publisher") == [
        "Belgrade Centre for Security Policy"
    ]
    assert meta_content(html, "name", "citation_language") == ["en"]
    [pdf_url] = meta_content(html, "name", "citation_pdf_url")
    assert pdf_url.startswith("http://localhost/documents/") and pdf_url.endswith("captured.pdf")

    [raw] = page_json_ld(html)
    data = json.loads(raw)
    assert data["@type"] == "Report"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Saša Đorđević",
            "url": "http://localhost/en/authors/sasa-djordjevic/",
        }
    ]
    assert data["publisher"]["@type"] == "Organization"
    assert data["datePublished"] == "2020-06-30"
    assert data["inLanguage"] == "en"
    assert data["associatedMedia"]["encodingFormat"] == "application/pdf"


def test_publication_metadata_without_authors_pdf_or_cover(client, content, publication_index):
    plain = PublicationPageFactory(
        parent=publication_index, slug="plain", title="Plain <b>title</b>"
    )
    html = client.get(f"/en/publications/{plain.slug}/").content.decode()
    assert meta_content(html, "name", "citation_author") == ["Belgrade Centre for Security Policy"]
    assert meta_content(html, "name", "citation_pdf_url") == []
    # No cover and no default image in the settings: the site's own card.
    assert meta_content(html, "property", "og:image") == [
        "http://localhost/static/img/social-card.png"
    ]
    assert meta_content(html, "property", "og:title") == ["Plain &lt;b&gt;title&lt;/b&gt;"]
    [raw] = page_json_ld(html)
    assert "<b>" not in raw  # markup in titles is escaped inside the JSON-LD block
    data = json.loads(raw)
    assert data["@type"] == "ScholarlyArticle"
    assert data["name"] == "Plain <b>title</b>"
    assert data["author"][0]["@type"] == "Organization"


def test_op_ed_json_ld_is_an_opinion_based_on_the_original(client, content):
    html = client.get("/en/publications/secret-cameras/").content.decode()
    [raw] = page_json_ld(html)
    data = json.loads(raw)
    assert data["@type"] == "OpinionNewsArticle"
    assert data["isBasedOn"] == "https://pescanik.net/"


def test_home_and_author_pages_have_metadata(client, content):
    html = client.get("/en/").content.decode()
    [raw] = page_json_ld(html)
    assert json.loads(raw)["@type"] == "WebSite"
    html = client.get("/en/authors/sasa-djordjevic/").content.decode()
    [raw] = page_json_ld(html)
    assert json.loads(raw)["@type"] == "Person"
    assert meta_content(html, "property", "og:type") == ["profile"]


def test_titles_and_descriptions_differ_between_archive_pages(client, content):
    pages = ["/en/publications/", "/en/publications/2019/", "/en/publications/tags/surveillance/"]
    titles, descriptions = set(), set()
    for url in pages:
        html = client.get(url).content.decode()
        titles.add(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())
        descriptions.update(meta_content(html, "name", "description"))
    assert len(titles) == 3
    assert len(descriptions) == 3


class FakePage:
    """Just what Citation reads from a publication."""

    def __init__(self, title, authors, kind="report", summary="Summary"):
        self.title = title
        self.summary = summary
        self.authors = [type("Author", (), {"title": name}) for name in authors]
        self.kind = type("Kind", (), {"slug": kind})
        self.kind_id = 1
        self.publication_date = datetime.date(2019, 3, 20)
        self.locale = type("Locale", (), {"language_code": "sr"})
        self.locale_id = 1
        self.tags = type("Tags", (), {"all": staticmethod(lambda: [])})


def test_bibtex_escapes_diacritics_braces_ampersands_and_quotes():
    page = FakePage('Saša & "Đorđe": {Braces} 100% ćevapi', ["Saša Đorđević", "Jelena Pejić Nikić"])
    citation = Citation(page, url="https://example.org/p/", publisher="BCSP & Partners")
    assert citation.bibtex() == (
        "@techreport{Djordjevic2019sasa,\n"
        "  author = {{\\DJ}or{\\dj}evi{\\'c}, Sa{\\v{s}}a and Peji{\\'c} Niki{\\'c}, Jelena},\n"
        "  title = {{Sa{\\v{s}}a \\& {''}{\\DJ}or{\\dj}e{''}: \\{Braces\\} 100\\% {\\'c}evapi}},\n"
        "  institution = {BCSP \\& Partners},\n"
        "  year = {2019},\n"
        "  month = {mar},\n"
        "  url = {https://example.org/p/},\n"
        "  language = {serbian}\n"
        "}\n"
    )


def test_ris_keeps_utf8_and_uses_one_line_per_field():
    page = FakePage('Saša & "Đorđe":\n{Braces}', ["Saša Đorđević"], kind="op-ed")
    citation = Citation(page, url="https://example.org/p/", publisher="BCSP")
    assert citation.ris() == (
        "TY  - NEWS\r\n"
        "AU  - Đorđević, Saša\r\n"
        'TI  - Saša & "Đorđe": {Braces}\r\n'
        "PY  - 2019\r\n"
        "DA  - 2019/03/20\r\n"
        "PB  - BCSP\r\n"
        "UR  - https://example.org/p/\r\n"
        "LA  - Serbian\r\n"
        "AB  - Summary\r\n"
        "ER  - \r\n"
    )


def test_apa_citation_on_the_page_and_downloads(client, content):
    html = client.get("/en/publications/secret-cameras/").content.decode()
    assert (
        "Đorđević, S. (2019). Public Recording with Secret Cameras. "
        "Belgrade Centre for Security Policy. http://localhost/en/publications/secret-cameras/"
    ) in html
    op_ed = content["op_ed"]
    bib = client.get(f"/en/cite/{op_ed.pk}.bib")
    assert bib.status_code == 200
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="secret-cameras.bib"'
    assert "{\\DJ}or{\\dj}evi{\\'c}, Sa{\\v{s}}a" in bib.content.decode("utf-8")
    ris = client.get(f"/en/cite/{op_ed.pk}.ris")
    assert ris["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert "AU  - Đorđević, Saša" in ris.content.decode("utf-8")
    assert client.get("/en/cite/999999.bib").status_code == 404


def test_import_legacy_redirects_maps_good_rows_and_reports_bad_ones(
    client, content, tmp_path, capsys
):
    csv_file = tmp_path / "old.csv"
    csv_file.write_text(
        "old_path,new_url\n"
        "/All-publications/4143/Public+Recording.shtml,/en/publications/secret-cameras/\n"
        "/old/gone.shtml,/en/publications/no-such-page/\n"
        ",/en/\n"
        "/outlet.shtml,https://pescanik.net/\n"
        "/evil.shtml,javascript:alert(1)\n"
        "just-one-column\n",
        encoding="utf-8",
    )
    call_command("import_legacy_redirects", str(csv_file))
    output = capsys.readouterr().out
    assert "Created 2 redirects" in output
    assert "line 3: no live page at the new URL" in output
    assert "line 4: the old path is empty" in output
    assert "line 6: the new URL must be http(s)" in output
    assert "line 7: expected two columns" in output
    assert Redirect.objects.count() == 2

    response = client.get("/All-publications/4143/Public+Recording.shtml")
    assert response.status_code == 301
    assert response["Location"] == "/en/publications/secret-cameras/"
    assert client.get("/outlet.shtml")["Location"] == "https://pescanik.net/"

    call_command("import_legacy_redirects", str(csv_file))  # running again updates, no duplicates
    assert Redirect.objects.count() == 2


def test_links_in_the_text_are_absolute_so_printed_pages_show_full_addresses(
    client, publication_index
):
    page = PublicationPageFactory(
        parent=publication_index,
        slug="with-links",
        body=[("paragraph", '<p>See <a href="/en/publications/">our archive</a>.</p>')],
    )
    html = client.get(f"/en/publications/{page.slug}/").content.decode()
    assert '<a href="http://localhost/en/publications/">our archive</a>' in html


def test_print_stylesheet_hides_navigation_and_prints_link_addresses():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and "display: none" in print_rules
    assert 'content: " (" attr(href) ")"' in print_rules
    assert ".cite-this" in print_rules
