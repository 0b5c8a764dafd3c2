"""An old site's body HTML as the blocks of a publication's body (``core.blocks.BodyBlock``).

Headings become heading blocks, paragraphs and lists one paragraph block (rich text in
Wagtail's stored format, with only the paragraph block's features), images image blocks,
tables table blocks, block quotes quote blocks, and footnotes wagtail-footnotes' footnotes.
Whatever has no block of its own is kept as text and reported, with the line of the body
it was on: nothing is dropped without a word.

The HTML is read by BeautifulSoup with Python's own parser, which Wagtail already depends
on and which knows the line each element starts on.
"""

import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from django.utils.html import escape

from .footnotes import footnote_reference

HEADING_MAX_LENGTH = 200  # HeadingBlock's text
CAPTION_MAX_LENGTH = 300
ALT_MAX_LENGTH = 250

# Inline elements the paragraph block keeps, as Wagtail stores them.
INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "sup": "sup"}
# Wrappers that only styled their text: unwrapped without a word (the text stays).
PLAIN_WRAPPERS = {
    "span", "font", "abbr", "small", "big", "time", "cite", "u", "mark", "ins", "bdi", "bdo",
    "label", "dfn", "o:p", "nobr",
}  # fmt: skip
# Containers whose children are read as if they stood at the top.
CONTAINERS = {"div", "section", "article", "main", "body", "html", "header", "center"}
SILENT = {"hr", "br", "wbr", "meta", "link"}  # nothing to keep at the top level
REMOVED = {"script", "style", "noscript", "template", "head", "title"}
LINK_SCHEMES = {"http", "https", "mailto", "tel", ""}
FOOTNOTE_CONTAINERS = (
    "ol.footnotes, div.footnotes, section.footnotes, aside.footnotes, "
    "[role=doc-endnotes], div.footnote-list, div#footnotes, ol#footnotes"
)
WORD_FOOTNOTE_ID = re.compile(r"^_?ftn\d+$")  # Word's <div id="ftn1">
BACKREF_TEXT = re.compile(r"^\s*(↩|↑|\^|\[?\d+\]?)\s*$")


@dataclass
class Converted:
    """The blocks (StreamField's raw data, images as values to resolve), the footnotes in
    the order they are first referenced, and what could not be converted."""

    blocks: list = field(default_factory=list)
    footnotes: list = field(default_factory=list)  # [(uuid, rich text HTML)]
    warnings: list = field(default_factory=list)  # ["line 3: …"]
    images: list = field(default_factory=list)  # the image sources the blocks refer to


