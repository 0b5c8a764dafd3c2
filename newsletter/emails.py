"""Building the e-bulletin's emails: confirmation, welcome, manage links and each bulletin.

Every HTML email goes through ``inline_css`` once: mail clients ignore or strip ``<style>``
blocks, so the templates' CSS is written into each element's ``style`` attribute by
css-inline before the message leaves. The admin previews show that same inlined document.
"""

import re
import secrets
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

import css_inline
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop
from wagtail.rich_text import expand_db_html

from .tokens import make_bulletin_mark, make_confirmation_token, make_manage_token

TRACKING_TAG = "e-bulletin"
PREVIEW_UNSUBSCRIBE_TOKEN = "preview"  # noqa: S105 (a placeholder, not a secret)

# Remote stylesheets are never fetched: every email carries its own CSS in its template.
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def inline_css(html):
    """The document with its ``<style>`` rules written into ``style`` attributes."""
    return _INLINER.inline(html)


def render_html_email(template_name, context):
    return inline_css(render_to_string(template_name, context))


# An email shown in the admin (the preview panel, a tab of its own, the send page) is the
# inlined document subscribers get: it needs inline style attributes and nothing else. It is
# sandboxed (no scripts, an origin of its own) and may be framed by the admin only.
EMAIL_PREVIEW_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": [SELF, "data:", "https:"],
    "script-src": [NONE],
    "frame-src": [NONE],
    "form-action": [NONE],
    "base-uri": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": ["allow-popups", "allow-popups-to-escape-sandbox"],
}


def email_preview_response(html):
    """The email's HTML as a page, under EMAIL_PREVIEW_POLICY whatever the URL it answers.

    Wagtail renders previews as a request to the object's public URL (the site's root for
    a bulletin), which would otherwise get the public policy: no inline styles, no framing.
    """
    response = HttpResponse(html)
    # django-csp: the config replaces the site's policy; "replace" outranks the admin's own.
    response._csp_config = EMAIL_PREVIEW_POLICY
    response._csp_replace = EMAIL_PREVIEW_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response


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


def _subscriber_message(subscriber, subject, template, context, headers=None):
    """A message to one subscriber in their language, from a pair of templates
    (``template``.txt and ``template``.html). Nothing a visitor typed goes into it."""
    with translation.override(subscriber.language):
        context = {
            "language": subscriber.language,
            "site_url": absolute(f"/{subscriber.language}/"),
            "signup_url": public_url("newsletter:signup", subscriber.language),
            **context,
        }
        subject = gettext(subject)
        context["subject"] = subject
        text = render_to_string(f"{template}.txt", context)
        html = render_html_email(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject, text, from_email(), [subscriber.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def unsubscribe_headers(unsubscribe_url):
    # RFC 8058 one-click unsubscribe: mail clients POST to this URL.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirmation_message(subscriber):
    """Sent to an address nobody has confirmed yet: it must not repeat anything typed
    into the form (a name could carry someone's advertisement to a stranger)."""
    token = make_confirmation_token(subscriber)
    return _subscriber_message(
        subscriber,
        gettext_noop("Please confirm your subscription to the BCSP e-bulletin"),
        "email/newsletter_confirm",
        {
            "confirm_url": public_url("newsletter:confirm", subscriber.language, token=token),
            "days": settings.NEWSLETTER_CONFIRM_DAYS,
        },
    )


def manage_url(subscriber):
    token = make_manage_token(subscriber)
    return public_url("newsletter:manage", subscriber.language, token=token)


def welcome_message(subscriber):
    """Sent once a sign-up is confirmed: what comes next and the link to manage it."""
    unsubscribe_url = public_url(
        "newsletter:unsubscribe", subscriber.language, token=subscriber.unsubscribe_token
    )
    return _subscriber_message(
        subscriber,
        gettext_noop("Welcome to the BCSP e-bulletin"),
        "email/newsletter_welcome",
        {
            "manage_url": manage_url(subscriber),
            "unsubscribe_url": unsubscribe_url,
            # Lazy: translated when rendered, in the subscriber's language.
            "language_name": dict(settings.LANGUAGES)[subscriber.language],
            "days": settings.NEWSLETTER_MANAGE_DAYS,
        },
        headers=unsubscribe_headers(unsubscribe_url),
    )


def manage_link_message(subscriber):
    """The link a subscriber asked for on the e-bulletin page."""
    return _subscriber_message(
        subscriber,
        gettext_noop("Your link to manage your BCSP e-bulletin subscription"),
        "email/newsletter_manage",
        {"manage_url": manage_url(subscriber), "days": settings.NEWSLETTER_MANAGE_DAYS},
    )


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
    """Renders one bulletin for many subscribers.

    The shared part (publications, intro) is built once, and the HTML is rendered and
    inlined once for readers greeted by name and once for the others, with markers where
    each reader's name and unsubscribe link go; a reader's message only fills those in.
    """

    def __init__(self, bulletin):
        self.bulletin = bulletin
        self.language = bulletin.language
        # Random per bulletin, so no text in a publication can pass for a marker.
        marker = secrets.token_hex(8)
        self._name_slot = f"bcsp{marker}name"
        self._unsubscribe_slot = f"bcsp{marker}unsubscribe"
        self._inlined = {}
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
        unsubscribe_url = public_url(
            "newsletter:unsubscribe", self.language, token=token or PREVIEW_UNSUBSCRIBE_TOKEN
        )
        if token and self.bulletin.pk:
            # Credits an unsubscribe by this link to this bulletin (tokens.read_bulletin_mark).
            mark = make_bulletin_mark(token, self.bulletin.pk)
            unsubscribe_url += "?" + urlencode({"from": mark})
        return {
            **self.shared,
            "name": subscriber.name if subscriber else "",
            "unsubscribe_url": unsubscribe_url,
        }

    def html(self, context):
        """The inlined HTML for this reader: the shared document with their part filled in."""
        greeted = bool(context["name"])
        document = self._inlined.get(greeted)
        if document is None:
            slots = {
                "name": self._name_slot if greeted else "",
                "unsubscribe_url": self._unsubscribe_slot,
            }
            with translation.override(self.language):
                document = render_html_email("email/bulletin.html", {**context, **slots})
            self._inlined[greeted] = document
        return document.replace(self._name_slot, escape(context["name"])).replace(
            self._unsubscribe_slot, escape(context["unsubscribe_url"])
        )

    def text(self, context):
        with translation.override(self.language):
            return render_to_string("email/bulletin.txt", context)

    def render(self, context):
        return self.text(context), self.html(context)

    def message(self, subscriber, to=None, subject_prefix="", delivery=None):
        context = self.context(subscriber)
        text, html = self.render(context)
        message = EmailMultiAlternatives(
            subject_prefix + self.bulletin.subject,
            text,
            from_email(),
            [to or subscriber.email],
            headers=unsubscribe_headers(context["unsubscribe_url"]),
        )
        message.attach_alternative(html, "text/html")
        if delivery is not None:
            # django-anymail sends these to the provider, which returns them with every
            # tracking event (newsletter.tracking); other backends ignore them.
            message.metadata = {"bulletin": str(self.bulletin.pk), "delivery": str(delivery.pk)}
            message.tags = [TRACKING_TAG]
        return message

    def test_message(self, to):
        """What a subscriber would get, sent to an editor; the unsubscribe link is inert."""
        with translation.override(self.language):
            prefix = gettext("[Test] ")
        return self.message(None, to=to, subject_prefix=prefix)

    def preview_html(self):
        """The email of the test send, exactly: what the admin previews show."""
        return self.html(self.context())

    def preview_text(self):
        return self.text(self.context())
