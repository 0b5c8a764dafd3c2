"""Ready-made citations of a publication: APA-style text, BibTeX and RIS."""

import re

from django.http import Http404, HttpResponse

from bcsp_site.core.organisation import OrganisationSettings

from .models import PublicationPage

# BibTeX: classic BibTeX and many reference managers expect LaTeX escapes, not raw UTF-8.
LATEX_ACCENTS = {
    "ć": r"{\'c}", "Ć": r"{\'C}", "č": r"{\v{c}}", "Č": r"{\v{C}}",
    "š": r"{\v{s}}", "Š": r"{\v{S}}", "ž": r"{\v{z}}", "Ž": r"{\v{Z}}",
    "đ": r"{\dj}", "Đ": r"{\DJ}", "é": r"{\'e}", "É": r"{\'E}", "è": r"{\`e}",
    "á": r"{\'a}", "í": r"{\'i}", "ó": r"{\'o}", "ú": r"{\'u}", "ü": r'{\"u}',
    "ö": r'{\"o}', "ä": r'{\"a}', "Ü": r'{\"U}', "Ö": r'{\"O}', "Ä": r'{\"A}', "ß": r"{\ss}",
}  # fmt: skip
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    '"': "{''}", "“": "``", "”": "''", "„": ",,", "’": "'", "‘": "`",
}  # fmt: skip

RIS_TYPES = {
    "report": "RPRT",
    "analysis": "RPRT",
    "policy-paper": "RPRT",
    "study": "RPRT",
    "research": "RPRT",
    "op-ed": "NEWS",
}
BIBTEX_TYPES = {"report": "techreport", "policy-paper": "techreport", "study": "techreport"}


SERBIAN_ASCII = str.maketrans(
    {
        "Ć": "C",
        "ć": "c",
        "Č": "C",
        "č": "c",
        "Š": "S",
        "š": "s",
        "Ž": "Z",
        "ž": "z",
        "Đ": "Dj",
        "đ": "dj",
    }
)


def ascii_fold(text):
    """Serbian Latin letters as they are written without diacritics (Đorđević → Djordjevic)."""
    return text.translate(SERBIAN_ASCII)


def split_name(full_name):
    """('Pejić Nikić', 'Jelena') from 'Jelena Pejić Nikić': the first word is the given name."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name, ""
    return " ".join(parts[1:]), parts[0]


def latex_escape(text):
    return "".join(LATEX_SPECIALS.get(ch) or LATEX_ACCENTS.get(ch) or ch for ch in text)


def _one_line(text):
    return re.sub(r"\s+", " ", text).strip()


class Citation:
    def __init__(self, page, url, publisher):
        self.page = page
        self.url = url
        self.publisher = publisher
        self.authors = [author.title for author in page.authors]
        self.kind_slug = page.kind.slug if page.kind_id else ""

    @property
    def year(self):
        return self.page.publication_date.year

    def apa(self):
        """Family, G., & Family, G. (Year). Title. Publisher. URL"""
        names = []
        for author in self.authors:
            family, given = split_name(author)
            initials = " ".join(f"{part[0]}." for part in given.split() if part)
            names.append(f"{family}, {initials}" if initials else family)
        if not names:
            byline = self.publisher
        elif len(names) == 1:
            byline = names[0]
        else:
            byline = ", ".join(names[:-1]) + ", & " + names[-1]
        publisher = "" if byline == self.publisher else f" {self.publisher}."
        title = _one_line(self.page.title).rstrip(".")
        return f"{byline} ({self.year}). {title}.{publisher} {self.url}"

    def key(self):
        first = split_name(self.authors[0])[0] if self.authors else "BCSP"
        ascii_first = re.sub(r"[^A-Za-z]", "", ascii_fold(first))
        title_word = re.sub(r"[^A-Za-z]", "", ascii_fold((self.page.title.split() or ["x"])[0]))
        return f"{ascii_first or 'BCSP'}{self.year}{title_word.lower()}"

    def bibtex(self):
        entry_type = BIBTEX_TYPES.get(self.kind_slug, "misc")
        fields = []
        if self.authors:
            people = []
            for author in self.authors:
                family, given = split_name(author)
                people.append(latex_escape(f"{family}, {given}" if given else family))
            fields.append(("author", " and ".join(people)))
        else:
            fields.append(("author", "{" + latex_escape(self.publisher) + "}"))
        fields.append(("title", "{" + latex_escape(_one_line(self.page.title)) + "}"))
        publisher_field = "institution" if entry_type == "techreport" else "publisher"
        fields.append((publisher_field, latex_escape(self.publisher)))
        fields.append(("year", str(self.year)))
        fields.append(("month", self.page.publication_date.strftime("%b").lower()))
        fields.append(("url", self.url))
        fields.append(("language", self.language_name().lower()))
        if entry_type == "misc":
            fields.append(("howpublished", "\\url{" + self.url + "}"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@{entry_type}{{{self.key()},\n{body}\n}}\n"

    def ris(self):
        lines = [("TY", RIS_TYPES.get(self.kind_slug, "GEN"))]
        for author in self.authors:
            family, given = split_name(author)
            lines.append(("AU", f"{family}, {given}" if given else family))
        if not self.authors:
            lines.append(("AU", self.publisher))
        lines += [
            ("TI", _one_line(self.page.title)),
            ("PY", str(self.year)),
            ("DA", self.page.publication_date.strftime("%Y/%m/%d")),
            ("PB", self.publisher),
            ("UR", self.url),
            ("LA", self.language_name()),
            ("AB", _one_line(self.page.summary)),
        ]
        for tag in self.page.tags.all():
            lines.append(("KW", _one_line(tag.name)))
        lines.append(("ER", ""))
        # Every line is "XX  - value"; the closing "ER  - " keeps its trailing space.
        return "\r\n".join(f"{tag}  - {value}" for tag, value in lines) + "\r\n"

    def language_name(self):
        code = self.page.locale.language_code if self.page.locale_id else "en"
        return {"en": "English", "sr": "Serbian"}.get(code, code)


def citation_for(request, page):
    return Citation(
        page,
        url=page.get_full_url(request),
        publisher=OrganisationSettings.for_request(request).name,
    )


def _download(request, page_id, render, extension, content_type):
    page = (
        PublicationPage.objects.live()
        .public()
        .select_related("kind", "locale")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise Http404("No such publication")
    response = HttpResponse(render(citation_for(request, page)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{page.slug[:80]}.{extension}"'
    return response


def bibtex_download(request, page_id):
    return _download(
        request, page_id, Citation.bibtex, "bib", "application/x-bibtex; charset=utf-8"
    )


def ris_download(request, page_id):
    return _download(
        request, page_id, Citation.ris, "ris", "application/x-research-info-systems; charset=utf-8"
    )