def deterministic_uuid(key, number):
    """The same footnote of the same row gets the same id on every import, so an unchanged
    body stays unchanged."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}#footnote-{number}"))


class BodyConverter:
    """Converts one row's body; `key` (the row's old address) seeds the footnotes' ids."""

    def __init__(self, key):
        self.key = key
        self.result = Converted()
        self.rich = []  # paragraphs and lists waiting to become one paragraph block
        self.definitions = {}  # footnote element id → its <li>/<div>
        self.numbers = {}  # footnote element id → its uuid, in order of first reference

    def convert(self, html):
        soup = BeautifulSoup(html or "", "html.parser")
        for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
            comment.extract()
        self.collect_footnotes(soup)
        self.top_level(soup.children)
        self.flush()
        self.finish_footnotes()
        return self.result

    def warn(self, node, message):
        line = getattr(node, "sourceline", None)
        where = f"body line {line}" if line else "body"
        self.result.warnings.append(f"{where}: {message}")

    # Footnotes ------------------------------------------------------------------------

    def collect_footnotes(self, soup):
        """Find the footnotes' texts and take them out of the body: the list of a
        WordPress or Markdown export (ol/div/section.footnotes, role=doc-endnotes) and
        Word's <div id="ftn1">."""
        for container in soup.select(FOOTNOTE_CONTAINERS):
            for item in container.find_all(["li", "p", "div"], id=True):
                self.define(item)
            container.extract()
        for item in soup.find_all(["div", "p"], id=WORD_FOOTNOTE_ID):
            self.define(item)
            item.extract()

    def define(self, item):
        """A footnote's text, found by its id and by the anchors inside it (Word links to
        <a name="_ftn1"> within <div id="ftn1">)."""
        self.definitions[item["id"]] = item
        for anchor in item.find_all("a"):
            for name in (anchor.get("name"), anchor.get("id")):
                if name:
                    self.definitions.setdefault(name, item)

    def footnote_target(self, link):
        """The footnote a link refers to, or None when it is not a footnote reference."""
        href = link.get("href", "")
        if not href.startswith("#"):
            return None
        target = href[1:]
        if target in self.definitions:
            return target
        classes = link.get("class") or []
        if "footnote-ref" in classes or link.get("rel") == ["footnote"]:
            return target  # a reference whose note is missing: reported by the caller
        return None

    def footnote_ref(self, link, target):
        if target not in self.definitions:
            self.warn(link, f"footnote reference to #{target} has no footnote; kept as text")
            return escape(link.get_text())
        element = self.definitions[target]
        if element["id"] not in self.numbers:
            self.numbers[element["id"]] = deterministic_uuid(self.key, len(self.numbers) + 1)
        return footnote_reference(self.numbers[element["id"]])

    def finish_footnotes(self):
        elements = {element["id"]: element for element in self.definitions.values()}
        for element_id, note_uuid in self.numbers.items():
            self.result.footnotes.append((note_uuid, self.footnote_text(elements[element_id])))
        for element_id, element in elements.items():
            if element_id in self.numbers:
                continue
            self.warn(element, f"footnote #{element_id} is never referenced; kept as a paragraph")
            text = self.footnote_text(element)
            if text:
                self.result.blocks.append(paragraph_block(text))

    def footnote_text(self, element):
        """The footnote's words as rich text (bold, italic, links), without its links back
        to the text."""
        for link in element.find_all("a"):
            href = link.get("href", "")
            classes = link.get("class") or []
            backlink = (
                "footnote-backref" in classes
                or link.get("rev") == ["footnote"]
                or "fnref" in href
                or "ftnref" in href
                or (href.startswith("#") and BACKREF_TEXT.match(link.get_text() or ""))
            )
            if backlink:
                parent = link.parent
                link.decompose()
                if parent is not None and parent.name == "sup" and not parent.get_text(strip=True):
                    parent.decompose()
        html = self.inline(element.children, features={"b", "i", "a"}).strip()
        html = re.sub(r"^(\[\d+\]|\d+\.)\s*", "", html)  # Word repeats the number
        return f"<p>{html}</p>" if html else ""

    # Blocks -----------------------------------------------------------------------------

    def flush(self):
        if self.rich:
            self.result.blocks.append(paragraph_block("".join(self.rich)))
            self.rich = []

    def add_block(self, block):
        self.flush()
        self.result.blocks.append(block)

    def top_level(self, nodes):
        loose = []  # inline content standing directly in a container
        for node in list(nodes):
            if isinstance(node, NavigableString) or (
                isinstance(node, Tag) and self.is_inline(node)
            ):
                loose.append(node)
                continue
            self.loose_paragraph(loose)
            loose = []
            self.element(node)
        self.loose_paragraph(loose)

    def is_inline(self, node):
        return node.name in INLINE or node.name in PLAIN_WRAPPERS or node.name in {"a", "sub"}

    def loose_paragraph(self, nodes):
        if not nodes:
            return
        html = self.inline(nodes).strip()
        if html:
            self.rich.append(f"<p>{html}</p>")

    def element(self, node):
        name = node.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading(node)
        elif name == "p":
            self.paragraph(node)
        elif name in ("ul", "ol"):
            self.rich.append(self.list_html(node))
        elif name == "blockquote":
            self.quote(node)
        elif name == "table":
            self.table(node)
        elif name == "img":
            self.image(node)
        elif name == "figure":
            self.figure(node)
        elif name in CONTAINERS:
            self.top_level(node.children)
        elif name in SILENT:
            pass
        elif name in REMOVED:
            if node.get_text(strip=True):
                self.warn(node, f"<{name}> removed (its content is not text for readers)")
        elif name == "pre":
            self.warn(node, "<pre> kept as a plain paragraph")
            self.rich.append(f"<p>{escape(node.get_text().strip())}</p>")
        elif name == "iframe":
            src = node.get("src", "")
            self.warn(node, f"<iframe> ({src or 'no address'}) kept as a link")
            if src:
                self.rich.append(f'<p><a href="{escape(src)}">{escape(src)}</a></p>')
        else:
            text = node.get_text(" ", strip=True)
            self.warn(node, f"<{name}> has no block; kept as text")
            if text:
                self.rich.append(f"<p>{escape(text)}</p>")

    def heading(self, node):
        text = " ".join(node.get_text(" ").split())
        if not text:
            return
        if len(text) > HEADING_MAX_LENGTH:
            self.warn(node, f"heading longer than {HEADING_MAX_LENGTH} characters; kept as text")
            self.rich.append(f"<p><b>{escape(text)}</b></p>")
            return
        level = "h2" if node.name in ("h1", "h2") else "h3"
        self.add_block({"type": "heading", "value": {"text": text, "level": level}})

    def paragraph(self, node):
        images = node.find_all("img")
        for image in images:
            image.extract()
        html = self.inline(node.children).strip()
        if html and html not in ("<br/>",):
            self.rich.append(f"<p>{html}</p>")
        for image in images:  # a picture inside a paragraph follows it
            self.image(image)

    def list_html(self, node):
        tag = node.name
        items = []
        for item in node.find_all("li", recursive=False):
            nested = [
                child for child in item.children if getattr(child, "name", None) in ("ul", "ol")
            ]
            for child in nested:
                child.extract()
            inner = self.inline(item.children).strip()
            inner += "".join(self.list_html(child) for child in nested)
            items.append(f"<li>{inner}</li>")
        for child in node.children:
            if isinstance(child, Tag) and child.name != "li":
                self.warn(child, f"<{child.name}> inside a list kept as an item")
                items.append(f"<li>{escape(child.get_text(' ', strip=True))}</li>")
        return f"<{tag}>{''.join(items)}</{tag}>"

    def quote(self, node):
        attribution = ""
        for credit in node.find_all(["cite", "footer"]):
            attribution = attribution or " ".join(credit.get_text(" ").split()).lstrip("—–- ")
            credit.extract()
        parts = [" ".join(p.get_text(" ").split()) for p in node.find_all("p")]
        text = "\n\n".join(part for part in parts if part) or " ".join(node.get_text(" ").split())
        if not text:
            return
        if node.find("a") or node.find(["strong", "b", "em", "i"]):
            self.warn(node, "formatting and links inside a quote kept as plain text")
        self.add_block({"type": "quote", "value": {"text": text, "attribution": attribution[:200]}})

    def table(self, node, caption=""):
        caption_element = node.find("caption")
        if caption_element is not None:
            caption = caption or " ".join(caption_element.get_text(" ").split())
            caption_element.extract()
        rows = node.find_all("tr")
        data = []
        for row in rows:
            cells = []
            for cell in row.find_all(["th", "td"], recursive=False):
                for link in cell.find_all("a"):
                    target = self.footnote_target(link)
                    if target is not None:
                        self.warn(link, "a footnote inside a table cell is kept as its number")
                cells.append(" ".join(cell.get_text(" ").split()))
                if cell.find(["img", "ul", "ol", "table"]):
                    self.warn(cell, "a table cell's pictures and lists kept as text")
            data.append(cells)
        if not data:
            self.warn(node, "empty table left out")
            return
        width = max(len(row) for row in data)
        data = [row + [""] * (width - len(row)) for row in data]
        first = rows[0]
        header = first.find_parent("thead") is not None or (
            first.find("th") is not None and first.find("td") is None
        )
        self.add_block(
            {
                "type": "table",
                "value": {
                    "caption": caption[:CAPTION_MAX_LENGTH],
                    "table": {
                        "data": data,
                        "first_row_is_table_header": header,
                        "first_col_is_header": False,
                        "table_caption": "",
                    },
                },
            }
        )

    def image(self, node, caption=""):
        src = (node.get("src") or "").strip()
        alt = " ".join((node.get("alt") or "").split())
        scheme = urlsplit(src).scheme
        if not src or scheme in ("http", "https", "data"):
            self.warn(node, f"image {src[:80] or 'without an address'} not imported; kept as text")
            if alt or caption:
                self.rich.append(f"<p>{escape(alt or caption)}</p>")
            return
        self.result.images.append(src)
        self.add_block(
            {
                "type": "image",
                "value": {
                    "image": {"source": src, "line": getattr(node, "sourceline", None)},
                    "alt_text": alt[:ALT_MAX_LENGTH],
                    "caption": caption[:CAPTION_MAX_LENGTH],
                    "credit": "",
                },
            }
        )

    def figure(self, node):
        caption_element = node.find("figcaption")
        caption = ""
        if caption_element is not None:
            caption = " ".join(caption_element.get_text(" ").split())
            caption_element.extract()
        image = node.find("img")
        table = node.find("table")
        if table is not None:
            self.table(table, caption)
        elif image is not None:
            self.image(image, caption)
        else:
            self.top_level(node.children)

    # Inline content ---------------------------------------------------------------------

    def inline(self, nodes, features=None):
        """Rich text HTML of `nodes` in Wagtail's stored format; `features`: the inline
        elements allowed (b, i, a, sup, footnotes and lists when None)."""
        out = []
        for node in list(nodes):
            if isinstance(node, NavigableString):
                out.append(escape(collapse(str(node))))
                continue
            if not isinstance(node, Tag):
                continue
            name = node.name
            if name == "a":
                target = self.footnote_target(node)
                if target is not None and features is None:
                    out.append(self.footnote_ref(node, target))
                else:
                    out.append(self.link(node, features))
            elif name == "sup" and features is None and self.sup_is_footnote(node):
                link = node.find("a")
                out.append(self.footnote_ref(link, self.footnote_target(link)))
            elif name in INLINE and (features is None or INLINE[name] in features):
                inner = self.inline(node.children, features)
                if inner.strip():
                    out.append(f"<{INLINE[name]}>{inner}</{INLINE[name]}>")
                else:
                    out.append(inner)
            elif name == "br":
                out.append("<br/>")
            elif name in PLAIN_WRAPPERS or name in INLINE or name == "p":
                out.append(self.inline(node.children, features))
            elif name in ("ul", "ol") and features is None:
                out.append(self.list_html(node))
            elif name == "img":
                alt = node.get("alt", "")
                self.warn(node, "a picture inside inline text kept as its description")
                out.append(escape(alt))
            elif name in REMOVED:
                if node.get_text(strip=True):
                    self.warn(node, f"<{name}> removed (its content is not text for readers)")
            else:
                self.warn(node, f"<{name}> formatting not kept; its text is")
                out.append(self.inline(node.children, features))
        return "".join(out)

    def sup_is_footnote(self, node):
        links = node.find_all("a")
        return len(links) == 1 and self.footnote_target(links[0]) is not None

    def link(self, node, features):
        inner = self.inline(node.children, features)
        href = (node.get("href") or "").strip()
        if not href or href.startswith("#") or (features is not None and "a" not in features):
            return inner
        if urlsplit(href).scheme.lower() not in LINK_SCHEMES:
            self.warn(node, f"link to {href[:80]} removed; its text is kept")
            return inner
        # Addresses on the old site (/2019/03/…) stay as plain links: the redirects made
        # from the manifest's old addresses lead them to the new pages.
        return f'<a href="{escape(href)}">{inner}</a>'


def collapse(text):
    return re.sub(r"\s+", " ", text)


def paragraph_block(html):
    return {"type": "paragraph", "value": html}


def convert_body(html, key):
    """`html` as body blocks, footnotes and warnings (see Converted); `key` is the row's
    stable key."""
    return BodyConverter(key).convert(html)
