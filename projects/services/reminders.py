"""Reminders (催报、督办): who must be reminded of what today, and sending it by e-mail and to the
units' group robots (企业微信 / 钉钉). `manage.py send_reminders` runs it daily (docs/reminders.md).

What is due on `today`:
- report_due: a project with an annual plan for the reporting month's year (the month before
  `today`) and no submitted or accepted report, from TRACKER_REMINDER_REPORT_DAYS days before the
  due day (TRACKER_REPORT_DUE_DAY of this month) to the due day; to its reporting units
  (`reporting_units`: the lead unit, or else each cooperating unit);
- report_overdue: the same after the due day; to its reporting units;
- problem_due: an unresolved problem whose deadline is at most TRACKER_REMINDER_PROBLEM_DAYS days
  away; to its responsible unit;
- problem_overdue: an unresolved problem past its deadline; to its responsible unit, and to the
  project's leaders when the problem is escalated;
- review_unscored: a draft review whose visit date has passed, to each reviewer with projects left
  to score.

A unit is reached at its e-mail address and its group robot, a leader at his e-mail address.
The reminders of one recipient and channel go out as one message, one line each. Every reminder
is a Reminder row with a unique key (kind, object, period, channel, recipient), created before
sending: a reminder sent (or without a contact) is never sent again; one that failed is retried on
the next run. A failing webhook or mail server does not stop the others."""

import datetime
import json
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.choices import (
    ProblemStatus,
    PublicationStatus,
    ReminderChannel,
    ReminderKind,
    ReminderStatus,
    ReportStatus,
    WebhookKind,
)
from projects.models import MonthlyReport, Problem, Project, Reminder, Review, ReviewScore, Unit
from projects.selectors import report_due_date
from projects.services.todo import reporting_period

# WeCom refuses a text message over 2048 bytes (DingTalk allows more); longer lists are cut.
WECOM_MAX_BYTES = 2048


@dataclass
class Due:
    """Something a recipient is to be reminded of (before the channel is chosen)."""

    kind: str
    period: str
    line: str
    project: object = None
    report_id: int | None = None
    problem: object = None
    review: object = None
    unit: object = None
    leader: object = None

    @property
    def object_key(self):
        if self.problem is not None:
            return f"problem:{self.problem.pk}"
        if self.review is not None:
            return f"review:{self.review.pk}"
        return f"project:{self.project.pk}"

    @property
    def recipient_key(self):
        return f"unit:{self.unit.pk}" if self.unit is not None else f"leader:{self.leader.pk}"

    @property
    def recipient(self):
        return self.unit if self.unit is not None else self.leader


@dataclass
class Delivery:
    """One message to one recipient over one channel, carrying the lines of several reminders."""

    channel: str
    recipient: object
    address: str  # the e-mail address or the webhook URL (never stored: it holds the robot's key)
    items: list = field(default_factory=list)

    @property
    def shown_address(self):
        """What the Reminder records: the e-mail address, or the robot's host."""
        if self.channel in (ReminderChannel.WECOM, ReminderChannel.DINGTALK):
            return urlsplit(self.address).netloc
        return self.address


# What is due --------------------------------------------------------------------------------------


def reminders_due(*, today):
    """Every reminder due on `today` (list of Due), before looking at what was already sent."""
    return [*_reports_due(today), *_problems_due(today), *_reviews_due(today)]


def _reports_due(today):
    year, month = reporting_period(today)
    due = report_due_date(year, month)
    days = (due - today).days
    if days > settings.TRACKER_REMINDER_REPORT_DAYS:
        return []
    kind = ReminderKind.REPORT_DUE if days >= 0 else ReminderKind.REPORT_OVERDUE
    period = f"{year}-{month:02d}"
    filed = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month,
                                         status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
    cooperating = Project.cooperating_units.through.objects.filter(project=OuterRef("pk"))
    projects = (Project.objects.active().filter(annual_plans__year=year)
                .filter(Q(lead_unit__isnull=False) | Exists(cooperating)).filter(~Exists(filed))
                .select_related("lead_unit")
                .prefetch_related(Prefetch("cooperating_units", queryset=Unit.objects.order_by("name", "pk")))
                .order_by("name", "pk"))
    drafts = dict(MonthlyReport.objects.filter(year=year, month=month, status=ReportStatus.DRAFT,
                                               project__in=projects.values("pk")).values_list("project", "pk"))
    if kind == ReminderKind.REPORT_DUE:
        text = _("[Report due] %(project)s: the report of %(period)s is due by %(date)s.")
    else:
        text = _("[Report overdue] %(project)s: the report of %(period)s was due by %(date)s and is not in.")
    return [Due(kind=kind, period=period, project=p, report_id=drafts.get(p.pk), unit=unit,
                line=text % {"project": p.name, "period": period, "date": due.isoformat()})
            for p in projects for unit in reporting_units(p)]


