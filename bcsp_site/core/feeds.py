"""RSS 2.0 and Atom feeds of publications: all, per kind, per tag and per author.

Built by the page that lists the items (the publication index, an author page).
"""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from .metadata import absolute
from .organisation import OrganisationSettings

FEED_LENGTH = 30


class PublicationFeed(Feed):
    """A feed over a listing queryset; built per request by the page that lists the items."""

    feed_type = Rss201rev2Feed

    def __init__(self, *, title, link, description, publications, organisation, atom=False):
        super().__init__()
        self._title = title
        self._link = link
        self._description = description
        self._publications = publications
        self._organisation = organisation
        if atom:
            self.feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self._title

    # Addresses are made absolute on the site's own address (Django's syndication would use
    # the request's Host, and the feed is kept for every visitor).

    def link(self):
        return absolute(self.request, self._link)

    def feed_url(self):
        return absolute(self.request, self.request.path)

    def description(self):
        return self._description

    def subtitle(self):
        return self._description

    def author_name(self):
        return self._organisation

    def feed_copyright(self):
        return f"© {self._organisation}"

    def items(self):
        return list(self._publications[:FEED_LENGTH])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return absolute(self.request, item.get_url(self.request))

    def item_guid(self, item):
        return absolute(self.request, item.get_url(self.request))

    def item_author_name(self, item):
        names = [author.title for author in item.authors]
        return ", ".join(names) if names else self._organisation

    def item_pubdate(self, item):
        published = datetime.datetime.combine(item.publication_date, datetime.time(9))
        return timezone.make_aware(published)

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_categories(self, item):
        categories = [item.kind.name] if item.kind_id else []
        return categories + [tag.name for tag in item.tags.all()]


def feed_response(request, *, page, title, description, publications, atom=False):
    organisation = OrganisationSettings.for_request(request).name
    feed = PublicationFeed(
        title=f"{title} — {organisation}" if title != organisation else title,
        link=page.get_url(request),
        description=description or _("Publications of the %(name)s") % {"name": organisation},
        publications=publications,
        organisation=organisation,
        atom=atom,
    )
    return feed(request)


def feed_links(request, page, *feeds):
    """[(title, RSS URL, Atom URL)] for the given feeds of a routable page, for the page's
    head. Each feed is (title, route name of its RSS version, route args); the Atom
    version's route is named the same with "_atom" added."""
    base = page.get_url(request)
    return [
        (
            title,
            base + page.reverse_subpage(route, args=args),
            base + page.reverse_subpage(f"{route}_atom", args=args),
        )
        for title, route, args in feeds
    ]
