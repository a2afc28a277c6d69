#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # reads tracker/settings.py
    except ImproperlyConfigured as exc:
        # A setting the operator has to fix (docs/deploy.md): the reason, not a traceback.
        sys.exit(f"The tracker's settings are not usable: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
