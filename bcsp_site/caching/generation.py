"""The content generation: one token that changes whenever anything visitors see changes.

The full-page cache (bcsp_site.caching.page_cache) keeps each page for the generation it was
rendered in. Templates cache the costly parts of a page that are the same for every visitor (a
publication's text, the cards of a listing, the carousel) with `{% pagecontentcache %}` or
`{% contentcache %}` (bcsp_site.templatetags.fragment_cache), which vary on this generation.
Saving or deleting a page, a snippet, an image, a document, a tag, a site, a setting or a
view restriction, publishing, unpublishing or moving a page, and moderating or deleting a
comment start a new generation, so no page or fragment outlives the content it shows. Saving
a draft, locking a page and a reader's new (unapproved) comment change nothing visitors see
and leave the generation alone: autosave writes a draft every few seconds while an editor
types, and readers must not be able to empty the cache by posting. Forms, CSRF
tokens, messages and anything else that depends on the visitor stay outside the fragments.

The generation changes at once and again when the transaction commits, so a request that
read the old rows while the change was being written cannot store them under the new one.

Every process must see the same generation. Its durable home is one row in the database
(``ContentGeneration``), and Redis carries it to every process without a round trip
(``ResilientRedisCache.get_watched``): a change writes the row (within the change's own
transaction, and again once it commits) and then Redis. A cache of each process's own cannot
carry it, and the system checks (``caching.checks``) refuse one wherever more than one
process may serve.

While Redis is unreachable each request reads the row instead (one query), so what a worker
keeps in its own memory for the generation (its copies of pages, the local layer of
fragments and remembered values) is still used, and a change published meanwhile, which
writes the row, reaches every process at once. When Redis answers again, or has lost the
key (a restart, an eviction), it is given the row's value. A worker whose connection to a
hung Redis stays open learns of the outage at its next call that is not a hit, or within
``KeyWatch.VERIFY_SECONDS``. Writing the row inside the change's transaction locks it until
the commit, so changes made at the same moment wait for each other; editors make a few dozen
a day. Data migrations save through models of their own, which ``content_changed`` leaves
be: ``migrate`` starts a new generation when it ends.

bench/redis_down.py, two gunicorn workers on PostgreSQL, 200 requests in a row (median / 99th
percentile, ms; before the row, each request with Redis down rendered everything from the
database: search 77.9/143 killed and 98.7/399 paused, the publication 88.8/151 and 97.5/388):

    =========================  =============  =============  =============  =============
    page                       Redis up       killed         paused         recovered
    =========================  =============  =============  =============  =============
    search (fragments)         15.3 / 18.2    19.1 / 25.2    18.7 / 276     15.7 / 19.0
    publication (page cache)   0.6 / 0.8      1.5 / 1.9      1.5 / 1.8      0.6 / 0.9
    =========================  =============  =============  =============  =============

With Redis paused, one request every ``RETRY_SECONDS`` tries it again and waits for its
timeout: that is the search's 99th percentile.
"""

import functools
import uuid

from asgiref.local import Local
from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from wagtail.contrib.settings.models import BaseSiteSetting

from bcsp_site.core import remembered as core_remembered

from .models import ContentGeneration

GENERATION_KEY = "fragments:generation"
FRAGMENT_CACHE_SECONDS = 60 * 60

# What a fragment may show (apps and base classes); anything else saved leaves them be.
CONTENT_APPS = {"bcsp_site", "publications", "authors", "taggit", "comments"}
CONTENT_MODELS = {
    ("wagtailcore", "site"),
    ("wagtailcore", "locale"),
    ("wagtailcore", "pageviewrestriction"),
    ("wagtailcore", "collection"),
    # Editors' picks, shown on the search page (publications.curation).
    ("wagtailsearchpromotions", "searchpromotion"),
}
# Models of content apps that no visitor sees: the count of searches that found nothing, and
# the search backend's own rows (like Wagtail's index, written after the content changed).
NOT_CONTENT_MODELS = {
    ("publications", "noresultsdailyhits"),
    ("publications", "publicationsearchentry"),
}


# Within a request the generation is read once: a page asks for it a dozen times, and with
# Redis each read is a round trip.
_request = Local()


def content_cache_alias():
    """Where entries keyed by the generation live: the "content" cache (a worker-local layer
    in front of Redis) when there is one, else the default cache."""
    return "content" if "content" in settings.CACHES else "default"


def content_cache():
    return caches[content_cache_alias()]


def content_generation():
    """The current generation; read once per request (without a round trip to Redis while
    it is unchanged: ``ResilientRedisCache.get_watched``)."""
    token = getattr(_request, "generation", None)
    if token is not None:
        return token
    token = _current_generation()
    if getattr(_request, "active", False):
        _request.generation = token
    return token


# Set while this process reads the generation from the row because Redis is unreachable; the
# first read once Redis answers again hands it the row's value.
_outage = {"seen": False}


def _current_generation():
    if not _outage["seen"]:
        token = getattr(cache, "get_watched", cache.get)(GENERATION_KEY)
        if token is not None:
            return token
    else:
        # Asks Redis only when the circuit breaker lets one caller try it again.
        cache.has_key(GENERATION_KEY)
    if getattr(cache, "available", True):
        token = _hand_row_to_cache(replace=_outage["seen"])
        if getattr(cache, "available", True):
            _outage["seen"] = False
            return token
    _outage["seen"] = True
    return stored_generation()


