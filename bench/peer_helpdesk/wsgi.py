"""WSGI entry of the helpdesk peer: `gunicorn peer_helpdesk.wsgi` from bench/."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_helpdesk.settings")
application = get_wsgi_application()
