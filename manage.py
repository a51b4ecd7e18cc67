#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main() -> None:
    # Development settings unless DJANGO_SETTINGS_MODULE is set; refuses in a production-looking
    # environment rather than guess (the rule is in config/celery.py, see docs/operations.md).
    from config.celery import ensure_settings_module

    ensure_settings_module()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
