"""WSGI entry point for gunicorn: `DJANGO_SETTINGS_MODULE=config.settings.production gunicorn config.wsgi`."""

from django.core.wsgi import get_wsgi_application

from config.celery import ensure_settings_module

# The settings module must be set on production hosts; the rule is in config/celery.py.
ensure_settings_module()
application = get_wsgi_application()
