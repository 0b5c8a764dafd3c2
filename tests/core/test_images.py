"""SVG images: an upload that could run a script is refused with a message; a clean one is
taken, for the organisation's logo only (covers, photos and social images are refused)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from bcsp_site.core.images import svg_problem
from tests.support.factories import ImageFactory

SVG = "http://www.w3.org/2000/svg"
CLEAN = (
    f'<svg xmlns="{SVG}" viewBox="0 0 120 40" width="120" height="40">'
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#0b2540"/></linearGradient></defs>'
    '<rect width="40" height="40" fill="url(#g)"/><use href="#g"/>'
    '<text x="48" y="28" font-family="serif">BCSP</text></svg>'
).encode()

SCRIPT = "contains a script"
EMBEDS = "embeds other content"
OUTSIDE = "refers to files or addresses outside itself"
UNSAFE = {
    "script element": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><script>alert(1)</script></svg>',
        SCRIPT,
    ),
    "event handler": (f'<svg xmlns="{SVG}" viewBox="0 0 9 9" onload="alert(1)"/>', SCRIPT),
    "handler on a shape": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><rect width="9" height="9" onclick="x()"/></svg>',
        SCRIPT,
    ),
    "javascript link": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><a href=" JaVa&#x09;script:alert(1)">'
        '<rect width="9" height="9"/></a></svg>',
        SCRIPT,
    ),
    "animated javascript": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><a><set attributeName="href" '
        'to="javascript:alert(1)"/></a></svg>',
        SCRIPT,
    ),
    "foreignObject": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><foreignObject width="9" height="9">'
        '<div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>',
        EMBEDS,
    ),
    "external image": (
        f'<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9">'
        '<image xlink:href="https://evil.example/x.png" width="9" height="9"/></svg>',
        OUTSIDE,
    ),
    "external use": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><use href="http://evil.example/s.svg#i"/></svg>',
        OUTSIDE,
    ),
    "external style": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><style>@import "https://evil.example/a.css";'
        "</style></svg>",
        OUTSIDE,
    ),
    "external fill": (
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"><rect width="9" height="9" '
        'fill="url(https://evil.example/p.svg#p)"/></svg>',
        OUTSIDE,
    ),
    "stylesheet instruction": (
        '<?xml-stylesheet href="https://evil.example/a.css"?>'
        f'<svg xmlns="{SVG}" viewBox="0 0 9 9"/>',
        OUTSIDE,
    ),
    "entity": (
        f'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="{SVG}" viewBox="0 0 9 9">&x;</svg>',
        OUTSIDE,
    ),
}


def test_a_clean_svg_passes():
    assert svg_problem(CLEAN) is None


@pytest.mark.parametrize("case", UNSAFE)
def test_svgs_that_could_run_a_script_or_fetch_something_are_refused(case):
    svg, message = UNSAFE[case]
    assert message in svg_problem(svg.encode())


def test_a_broken_svg_is_refused():
    assert "not a valid SVG" in svg_problem(b"<svg><rect></svg>")
    assert "not a valid SVG" in svg_problem(f'<html xmlns="{SVG}"/>'.encode())


# Uploads in the admin ---------------------------------------------------------------------


def upload(client, name, content):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, content, content_type="image/svg+xml"),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.mark.parametrize(
    "case", ["script element", "event handler", "foreignObject", "external image"]
)
def test_an_unsafe_svg_upload_is_refused_with_a_message(admin_client, case):
    svg, message = UNSAFE[case]
    response = upload(admin_client, "logo.svg", svg.encode())
    assert response.status_code == 200  # the form again, the message next to the file
    assert message in response.content.decode()
    assert not get_image_model().objects.filter(title="logo.svg").exists()


def test_an_unsafe_svg_is_refused_by_the_multiple_upload_too(admin_client):
    svg, message = UNSAFE["event handler"]
    response = admin_client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile("logo.svg", svg.encode(), content_type="image/svg+xml")},
    )
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert message in answer["error_message"]
    assert not get_image_model().objects.exists()


def test_a_clean_svg_upload_is_taken(admin_client):
    response = upload(admin_client, "logo.svg", CLEAN)
    assert response.status_code == 302
    image = get_image_model().objects.get(title="logo.svg")
    assert image.is_svg()
    assert (image.width, image.height) == (120, 40)


# SVGs are for the logo only ---------------------------------------------------------------


def svg_image():
    return ImageFactory(file=ContentFile(CLEAN, name="logo.svg"), width=120, height=40)


def test_an_svg_is_refused_as_a_page_image_or_an_image_in_the_text(admin_client, home_page):
    svg = svg_image()
    data = nested_form_data(
        {
            "title": "About us",
            "slug": "about",
            "intro": "",
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>Text.</p>")),
                    ("image", {"image": svg.pk, "alt_text": "", "caption": "", "credit": ""}),
                ]
            ),
            "sidebar": streamfield([]),
            "social_image": svg.pk,
        }
    )
    url = reverse("wagtailadmin_pages:add", args=("bcsp_site", "standardpage", home_page.pk))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("SVG images can only be the organisation") == 2  # the field and the block
    assert not home_page.get_children().filter(slug="about").exists()
