import shutil
from pathlib import Path

import pytest
from wagtail.models import Locale

from bcsp_site.demo.serbian import publish_translation
from publications.models import PublicationKind
from tests.support.factories import PublicationKindFactory

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "sample"
KINDS = ["analysis", "report", "policy-paper", "study", "research", "document", "op-ed"]


@pytest.fixture
def two_languages(home_page, publication_index, author_index):
    """An English site with its Serbian translation: publications and authors indexes and
    the kinds in both languages, as the archive import needs them."""
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    publish_translation(home_page, serbian, slug="home-sr")
    publish_translation(publication_index, serbian, title="Publikacije")
    publish_translation(author_index, serbian, title="Autori")
    for order, slug in enumerate(KINDS):
        kind = PublicationKindFactory(slug=slug, name=slug.capitalize(), sort_order=order)
        PublicationKind.objects.create(
            locale=serbian,
            translation_key=kind.translation_key,
            slug=slug,
            name=f"{slug} (sr)",
            sort_order=order,
        )
    return home_page


@pytest.fixture
def sample(tmp_path):
    """A copy of the sample manifest and its files, free to edit."""
    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    return copy / "manifest.jsonl"
