import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsp_site.settings.dev")

django_application = get_wsgi_application()

from bcsp_site.core.security import addressed_as_asked  # noqa: E402 - once Django is set up

# The path as the client asked for it, whatever SCRIPT_NAME the server was sent.
application = addressed_as_asked(django_application)
