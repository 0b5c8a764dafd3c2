"""Logging without personal data, and one JSON object per line for production.

``RedactPersonalData`` runs on every record before any formatter: email addresses, IP
addresses and the secret tokens in e-bulletin links are replaced in the message and in the
traceback, so a log line never carries who a visitor is or a link that acts for them.
``JsonFormatter`` writes each record as one JSON object on stdout, for the log collector.
"""

import ipaddress
import json
import logging
import re
from datetime import UTC, datetime

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# Candidates only; each is checked with the ipaddress module before it is replaced, so
# times (12:30:45) and most version numbers survive.
IP_CANDIDATE = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]*:[0-9a-f.:]*)(?![\w.:])",
    re.IGNORECASE,
)
# e-bulletin confirmation, manage and unsubscribe links: /e-bulletin/<action>/<token>/
LINK_TOKEN = re.compile(
    r"(/e-bulletin/(?:confirm|manage|unsubscribe)/)(?!new-link/|link-sent/)[^/\s\"']+"
)


def _replace_ip(match):
    candidate = match.group(0)
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return candidate
    return "[ip]"


def redact(text):
    """The text with email addresses, IP addresses and e-bulletin link tokens replaced."""
    if not text:
        return text
    text = LINK_TOKEN.sub(r"\1[token]", text)
    text = EMAIL.sub("[email]", text)
    return IP_CANDIDATE.sub(_replace_ip, text)


class RedactPersonalData(logging.Filter):
    """Rewrites the record's message (and traceback) with personal data replaced."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # The request object (django.request records) is not written by our formatters.
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the error if any."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status_code = getattr(record, "status_code", None)
        if status_code is not None:
            entry["status"] = status_code
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)
