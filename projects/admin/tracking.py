"""Admin screens of the tracking mechanism."""