def reporting_units(project):
    """The units reminded of a project's monthly report: its lead unit, or else (the documents name
    none for most projects) each of its cooperating units, who may write the report as well
    (`can_write_for_project`). Reads `cooperating_units` through a prefetch when there is one."""
    if project.lead_unit_id is not None:
        return [project.lead_unit]
    return list(project.cooperating_units.all())


def _problems_due(today):
    soon = today + datetime.timedelta(days=settings.TRACKER_REMINDER_PROBLEM_DAYS)
    problems = (Problem.objects.exclude(status=ProblemStatus.RESOLVED).filter(deadline__lte=soon)
                .select_related("project", "responsible_unit").prefetch_related("project__leaders")
                .order_by("deadline", "id"))
    result = []
    for p in problems:
        values = {"project": p.project.name, "title": p.title, "date": p.deadline.isoformat()}
        if p.deadline >= today:
            result.append(Due(kind=ReminderKind.PROBLEM_DUE, period=p.deadline.isoformat(), project=p.project,
                              problem=p, unit=p.responsible_unit,
                              line=_("[Problem due] %(project)s: “%(title)s” is due on %(date)s.") % values))
            continue
        line = _("[Problem overdue] %(project)s: “%(title)s” is past its deadline %(date)s.") % values
        result.append(Due(kind=ReminderKind.PROBLEM_OVERDUE, period=p.deadline.isoformat(), project=p.project,
                          problem=p, unit=p.responsible_unit, line=line))
        if p.status == ProblemStatus.ESCALATED:
            result.extend(Due(kind=ReminderKind.PROBLEM_OVERDUE, period=p.deadline.isoformat(), project=p.project,
                              problem=p, leader=leader, line=line)
                          for leader in p.project.leaders.all() if not leader.is_archived)
    return result


def _reviews_due(today):
    result = []
    reviews = (Review.objects.filter(status=PublicationStatus.DRAFT, date__lte=today)
               .annotate(project_count=Count("projects", distinct=True)).prefetch_related("reviewers")
               .order_by("date", "id"))
    scored = defaultdict(int)
    for review_id, reviewer_id, n in (ReviewScore.objects.filter(review__in=reviews.values("pk"))
                                      .values("review", "reviewer").annotate(n=Count("project", distinct=True))
                                      .values_list("review", "reviewer", "n")):
        scored[review_id, reviewer_id] = n
    for review in reviews:
        for leader in review.reviewers.all():
            left = review.project_count - scored[review.pk, leader.pk]
            if left > 0:
                result.append(Due(kind=ReminderKind.REVIEW_UNSCORED, period=review.date.isoformat(), review=review,
                                  leader=leader, line=_("[Review] %(review)s: %(left)s project(s) left to score.")
                                  % {"review": review.title, "left": left}))
    return result


# Channels -----------------------------------------------------------------------------------------


def _channels(recipient, is_unit):
    """[(channel, address)] a recipient is reached at; empty without a contact."""
    channels = []
    if recipient.email:
        channels.append((ReminderChannel.EMAIL, recipient.email))
    if is_unit and recipient.webhook_url and recipient.webhook_kind:
        channels.append((ReminderChannel(recipient.webhook_kind), recipient.webhook_url))
    return channels


def reminder_key(due, channel):
    return "|".join([due.kind, due.object_key, due.period, channel, due.recipient_key])


def deliveries(due_items):
    """Groups what is due into one Delivery per recipient and channel; a recipient without any
    contact gets a Delivery on the channel `none` (recorded, not sent)."""
    result = {}
    for due in due_items:
        channels = _channels(due.recipient, due.unit is not None) or [(ReminderChannel.NONE, "")]
        for channel, address in channels:
            delivery = result.setdefault((channel, due.recipient_key),
                                         Delivery(channel=channel, recipient=due.recipient, address=address))
            delivery.items.append(due)
    return list(result.values())


def compose(delivery, today):
    """(subject, text) of a delivery's message."""
    subject = _("Major-project reminders for %(name)s (%(date)s): %(count)s") % {
        "name": delivery.recipient, "date": today.isoformat(), "count": len(delivery.items)}
    lines = [subject, *(f"{n}. {due.line}" for n, due in enumerate(delivery.items, start=1))]
    site = getattr(settings, "TRACKER_SITE_URL", "")
    if site:
        lines.append(_("Details: %(url)s") % {"url": site.rstrip("/") + "/admin/todo/"})
    text = "\n".join(lines)
    if delivery.channel == ReminderChannel.WECOM:
        text = _cut(text, WECOM_MAX_BYTES)
    return subject, text


