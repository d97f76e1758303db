"""The `clearcrm` command: Django's management commands plus ClearCRM's own."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearcrm.settings")
    argv = list(sys.argv if argv is None else argv)
    if argv[1:] in ([], ["-h"], ["--help"], ["help"]):
        print_overview()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["clearcrm", *argv[1:]])


def print_overview() -> None:
    """List every command with the first line of its help, ours first."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    ours: list[tuple[str, str]] = []
    theirs: list[tuple[str, str]] = []
    for name, app in sorted(get_commands().items()):
        lines = (load_command_class(app, name).help or "").strip().splitlines() or [""]
        (ours if app.startswith("clearcrm") else theirs).append((name, lines[0]))
    print("usage: clearcrm COMMAND [options]   (clearcrm COMMAND --help for details)\n")
    for title, rows in (("ClearCRM commands", ours), ("Django commands", theirs)):
        print(f"{title}:")
        for name, summary in rows:
            print(f"  {name:<22} {summary}")
        print()
