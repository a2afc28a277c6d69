"""Gives the demo accounts (loaded with the demo year, names starting with demo_) new generated
passwords and prints them with each account's role, so that each role can be tried in the admin.
Refused in production mode: demo accounts are for trying the application."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.models import Leader

DEMO_PREFIX = "demo_"


class Command(BaseCommand):
    help = "Give every demo account (demo_office, demo_shangwu, demo_leader1 …) a new password and print them."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Refused in production (TRACKER_ENV=production): demo accounts are for trying "
                               "the application.")
        users = list(get_user_model().objects.filter(username__startswith=DEMO_PREFIX)
                     .select_related("profile", "profile__unit").order_by("username"))
        if not users:
            raise CommandError("No demo account: load them with `python manage.py load_library` first.")
        leaders = {leader.user_id: leader for leader in Leader.objects.filter(user__in=users)}
        self.stdout.write(f"{'account':<14} {'password':<18} role")
        for user in users:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
            profile = getattr(user, "profile", None)
            role = profile.get_role_display() if profile else "—"
            scope = ""
            if profile and profile.unit_id:
                scope = f" · {profile.unit.name}"
            elif user.pk in leaders:
                scope = f" · {leaders[user.pk].name}"
            self.stdout.write(f"{user.username:<14} {password:<18} {role}{scope}")
        self.stdout.write(self.style.SUCCESS(
            f"{len(users)} demo accounts can now log in at /admin/ with these passwords "
            "(run the command again for new ones)."))
