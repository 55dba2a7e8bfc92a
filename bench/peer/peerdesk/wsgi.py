"""WSGI entry point: `gunicorn peerdesk.wsgi:application` from bench/peer (see run_peer.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
application = get_wsgi_application()
