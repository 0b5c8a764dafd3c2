from .base import *  # noqa: F403
from .base import env_bool, env_list, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY") or "django-insecure-development-only-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# runserver is one process, so local memory is a cache every request shares.
CACHE_SINGLE_PROCESS = env_bool("CACHE_SINGLE_PROCESS", True)

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

try:
    from .local import *  # noqa: F403
except ImportError:
    pass
