"""Makes sure an administrator login exists. A new one gets a generated password, printed once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from projects.choices import Role
from projects.models import Profile


class Command(BaseCommand):
    help = "Create the administrator account 'admin' with a generated password if no superuser exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    @transaction.atomic
    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An administrator account exists already; its password is unchanged.")
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        Profile.objects.create(user=user, role=Role.OFFICE)
        self.stdout.write(self.style.SUCCESS(
            f"Created administrator '{username}' with password: {password}\n"
            "This password is shown only once; change it after the first login."
        ))
