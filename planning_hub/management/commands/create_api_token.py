"""``manage.py create_api_token --user U``: issue an API token (the key is shown once)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from planning_hub.commands import fail, print_json
from planning_hub.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; use it as 'Authorization: Bearer <token>'."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username.")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="Default: never expires."
        )
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise fail(f"User '{opts['user']}' not found.")
        if opts["expires_days"] is not None and opts["expires_days"] <= 0:
            raise fail("--expires-days must be positive.")
        token, key = api_token_create(
            user=user, name=opts["name"], expires_days=opts["expires_days"]
        )
        payload = {
            "token": key,
            "id": token.pk,
            "user": user.get_username(),
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        }
        if opts["json"]:
            print_json(self, payload)
        else:
            self.stdout.write(key)
