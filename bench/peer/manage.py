#!/usr/bin/env python
"""manage.py of the django-helpdesk peer (bench/peer); run it with bench/peer/.venv/bin/python."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
