from clearcrm.web.management.commands import run


class Command(run.Command):
    help = "Serve the web site only; `clearcrm worker` and `clearcrm listen` run elsewhere."
    embedded = False
