"""Reads with logic: querysets of the domain models."""

from django.db import models


class ProjectQuerySet(models.QuerySet):
    def active(self):
        """Projects that are not archived: what default lists show."""
        return self.filter(is_archived=False)

    def for_unit(self, unit):
        """Projects where `unit` is the lead unit or a cooperating unit."""
        return self.filter(models.Q(lead_unit=unit) | models.Q(cooperating_units=unit)).distinct()
