from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from clearcrm.worker.runner import Background


class Command(BaseCommand):
    help = "Run background work: check mailboxes when due and import their mail (no web site)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.WORKER_CONCURRENCY,
            metavar="N",
            help="imports at once (threads); default %(default)s",
        )

    def handle(self, *args, concurrency: int, **options) -> None:
        def ready() -> None:
            self.stdout.write(f"ClearCRM worker running with {concurrency} thread(s)")
            self.stdout.flush()

        Background(consume=max(concurrency, 1), dispatch=True).run_until_signal(ready)
        self.stdout.write("ClearCRM worker stopped.")
