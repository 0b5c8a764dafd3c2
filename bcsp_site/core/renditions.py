"""Image renditions: for many images at once, and made ahead when a page is published.

Attaching: the cache first, then one query for the rest.

Wagtail looks a rendition up per image (a cache read, then a query when the cache is cold),
or, with prefetch_renditions(), always queries the database. For a list of cards this
reads every rendition the cache holds in one round trip and fetches the others in a single
query, then hands each image its renditions so `{% image %}` makes no further lookups.
"""

import logging
from collections import defaultdict
from functools import partial

from django.db import transaction
from django_tasks import task
from wagtail.images import get_image_model
from wagtail.images.models import Filter

logger = logging.getLogger("bcsp")

# The image shared on social media (OpenGraph, Twitter cards, JSON-LD).
SOCIAL_RENDITION = "fill-1200x630|format-jpeg"
# The organisation's logo: twice the header's height, an SVG kept as SVG.
LOGO_RENDITION = "height-160|preserve-svg"


def attach_renditions(images, *specs):
    """Give each image its existing renditions for `specs` (filter specs such as
    "fill-640x360|format-webp"). Renditions that do not exist yet are created on first use,
    as usual."""
    images = [image for image in images if image is not None]
    if not images or not specs:
        return
    rendition_model = images[0].get_rendition_model()
    backend = rendition_model.cache_backend
    filters = [Filter(spec=spec) for spec in specs]
    images_by_id = defaultdict(list)
    for image in images:
        images_by_id[image.pk].append(image)

    # (image id, spec) -> the focal point key a matching rendition must have
    wanted = {
        (image_id, image_filter.spec): image_filter.get_cache_key(same[0])
        for image_id, same in images_by_id.items()
        for image_filter in filters
    }

    def cache_key(image_id, spec):
        return rendition_model.construct_cache_key(
            images_by_id[image_id][0], wanted[image_id, spec], spec
        )

    keys = {cache_key(*wanted_key): wanted_key for wanted_key in wanted}
    found = {}
    for key, rendition in backend.get_many(list(keys)).items():
        rendition._from_cache = True  # so Wagtail does not write it back
        found[keys[key]] = rendition

    missing_ids = {image_id for image_id, spec in wanted if (image_id, spec) not in found}
    if missing_ids:
        from_database = {}
        renditions = rendition_model.objects.filter(
            image_id__in=missing_ids, filter_spec__in=[f.spec for f in filters]
        )
        for rendition in renditions:
            wanted_key = (rendition.image_id, rendition.filter_spec)
            if wanted.get(wanted_key) != rendition.focal_point_key or wanted_key in found:
                continue
            found[wanted_key] = rendition
            from_database[cache_key(*wanted_key)] = rendition
        if from_database:
            backend.set_many(from_database)

    by_image = defaultdict(list)
    for (image_id, _spec), rendition in found.items():
        by_image[image_id].append(rendition)
    for image in images:
        # Each image gets its own copies' list; the rendition points back at one of them.
        image.prefetched_renditions = list(by_image[image.pk])
        for rendition in image.prefetched_renditions:
            rendition.image = images_by_id[image.pk][0]


@task()
def prepare_renditions(image_id, specs):
    """Make the renditions the public pages will ask for, so no visitor waits for them."""
    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return 0
    try:
        return len(image.get_renditions(*specs))
    except OSError:  # the original is missing or unreadable
        logger.warning("Could not make renditions of image %s", image_id, exc_info=True)
        return 0


def prepare_renditions_on_publish(sender, instance, **kwargs):
    """Queue the renditions a published page's templates use (its `prepared_renditions`)."""
    for field_name, specs in getattr(instance, "prepared_renditions", {}).items():
        image_id = getattr(instance, f"{field_name}_id", None)
        if image_id:
            transaction.on_commit(
                partial(prepare_renditions.enqueue, image_id=image_id, specs=list(specs))
            )
