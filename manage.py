#!/usr/bin/env python
"""Django's command-line utility for the Campus Logistics Portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logistics.settings")
    # A checkout with nothing configured is a developer's: manage.py then runs with debug on,
    # like `make run`. Once a secret key is set (any real deployment) debug stays off unless
    # asked for, and gunicorn and Celery never take this shortcut.
    if "DJANGO_DEBUG" not in os.environ and "DJANGO_SECRET_KEY" not in os.environ:
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
