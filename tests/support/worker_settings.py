"""Settings for a ``db_worker`` that a test starts in another process: the test settings,
on the test's own database (``DATABASE_URL``), with the database task queue and every
email written to ``MAIL_DIR`` (``tests.support.mail_capture``)."""

import os

import dj_database_url

from bcsp_site.settings.test import *  # noqa: F403

DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "tests.support.mail_capture.OneFilePerMessage"
EMAIL_FILE_PATH = os.environ["MAIL_DIR"]
