from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bcsp_site.signin.devices import remove_second_factor


class Command(BaseCommand):
    help = (
        "Remove an editor's authenticator app and recovery codes (lost phone); they set up a "
        "new app at their next sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
        except users.model.DoesNotExist as error:
            raise CommandError(f"No user called {username!r}.") from error
        remove_second_factor(user)
        self.stdout.write(self.style.SUCCESS(f"Two-step verification of {username} was reset."))
