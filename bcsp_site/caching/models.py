from django.db import models


class ContentGeneration(models.Model):
    """Where the content generation (``bcsp_site.caching.generation``) is kept for good: one
    row, read by every process while Redis cannot be asked and handed to Redis when it
    answers again."""

    token = models.CharField(max_length=32)

    def __str__(self):
        return self.token
