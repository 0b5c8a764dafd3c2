# Run inside the site (manage.py shell -c) by load/cluster_test.py: prints one JSON line.
import json

from django.conf import settings
from django.db.models import Count
from wagtail.models import Locale

from authors.models import AuthorPage
from bcsp_site.models import HomePage
from publications.models import PublicationPage

english = Locale.objects.get(language_code="en")
publications = PublicationPage.objects.live().public().filter(locale=english)
tagged = PublicationPage.tags.through.objects.filter(content_object__in=publications)
print(
    json.dumps(
        {
            "home_page_id": HomePage.objects.get(locale=english).pk,
            "publications": [p.url for p in publications.order_by("-publication_date")[:40]],
            "commentable": [
                [p.pk, p.url] for p in publications.filter(comments_open=True).order_by("pk")[:20]
            ],
            "authors": [a.url for a in AuthorPage.objects.live().filter(locale=english)[:20]],
            "tags": list(
                tagged.values_list("tag__slug", flat=True)
                .annotate(n=Count("pk"))
                .order_by("-n")[:10]
            ),
            "years": sorted(
                {d.year for d in publications.values_list("publication_date", flat=True)}
            ),
            "comments_rate_limit": settings.COMMENTS_RATE_LIMIT,
            "signups_per_ip": settings.NEWSLETTER_RATE_LIMIT_PER_IP,
            "storages": {name: conf["BACKEND"] for name, conf in settings.STORAGES.items()},
        }
    )
)
