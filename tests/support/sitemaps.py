"""Reading the sitemaps as a crawler does: the index at /sitemap.xml, then every child it names."""

from urllib.parse import urlsplit
from xml.etree import ElementTree

NAMESPACES = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
}


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def fetch_xml(client, path, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/xml; charset=utf-8", path
    return ElementTree.fromstring(body(response))


def children(client, **extra):
    """{child's path: its lastmod, None when none of its pages says when it was published},
    as the index lists them, in its order."""
    index = fetch_xml(client, "/sitemap.xml", **extra)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    found = {}
    for child in index.findall("s:sitemap", NAMESPACES):
        lastmod = child.find("s:lastmod", NAMESPACES)
        found[urlsplit(child.find("s:loc", NAMESPACES).text).path] = getattr(lastmod, "text", None)
    return found


def url_elements(client, **extra):
    """[(child's path, <url> element)] of every child sitemap the index names."""
    found = []
    for path in children(client, **extra):
        urlset = fetch_xml(client, path, **extra)
        found += [(path, url) for url in urlset.findall("s:url", NAMESPACES)]
    return found


def listed_urls(client, **extra):
    """{address: <url> element} of every address in the sitemaps; each is listed once."""
    elements = url_elements(client, **extra)
    locations = [url.find("s:loc", NAMESPACES).text for _path, url in elements]
    assert len(locations) == len(set(locations)), "an address is listed twice"
    return dict(zip(locations, [url for _path, url in elements], strict=True))


def alternates(url_element):
    """{hreflang: href} of one <url>."""
    return {
        link.get("hreflang"): link.get("href")
        for link in url_element.findall("x:link", NAMESPACES)
        if link.get("rel") == "alternate"
    }


def sitemap_text(client, **extra):
    """The index and every child, as one text (for "is this address in the sitemaps?")."""
    texts = [body(client.get("/sitemap.xml", **extra)).decode()]
    for path in children(client, **extra):
        texts.append(body(client.get(path, **extra)).decode())
    return "\n".join(texts)
