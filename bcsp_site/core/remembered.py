"""Values kept while the site's content is unchanged, for the code that everything builds on.

Core sits below the caching layer, so it cannot ask for the content generation itself: it
calls ``remembered(key, compute)`` here, and ``bcsp_site.caching.generation`` plugs in its
store of the same name when it loads (the page-cache middleware loads it before any page is
served). Until then every call computes afresh.
"""

_store = None


def keep_with(store):
    """Use ``store(key, compute, **options)`` to keep values (bcsp_site.caching does this)."""
    global _store
    _store = store


def remembered(key, compute, **options):
    """``compute()``, kept under ``key`` for as long as the content stays the same."""
    if _store is None:
        return compute()
    return _store(key, compute, **options)
