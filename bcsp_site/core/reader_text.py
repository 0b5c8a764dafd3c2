"""What readers type into public forms: names shown to others, and plain text.

A name is shown next to a comment (and greets a subscriber), so it must not be able to pass
for someone else's. Names are NFKC-normalised (full-width and other compatibility letters
become the ordinary ones, a decomposed accent is composed) and their runs of white space
collapsed to one space. A name that still holds an invisible character (a format character,
Unicode category Cf: zero-width spaces and joiners, direction marks, embeddings, overrides
and isolates, the byte-order mark, the soft hyphen; a control or private-use character; or
one of the few letters that show nothing) is refused with a message rather than cleaned:
the reader sees exactly which name will be shown, and two names that differ only by such
characters can never both exist. The cost is a name from a script that needs a joiner
(Persian writes some words with U+200C); its writer is asked to type it without, and it
reads the same.

Longer text (a comment) keeps joiners, which emoji and some scripts need, and is NFC-
normalised; the direction embeddings, overrides and isolates are taken out, since they can
reorder how the text around them is shown (a "Trojan Source" trick), and other control
characters but line breaks and tabs go too. They carry nothing a reader would miss.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters (category Lo) that render as nothing: Hangul fillers and the like.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Embeddings, overrides and isolates: U+202A–U+202E and U+2066–U+2069.
DIRECTION_CONTROLS = frozenset(
    [chr(code) for code in range(0x202A, 0x202F)] + [chr(code) for code in range(0x2066, 0x206A)]
)
KEPT_CONTROLS = frozenset("\n\t")
# A web address: a scheme, or "www.". A whole address is consumed per match, so
# "https://www.example.org" counts once.
LINK_PATTERN = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S*", re.IGNORECASE)

INVISIBLE_IN_NAME = _(
    "Please write your name without invisible formatting characters (such as zero-width "
    "spaces or text-direction marks); they are often pasted in by accident."
)


def is_invisible(char):
    """A character that shows nothing, or changes how the text around it is shown."""
    return unicodedata.category(char) in {"Cf", "Cc", "Co", "Cs"} or char in BLANK_LETTERS


def clean_name(value):
    """The name normalised and with single spaces, or a ValidationError (code "invisible")."""
    name = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if any(is_invisible(char) for char in name):
        raise ValidationError(INVISIBLE_IN_NAME, code="invisible")
    return name


def clean_plain_text(value):
    """Text NFC-normalised, without direction controls or control characters (but line
    breaks and tabs)."""
    text = unicodedata.normalize("NFC", value or "")
    return "".join(
        char
        for char in text
        if char not in DIRECTION_CONTROLS
        and (char in KEPT_CONTROLS or unicodedata.category(char) != "Cc")
    )
