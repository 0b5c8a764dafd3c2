"""The environment for a ``manage.py`` run in a subprocess: this process's own, without the
variables a test sets itself or that only a test run has."""

import os

# Set by the browser tests for their live server; `check --deploy` refuses it.
TEST_RUN_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def environment_without(*names, **overrides):
    dropped = {*names, "DJANGO_SETTINGS_MODULE", *TEST_RUN_ONLY}
    return {
        **{key: value for key, value in os.environ.items() if key not in dropped},
        **overrides,
    }
