"""The REST API (Django REST Framework + django-filter)."""
