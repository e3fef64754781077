"""``manage.py ensure_demo_users``: a demo superuser (admin/admin) for ``make demo`` only."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo superuser 'admin' (password 'admin') if it does not exist. Demo only."

    def handle(self, *args, **opts):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo user admin exists")
            return
        User.objects.create_superuser("admin", "admin@example.com", "admin")
        self.stdout.write("created demo superuser admin / admin")
