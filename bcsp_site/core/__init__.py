"""What every app builds on: imports only Django, Wagtail and third-party libraries."""
