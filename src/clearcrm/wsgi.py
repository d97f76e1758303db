"""WSGI entry point for waitress, gunicorn or any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearcrm.settings")
application = get_wsgi_application()
