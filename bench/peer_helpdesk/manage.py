#!/usr/bin/env python
"""manage.py of the helpdesk peer; run from bench/ with .venv-helpdesk/bin/python."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_helpdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