def _cut(text, limit):
    if len(text.encode()) <= limit:
        return text
    tail = "\n…"
    while len((text + tail).encode()) > limit:
        text = text[:-1]
    return text + tail


def robot_payload(kind, text, phone=""):
    """The JSON a group robot takes for a text message, mentioning the unit's phone when given:
    WeCom {"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}; DingTalk
    {"msgtype": "text", "text": {"content"}, "at": {"atMobiles", "isAtAll"}}."""
    if kind == WebhookKind.WECOM:
        body = {"msgtype": "text", "text": {"content": text}}
        if phone:
            body["text"]["mentioned_mobile_list"] = [phone]
        return body
    if kind == WebhookKind.DINGTALK:
        return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": [phone] if phone else [],
                                                                     "isAtAll": False}}
    raise ValueError(f"unknown robot {kind!r}")


class SendError(Exception):
    pass


def post_webhook(url, payload, timeout=None):
    """POSTs the payload; raises SendError unless the robot answers 2xx with errcode 0 (both
    robots answer {"errcode": 0, "errmsg": "ok"})."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.TRACKER_WEBHOOK_TIMEOUT) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(str(getattr(exc, "reason", exc))) from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise SendError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def _send(delivery, subject, text):
    """Sends one delivery; raises SendError on failure."""
    if delivery.channel == ReminderChannel.EMAIL:
        try:
            send_mail(subject, text, None, [delivery.address])
        except Exception as exc:  # the mail backend's errors (SMTP, socket) are all one failure here
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        return
    post_webhook(delivery.address, robot_payload(delivery.channel, text, getattr(delivery.recipient, "phone", "")))


# Sending ------------------------------------------------------------------------------------------


def _claim(due, delivery):
    """Creates the reminder's row as pending, or takes back a failed one. Returns the row, or None
    when it was already sent, has no contact, or another run is sending it."""
    key = reminder_key(due, delivery.channel)
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                key=key, kind=due.kind, period=due.period, project=due.project, report_id=due.report_id,
                problem=due.problem, review=due.review, unit=due.unit, leader=due.leader, channel=delivery.channel,
                address=delivery.shown_address, status=ReminderStatus.PENDING)
    except IntegrityError:
        pass
    if Reminder.objects.filter(key=key, status=ReminderStatus.FAILED).update(status=ReminderStatus.PENDING):
        return Reminder.objects.get(key=key)
    return None


def _unsent(due, delivery):
    """True when the reminder has not been sent (dry run: nothing is recorded)."""
    return not Reminder.objects.filter(key=reminder_key(due, delivery.channel)).exclude(
        status=ReminderStatus.FAILED).exists()


@dataclass
class Outcome:
    delivery: Delivery
    subject: str
    text: str
    status: str
    error: str = ""


def reminders_send(*, today=None, dry_run=False):
    """Sends today's reminders not sent before. Returns one Outcome per message (status `sent`,
    `failed`, `no_contact`, or `would_send` in a dry run, which records nothing)."""
    today = today or timezone.localdate()
    outcomes = []
    with translation.override(settings.LANGUAGE_CODE):
        for delivery in deliveries(reminders_due(today=today)):
            if dry_run:
                delivery.items = [due for due in delivery.items if _unsent(due, delivery)]
                if delivery.items:
                    subject, text = compose(delivery, today)
                    outcomes.append(Outcome(delivery, subject, text, "would_send"))
                continue
            claimed = [(due, row) for due in delivery.items if (row := _claim(due, delivery)) is not None]
            if not claimed:
                continue
            delivery.items = [due for due, _row in claimed]
            subject, text = compose(delivery, today)
            if delivery.channel == ReminderChannel.NONE:
                status, error = ReminderStatus.NO_CONTACT, _("No e-mail address or group robot on record.")
            else:
                try:
                    _send(delivery, subject, text)
                    status, error = ReminderStatus.SENT, ""
                except SendError as exc:
                    status, error = ReminderStatus.FAILED, str(exc)[:2000]
            now = timezone.now()
            for _due, row in claimed:
                row.status, row.error, row.message = status, error, text
                row.attempts += 1
                row.sent_at = now if status == ReminderStatus.SENT else None
                row.save(update_fields=["status", "error", "message", "attempts", "sent_at"])
            outcomes.append(Outcome(delivery, subject, text, status, error))
    return outcomes
