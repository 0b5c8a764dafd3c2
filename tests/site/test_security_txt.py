"""/.well-known/security.txt (RFC 9116): how to report a vulnerability, from the
organisation settings, in the format the RFC gives, fresh after the settings change."""

import datetime

import pytest
from wagtail.models import Site

from bcsp_site.core.organisation import OrganisationSettings

URL = "/.well-known/security.txt"
KNOWN_FIELDS = {
    "Acknowledgments",
    "Canonical",
    "Contact",
    "Encryption",
    "Expires",
    "Hiring",
    "Policy",
    "Preferred-Languages",
    "CSAF",
}


def fields(response):
    """[(field, value)] of the file, each line checked against the RFC's grammar."""
    body = response.content.decode("utf-8")
    assert body.endswith("\n")
    parsed = []
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition(": ")
        assert separator, line
        assert name in KNOWN_FIELDS, line
        assert value == value.strip() and value, line
        parsed.append((name, value))
    return parsed


@pytest.fixture
def organisation(home_page):
    return OrganisationSettings.for_site(Site.objects.get(is_default_site=True))


def test_security_txt_says_whom_to_tell_until_when(client, organisation):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parsed = fields(response)
    values = dict(parsed)
    assert [name for name, _value in parsed].count("Expires") == 1
    assert values["Contact"] == f"mailto:{organisation.contact_email}"
    assert values["Preferred-Languages"] == "en, sr"
    # The Site's own host name, not the Host the request gave ("testserver").
    assert values["Canonical"] == f"https://{organisation.site.hostname}/.well-known/security.txt"
    expires = datetime.datetime.fromisoformat(values["Expires"].replace("Z", "+00:00"))
    now = datetime.datetime.now(datetime.UTC)
    assert now < expires <= now + datetime.timedelta(days=365)
    assert values["Expires"].endswith("Z")
    assert "Policy" not in values


def test_the_security_contact_and_policy_page_replace_the_defaults_at_once(
    client, organisation, home_page
):
    assert "mailto:" in client.get(URL).content.decode()
    assert client.get(URL)["X-Cache"] == "hit"
    organisation.security_contact = "https://bezbednost.org/report-a-vulnerability"
    organisation.security_policy_page = home_page
    organisation.save()
    values = dict(fields(client.get(URL)))
    assert values["Contact"] == "https://bezbednost.org/report-a-vulnerability"
    assert values["Policy"] == home_page.get_full_url()

    organisation.security_contact = "security@bezbednost.org"
    organisation.save()
    assert dict(fields(client.get(URL)))["Contact"] == "mailto:security@bezbednost.org"


@pytest.mark.parametrize("contact", ["not an address", "http://insecure.example/", "ftp://x"])
def test_a_security_contact_must_be_an_email_or_https_address(organisation, contact):
    from django.core.exceptions import ValidationError

    organisation.security_contact = contact
    with pytest.raises(ValidationError) as refused:
        organisation.full_clean()
    assert "security_contact" in refused.value.message_dict


def test_security_txt_at_the_root_leads_to_the_well_known_place(client, db):
    response = client.get("/security.txt")
    assert response.status_code == 301
    assert response["Location"] == URL