def _hand_row_to_cache(replace):
    """Give Redis the row's generation: after an outage, over whatever it holds (it may have
    missed a change); when it has lost the key, unless another process gave it one first."""
    token = stored_generation()
    if not replace:
        if cache.add(GENERATION_KEY, token, None):
            return token
        return cache.get(GENERATION_KEY) or token
    while True:
        cache.set(GENERATION_KEY, token, None)
        # A change that writes the row after the read below also writes Redis after this
        # set; one that wrote it before is read below and set again.
        latest = stored_generation()
        if latest == token:
            return token
        token = latest


def stored_generation():
    """The generation in the database, made on first use."""
    token = ContentGeneration.objects.filter(pk=1).values_list("token", flat=True).first()
    if token is None:
        row, _created = ContentGeneration.objects.get_or_create(
            pk=1, defaults={"token": _new_token()}
        )
        token = row.token
    return token


def _new_token():
    return uuid.uuid4().hex


_in_process = {"generation": None, "values": {}}
IN_PROCESS_MAX_ENTRIES = 5000


def remembered(key, compute, *, seconds=FRAGMENT_CACHE_SECONDS, in_process=False):
    """compute(), kept under `key` while the content generation stands.

    This is the one way the site keeps what it worked out from the content: `key` says what
    was computed (the generation is added here), and any change visitors could see starts a
    new generation, so nothing kept is ever stale. A None answer (nothing found) is not
    kept: it is looked up again next time.

    Kept in the "content" cache (``content_cache()``), shared by every process; with
    ``in_process``, in this process's memory instead, for small answers asked for many
    times a page (a page's URL), where even a local cache read, which copies the value,
    would cost more than it saves.
    """
    generation = content_generation()
    if in_process:
        if _in_process["generation"] != generation:
            _in_process["generation"], _in_process["values"] = generation, {}
        values = _in_process["values"]
        try:
            return values[key]
        except KeyError:
            pass
        value = compute()
        if value is not None and len(values) < IN_PROCESS_MAX_ENTRIES:
            values[key] = value
        return value
    full_key = f"{key}:{generation}"
    store = content_cache()
    value = store.get(full_key)
    if value is None:
        value = compute()
        if value is not None:
            store.set(full_key, value, seconds)
    return value


def remembered_many(keys, compute, *, seconds=FRAGMENT_CACHE_SECONDS):
    """{key: value} for `keys`, each kept like remembered() keeps one, read from the cache in
    one go; compute(missing keys) returns {key: value} for those not kept yet, worked out
    together (one query for them all rather than one each)."""
    generation = content_generation()
    store = content_cache()
    full_keys = {f"{key}:{generation}": key for key in keys}
    found = {full_keys[full_key]: value for full_key, value in store.get_many(full_keys).items()}
    missing = [key for key in keys if key not in found]
    if missing:
        computed = {key: value for key, value in compute(missing).items() if value is not None}
        store.set_many({f"{key}:{generation}": value for key, value in computed.items()}, seconds)
        found.update(computed)
    return found


def start_new_generation(**kwargs):
    """Write a new generation to the row, then to Redis (which misses it while unreachable:
    the row is handed to it when it answers again)."""
    token = _new_token()
    ContentGeneration.objects.bulk_create(
        [ContentGeneration(pk=1, token=token)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["token"],
    )
    cache.set(GENERATION_KEY, token, None)
    if getattr(_request, "active", False):
        _request.generation = token
    return token


def request_started_handler(**kwargs):
    _request.active = True
    _request.generation = None


def request_finished_handler(**kwargs):
    _request.active = False
    _request.generation = None


_shown_to_visitors = {}


def is_content(model):
    """Does this model hold something that a cached fragment may show?"""
    if model not in _shown_to_visitors:
        from wagtail.documents.models import AbstractDocument
        from wagtail.images.models import AbstractImage
        from wagtail.models import Page

        meta = model._meta
        _shown_to_visitors[model] = (
            issubclass(model, (Page, AbstractImage, AbstractDocument))
            or meta.app_label in CONTENT_APPS
            or (meta.app_label, meta.model_name) in CONTENT_MODELS
        ) and (meta.app_label, meta.model_name) not in NOT_CONTENT_MODELS
    return _shown_to_visitors[model]


@functools.cache
def _editor_only_page_fields():
    from wagtail.models import COMMENTS_RELATION_NAME

    # What Wagtail writes to a page's row when an editor saves a draft (autosave does, every
    # few seconds of editing), locks or unlocks it: visitors see none of it.
    return frozenset(
        {
            COMMENTS_RELATION_NAME,
            "latest_revision",
            "latest_revision_created_at",
            "draft_title",
            "has_unpublished_changes",
            "locked",
            "locked_by",
            "locked_at",
        }
    )


def content_changed(sender=None, instance=None, created=False, update_fields=None, **kwargs):
    if sender is not None and isinstance(sender, type):
        if sender._meta.apps is not apps:
            return  # a data migration's: `migrate` starts a new generation once it ends
        if not is_content(sender):
            return
    if update_fields and set(update_fields) <= _editor_only_page_fields():
        from wagtail.models import Page

        if isinstance(instance, Page):
            return
    if created and isinstance(instance, BaseSiteSetting):
        # Made on first read with its defaults, which is what every page already showed.
        return
    if created and sender is not None and sender._meta.label == "comments.Comment":
        if instance.status != instance.Status.APPROVED:
            return  # a reader's new comment shows only once an editor approves it
    start_new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(start_new_generation)


# Core code keeps its values through this store too (see bcsp_site.core.remembered).
core_remembered.keep_with(remembered)
