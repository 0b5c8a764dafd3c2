"""Building the e-bulletin's emails: the confirmation link and each personal bulletin."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from wagtail.rich_text import expand_db_html

from .tokens import make_confirmation_token

PREVIEW_UNSUBSCRIBE_TOKEN = "preview"  # noqa: S105 (a placeholder, not a secret)


def base_url():
    return (settings.NEWSLETTER_BASE_URL or settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def from_email():
    return settings.NEWSLETTER_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL


def absolute(path):
    return urljoin(base_url() + "/", path.lstrip("/")) if path.startswith("/") else path


def public_url(name, language, **kwargs):
    """An absolute public URL under the given language's prefix."""
    with translation.override(language):
        return absolute(reverse(name, kwargs=kwargs))


def confirmation_message(subscriber):
    token = make_confirmation_token(subscriber)
    with translation.override(subscriber.language):
        context = {
            "subscriber": subscriber,
            "confirm_url": public_url("newsletter:confirm", subscriber.language, token=token),
            "signup_url": public_url("newsletter:signup", subscriber.language),
            "days": settings.NEWSLETTER_CONFIRM_DAYS,
        }
        subject = gettext("Please confirm your subscription to the BCSP e-bulletin")
        text = render_to_string("email/newsletter_confirm.txt", context)
        html = render_to_string("email/newsletter_confirm.html", context)
    message = EmailMultiAlternatives(subject, text, from_email(), [subscriber.email])
    message.attach_alternative(html, "text/html")
    return message


_HREF_RELATIVE = re.compile(r'(href|src)="(/[^"]*)"')


def absolute_links(html):
    """Rich text links point at site paths; in an email they need the full address."""
    return _HREF_RELATIVE.sub(lambda match: f'{match[1]}="{absolute(match[2])}"', html)


class _TextExtractor(HTMLParser):
    """Rich text to readable plain text: paragraphs, list bullets and link targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.href = None

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in {"p", "ul", "ol", "h2", "h3", "h4"}:
            self.parts.append("\n\n")
        elif tag == "a" and self.href:
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html):
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) if line.strip() else "" for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class BulletinMessageBuilder:
    """Renders one bulletin for many subscribers: the shared part (publications, intro) is
    built once; each subscriber's message only adds their greeting and unsubscribe link."""

    def __init__(self, bulletin):
        self.bulletin = bulletin
        self.language = bulletin.language
        with translation.override(self.language):
            intro_html = absolute_links(expand_db_html(bulletin.intro or ""))
            self.shared = {
                "bulletin": bulletin,
                "subject": bulletin.subject,
                "intro_html": mark_safe(intro_html),  # noqa: S308 (editor rich text)
                "intro_text": html_to_text(intro_html),
                "publications": [self._entry(page) for page in bulletin.publications()],
                "signup_url": public_url("newsletter:signup", self.language),
                "site_url": absolute(f"/{self.language}/"),
                "language": self.language,
            }

    def _entry(self, page):
        authors = [link.author.title for link in page.author_links.all() if link.author.live]
        _site_id, _root_url, path = page.get_url_parts() or (None, None, None)
        return {
            "title": page.title,
            "url": absolute(path) if path else "",
            "summary": page.summary,
            "kind": page.kind.name if page.kind_id else "",
            "date": page.publication_date,
            "authors": ", ".join(authors),
        }

    def context(self, subscriber=None, unsubscribe_token=None):
        token = unsubscribe_token or (subscriber.unsubscribe_token if subscriber else None)
        token = token or PREVIEW_UNSUBSCRIBE_TOKEN
        return {
            **self.shared,
            "name": subscriber.name if subscriber else "",
            "unsubscribe_url": public_url("newsletter:unsubscribe", self.language, token=token),
        }

    def render(self, context):
        with translation.override(self.language):
            text = render_to_string("email/bulletin.txt", context)
            html = render_to_string("email/bulletin.html", context)
        return text, html

    def message(self, subscriber, to=None, subject_prefix=""):
        context = self.context(subscriber)
        text, html = self.render(context)
        unsubscribe_url = context["unsubscribe_url"]
        message = EmailMultiAlternatives(
            subject_prefix + self.bulletin.subject,
            text,
            from_email(),
            [to or subscriber.email],
            headers={
                # RFC 8058 one-click unsubscribe: mail clients POST to this URL.
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
        return message

    def test_message(self, to):
        """What a subscriber would get, sent to an editor; the unsubscribe link is inert."""
        with translation.override(self.language):
            prefix = gettext("[Test] ")
        return self.message(None, to=to, subject_prefix=prefix)

    def preview_context(self):
        return self.context()

    def preview_text(self):
        return self.render(self.context())[0]
