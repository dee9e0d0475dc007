from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.accounts import provision_account
from core.models import Role


class Command(BaseCommand):
    help = "Create (or update) an account with one role and one scope area."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument(
            "--area", required=True, help="Code of the scope area (grid to district)."
        )
        parser.add_argument("--password", help="Generated and printed when omitted.")
        parser.add_argument("--full-name", default="")

    def handle(self, *args, **opts) -> None:  # type: ignore[no-untyped-def]
        try:
            user, password = provision_account(
                username=opts["username"],
                role=opts["role"],
                area_code=opts["area"],
                password=opts["password"],
                full_name=opts["full_name"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Account {user.username} ({user.role}) scoped to "
                f"{user.area.code} {user.area.name}."
            )
        )
        if not opts["password"]:
            self.stdout.write(f"Generated password: {password}")
