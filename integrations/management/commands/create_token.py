from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.models import User
from integrations.tokens import issue_token


class Command(BaseCommand):
    help = (
        "Issue an API token for an account (usually a service account with role "
        "integration). The token is printed once; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--days",
            type=int,
            help="Days until it expires (default: API_TOKEN_TTL_DAYS).",
        )

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"No account named {opts['username']}.")
        if not user.is_active:
            raise CommandError(f"Account {user.username} is inactive.")
        if user.area_id is None and not user.is_superuser:
            raise CommandError(
                f"Account {user.username} has no scope area; give it one first."
            )
        if opts["days"] is not None and not 1 <= opts["days"] <= 3650:
            raise CommandError("--days must be between 1 and 3650.")
        token, key = issue_token(user, days=opts["days"])
        expiry = timezone.localtime(token.expiry)
        self.stdout.write(
            self.style.SUCCESS(
                f"Token for {user.username} ({user.role}), scope "
                f"{user.area.code if user.area else 'all'}, expires {expiry:%Y-%m-%d %H:%M}."
            )
        )
        self.stdout.write("It is shown only now; store it in the client's secrets:")
        self.stdout.write(key)
