"""ASGI entry point: `DJANGO_SETTINGS_MODULE=config.settings.production <server> config.asgi:application`."""

from django.core.asgi import get_asgi_application

from config.celery import ensure_settings_module

# The settings module must be set on production hosts; the rule is in config/celery.py.
ensure_settings_module()
application = get_asgi_application()
