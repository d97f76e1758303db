import os
import secrets

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from clearcrm.staff.models import ROLE_ADMIN, role


class Command(BaseCommand):
    help = "Set up the database and serve ClearCRM (web site and background work) in one process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="web server threads")

    def handle(self, *args, host: str, port: int, threads: int, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.ensure_admin()
        self.serve(host, port, threads)

    def ensure_admin(self) -> None:
        """Create the first admin, so a new installation can be logged into."""
        if User.objects.filter(is_superuser=True).exists():
            return
        password = os.environ.get("CLEARCRM_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser("admin", email="", password=password)
        user.groups.add(role(ROLE_ADMIN))
        if "CLEARCRM_ADMIN_PASSWORD" in os.environ:
            self.stdout.write("Created the admin user 'admin' with CLEARCRM_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                f"Created the admin user 'admin' with password: {password}\n"
                "It is shown only this once: change it after logging in."
            )

    def serve(self, host: str, port: int, threads: int) -> None:
        from waitress import serve

        from clearcrm.wsgi import application

        self.stdout.write(f"ClearCRM is running at http://{host}:{port}/  (Ctrl+C to stop)")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="ClearCRM")
