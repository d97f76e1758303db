import os
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from clearcrm.staff.models import ROLE_ADMIN, role


class Command(BaseCommand):
    help = "Set up the database and serve ClearCRM (web site and background work) in one process."
    embedded = True  # `clearcrm web` serves the site only

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="web server threads")

    def handle(self, *args, host: str, port: int, threads: int, **options) -> None:
        if self.embedded:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if self.embedded:
            self.ensure_admin()
        self.serve(host, port, threads, background=self.embedded and settings.EMBEDDED_WORKER)

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

    def serve(self, host: str, port: int, threads: int, *, background: bool) -> None:
        """Serve the site; with `background`, also check and import mail, until stopped."""
        from waitress import create_server

        from clearcrm.worker.runner import Background, handle_stop_signals
        from clearcrm.wsgi import application

        server = create_server(application, host=host, port=port, threads=threads, ident="ClearCRM")
        work = Background(
            consume=settings.WORKER_CONCURRENCY if background else 0,
            dispatch=background,
            listen=background,
        )

        def stop() -> None:
            raise SystemExit  # ends waitress's loop (it closes its sockets on SystemExit)

        try:
            work.start()
            handle_stop_signals(stop)
            what = "site and background work" if background else "site only"
            self.stdout.write(f"ClearCRM is running at http://{host}:{port}/ ({what})")
            self.stdout.flush()
            server.run()
        finally:
            work.stop()
            self.stdout.write("ClearCRM stopped.")
