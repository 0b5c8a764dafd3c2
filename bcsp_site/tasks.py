import logging

from django_tasks import task
from wagtail.images import get_image_model

logger = logging.getLogger("bcsp")


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
