"""Admin screens: the project library (library.py) and the tracking mechanism (tracking.py)."""

from projects.admin import access, dashboard, library, reminders, tracking, uploads  # noqa: F401
