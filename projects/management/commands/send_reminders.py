"""manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]: today's reminders (services.reminders),
each sent once; run daily by a timer (docs/reminders.md)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from projects.choices import ReminderStatus
from projects.services.reminders import reminders_send


class Command(BaseCommand):
    help = "Send today's reminders (reports due or overdue, problems near or past their deadline, reviews " \
           "not scored) by e-mail and to the units' group robots; never the same reminder twice."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")
        parser.add_argument("--date", help="The day to remind for (YYYY-MM-DD), default today.")

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        outcomes = reminders_send(today=today, dry_run=dry_run)
        for outcome in outcomes:
            d = outcome.delivery
            self.stdout.write(f"[{outcome.status}] {d.channel} → {d.recipient} <{d.shown_address}>: "
                              f"{len(d.items)} reminder(s){': ' + outcome.error if outcome.error else ''}")
            if dry_run:
                self.stdout.write(outcome.text + "\n")
        counts = {status: sum(len(o.delivery.items) for o in outcomes if o.status == status)
                  for status in ("would_send", *ReminderStatus.values)}
        summary = ", ".join(f"{status} {n}" for status, n in counts.items() if n) or "nothing to send"
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{len(outcomes)} message(s); {summary}.")
        if any(o.status == ReminderStatus.FAILED for o in outcomes):
            # A non-zero exit shows in the timer's status (systemctl, cron mail); the rest went out.
            raise CommandError("Some reminders failed; they are retried on the next run.")
