import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "bcsp-demo-admin"  # noqa: S105 - local demo login only, printed to the user


class Command(BaseCommand):
    help = "Create a local admin login for the demo site if none exists (development only)."

    def handle(self, *args, **options):
        username = os.environ.get("DEMO_ADMIN_USERNAME", DEFAULT_USERNAME)
        password = os.environ.get("DEMO_ADMIN_PASSWORD", DEFAULT_PASSWORD)
        users = get_user_model().objects
        if users.filter(username=username).exists():
            self.stdout.write(f"Admin login '{username}' already exists.")
        else:
            users.create_superuser(username=username, email="admin@example.org", password=password)
            self.stdout.write(f"Created admin login '{username}'.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sign in at http://127.0.0.1:8000/admin/ as {username} / {password}"
                if password == DEFAULT_PASSWORD
                else f"Sign in at http://127.0.0.1:8000/admin/ as {username}"
            )
        )
