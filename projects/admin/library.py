"""Admin screens of the project library."""
