"""Names and text readers type: no invisible characters to pass as someone else."""

import pytest

from comments.models import Comment
from tests.comments.test_comments import comment_data, post_url
from tests.support.factories import PublicationPageFactory

INVISIBLE = "Please write your name without invisible formatting characters"

INVISIBLE_CHARACTERS = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a",  # left-to-right embedding
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\ufeff",  # zero-width no-break space
    "\u00ad",  # soft hyphen
    "\u2060",  # word joiner (another format character)
    "\u180e",  # Mongolian vowel separator
    "\u3164",  # Hangul filler: a letter that shows nothing
]


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Surveillance in Serbia")


@pytest.mark.parametrize(
    "character", INVISIBLE_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in INVISIBLE_CHARACTERS]
)
def test_a_name_with_invisible_characters_is_refused(client, publication, character):
    text = "My remark, which I do not want to type again."
    response = client.post(
        post_url(publication), comment_data(publication, name=f"Mil{character}ica", text=text)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert INVISIBLE in html
    assert '<p class="field-error" id="comment-name_error">' in html
    assert text in html
    assert Comment.objects.count() == 0


def test_a_name_is_normalised_and_its_spaces_collapsed(client, publication):
    # Full-width letters, a no-break space and a run of spaces are what a look-alike uses.
    response = client.post(
        post_url(publication), comment_data(publication, name="  Ｍilica\u00a0  Petrović ")
    )
    assert response.status_code == 302
    assert Comment.objects.get().name == "Milica Petrović"


def test_a_decomposed_name_is_stored_composed(client, publication):
    client.post(post_url(publication), comment_data(publication, name="Petrovic\u0301"))
    assert Comment.objects.get().name == "Petrović"


def test_bidirectional_controls_are_taken_out_of_the_comment(client, publication):
    text = "Read the \u202eevil.example\u202c report and \u2067this\u2069 one.\nSecond line."
    response = client.post(post_url(publication), comment_data(publication, text=text))
    assert response.status_code == 302
    stored = Comment.objects.get().text
    assert stored == "Read the evil.example report and this one.\nSecond line."


def test_joiners_in_a_comment_are_kept_for_emoji_and_scripts(client, publication):
    # A family emoji is joined with U+200D; Persian words use U+200C.
    text = "Well said \U0001f468\u200d\U0001f469\u200d\U0001f467 — می\u200cخواهم"
    client.post(post_url(publication), comment_data(publication, text=text))
    assert Comment.objects.get().text == text
