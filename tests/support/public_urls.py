"""The site's public URL patterns, for the tests that must drive every one of them."""

from django.urls import Resolver404, URLResolver, get_resolver, resolve


def public_url_patterns(patterns=None, prefix=""):
    """(route, name) of every URL pattern outside the admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            yield from public_url_patterns(pattern.url_patterns, route)
        else:
            yield route, pattern.name


def patterns_not_reached(paths):
    """The public URL patterns (by name, or route where unnamed) that none of `paths` reaches.

    Paths answered before URL resolution (/healthz, /readyz, /) resolve to nothing and
    count for no pattern."""
    reached = set()
    for path in paths:
        try:
            match = resolve(path.split("?")[0])
        except Resolver404:
            continue
        reached.add(match.route if match.url_name is None else match.url_name)
    return {name or route for route, name in public_url_patterns()} - reached
