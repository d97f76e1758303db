from django.core.management.base import BaseCommand

from clearcrm.worker.runner import Background


class Command(BaseCommand):
    help = "Listen for new mail with IMAP IDLE and queue its import within seconds."

    def handle(self, *args, **options) -> None:
        def ready() -> None:
            self.stdout.write("ClearCRM listener running")
            self.stdout.flush()

        Background(listen=True).run_until_signal(ready)
        self.stdout.write("ClearCRM listener stopped.")
