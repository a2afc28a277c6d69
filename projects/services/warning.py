"""Early warning (预警): where a project's monthly trajectory leads by the end of the year.

From the accepted year-to-date figures (carried forward, as the bulletin carries them), the run
rate of the last TRACKER_WARNING_WINDOW months is extended month by month to December; each
forecast month gets the bulletin's investment light (completion rate against time progress, the
thresholds TRACKER_LIGHT_YELLOW_POINTS / TRACKER_LIGHT_RED_POINTS). The forecast names the
year-end figure and the first month the light would be yellow and red. docs/warning.md has the
method and a worked example; the tests work the figures by hand."""

from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from projects.choices import Light, ReportStatus
from projects.querysets import MONEY_OUTPUT
from projects.services.bulletins import HUNDRED, MAX_RATE, ZERO, percent, round2, time_progress


# Time progress of each month (index 0: the start of the year), as the bulletin rounds it.
TIME_PROGRESS = [time_progress(k) for k in range(13)]


def warning_window():
    """How many months the run rate looks back (TRACKER_WARNING_WINDOW, at least 1)."""
    return max(1, int(getattr(settings, "TRACKER_WARNING_WINDOW", 3)))


def base_month_of(month, window=None):
    """The month the run rate is measured from: `window` months before `month`, 0 (the start of
    the year, YTD 0) at the earliest."""
    return max(0, month - (window or warning_window()))


@dataclass(frozen=True)
class Forecast:
    """A project's forecast from `month`: `run_rate` 万元 a month (the YTD gained since
    `base_month`, divided by the months, to the cent) extended to December."""

    month: int
    base_month: int
    run_rate: Decimal
    year_end_ytd: Decimal
    year_end_rate: Decimal | None
    yellow_month: int | None  # first month ≥ `month` whose forecast light is yellow or red
    red_month: int | None  # first month ≥ `month` whose forecast light is red

    @property
    def state(self):
        """red_now / yellow_now (the investment light is already that colour), turns_red /
        turns_yellow (later in the year), on_track; `none` without a plan."""
        if self.year_end_rate is None:
            return "none"
        if self.red_month == self.month:
            return "red_now"
        if self.red_month is not None and self.yellow_month == self.month:
            return "turns_red"
        if self.yellow_month == self.month:
            return "yellow_now"
        if self.red_month is not None:
            return "turns_red"
        if self.yellow_month is not None:
            return "turns_yellow"
        return "on_track"

    @property
    def text(self):
        """One line for people: what the forecast says."""
        if self.year_end_rate is None:
            return _("No forecast: no annual plan.")
        values = {"rate": self.year_end_rate, "yellow": self.yellow_month, "red": self.red_month}
        turns_yellow = self.yellow_month is not None and self.yellow_month > self.month
        turns_red = self.red_month is not None and self.red_month > self.month
        if turns_yellow and turns_red:
            return _("Year-end forecast %(rate)s%% of the plan; yellow in month %(yellow)s, red in month %(red)s") % values
        if turns_red:
            return _("Year-end forecast %(rate)s%% of the plan; red in month %(red)s") % values
        if turns_yellow:
            return _("Year-end forecast %(rate)s%% of the plan; yellow in month %(yellow)s") % values
        return _("Year-end forecast %(rate)s%% of the plan") % values

    @property
    def short(self):
        """The forecast in a table cell (the bulletin's 预警 column, the dashboard's list): the
        year-end rate and the months the light turns, e.g. 预计年底 75.00%，8月转黄. None without
        a plan."""
        if self.year_end_rate is None:
            return None
        return short_text(self.year_end_rate, *self.changes_after(None))

    def changes_after(self, light):
        """(yellow month, red month) of the changes still ahead for a project whose light is now
        `light` (None: by the investment rule alone): a green project can turn yellow and red, a
        yellow one only red, a red one nothing. A month is None when no such change is forecast."""
        yellow = self.yellow_month if self.yellow_month is not None and self.yellow_month > self.month else None
        red = self.red_month if self.red_month is not None and self.red_month > self.month else None
        if light == Light.YELLOW:
            yellow = None
        elif light == Light.RED:
            yellow = red = None
        return yellow, red

    def as_dict(self):
        return {**asdict(self), "state": self.state, "text": self.text}

    def as_stored(self):
        """What a published bulletin entry keeps (BulletinEntry.forecast): numbers only, Decimals
        as strings; the words are written when the entry is shown."""
        return {key: (str(value) if isinstance(value, Decimal) else value) for key, value in asdict(self).items()}

    @classmethod
    def from_stored(cls, data):
        """The Forecast kept by a published bulletin entry; None when the entry has none."""
        if not data:
            return None

        def dec(value):
            return None if value is None else Decimal(value)

        return cls(month=data["month"], base_month=data["base_month"], run_rate=dec(data["run_rate"]),
                   year_end_ytd=dec(data["year_end_ytd"]), year_end_rate=dec(data["year_end_rate"]),
                   yellow_month=data["yellow_month"], red_month=data["red_month"])


def short_text(rate, yellow, red):
    """预计年底 75.00%，8月转黄，10月转红 (the months left out when None)."""
    values = {"rate": rate, "yellow": yellow, "red": red}
    if yellow is not None and red is not None:
        return _("%(rate)s%% by year end, yellow in month %(yellow)s, red in month %(red)s") % values
    if red is not None:
        return _("%(rate)s%% by year end, red in month %(red)s") % values
    if yellow is not None:
        return _("%(rate)s%% by year end, yellow in month %(yellow)s") % values
    return _("%(rate)s%% by year end") % values


def forecast(*, plan, month, ytd, base_ytd, base_month, yellow_points=None, red_points=None):
    """The forecast from `month` (YTD `ytd`) given the YTD `base_ytd` at `base_month` (0 for the
    start of the year) against the annual plan `plan` (万元). None fields when there is no plan."""
    yellow = Decimal(settings.TRACKER_LIGHT_YELLOW_POINTS if yellow_points is None else yellow_points)
    red = Decimal(settings.TRACKER_LIGHT_RED_POINTS if red_points is None else red_points)
    ytd, base_ytd = Decimal(ytd or ZERO), Decimal(base_ytd or ZERO)
    run_rate = round2((ytd - base_ytd) / (month - base_month)) if month > base_month else ZERO
    year_end = ytd + run_rate * (12 - month)
    if not plan:
        return Forecast(month=month, base_month=base_month, run_rate=run_rate, year_end_ytd=year_end,
                        year_end_rate=None, yellow_month=None, red_month=None)
    yellow_month = red_month = None
    if _never_yellow(plan=Decimal(plan), month=month, ytd=ytd, run_rate=run_rate, yellow=yellow):
        return Forecast(month=month, base_month=base_month, run_rate=run_rate, year_end_ytd=year_end,
                        year_end_rate=_capped(percent(year_end, plan)), yellow_month=None, red_month=None)
    for k in range(month, 13):
        gap = percent(ytd + run_rate * (k - month), plan) - TIME_PROGRESS[k]
        if yellow_month is None and gap <= -yellow:
            yellow_month = k
        if red_month is None and gap < -red:
            red_month = k
            break
    return Forecast(month=month, base_month=base_month, run_rate=run_rate, year_end_ytd=year_end,
                    year_end_rate=_capped(percent(year_end, plan)), yellow_month=yellow_month, red_month=red_month)


ROUNDING_SLACK = Decimal("0.01")


def _capped(rate):
    """A rate within what a bulletin stores (±MAX_RATE): only a nonsensical plan (0.01 万元 against
    millions) reaches the cap, as in the bulletin's own rates."""
    return max(-MAX_RATE, min(MAX_RATE, rate))


def _never_yellow(*, plan, month, ytd, run_rate, yellow):
    """True when no month from `month` to December can be yellow, without the month-by-month loop
    (most projects, at 10,000 a bulletin): the unrounded gap 100 F_k ÷ P − 100 k ÷ 12 is linear in k,
    so its least value is at `month` or in December, and each of the two roundings moves the gap
    by at most 0.005; a least unrounded gap above −yellow + 0.01 keeps every rounded gap above
    −yellow."""
    def gap(k):
        return (ytd + run_rate * (k - month)) * HUNDRED / plan - Decimal(100 * k) / 12

    return min(gap(month), gap(12)) > -yellow + ROUNDING_SLACK


def carried_ytd(ytd_by_month, month):
    """The YTD carried to the end of `month`: the latest figure of a month ≤ `month`, else 0."""
    months = [m for m in ytd_by_month if m <= month]
    return ytd_by_month[max(months)] if months else ZERO


def trajectory_forecast(*, plan, ytd_by_month, month, window=None):
    """The forecast from a project's trajectory {month: accepted YTD} (months may be missing:
    the figure is carried forward) at `month`."""
    base = base_month_of(month, window)
    return forecast(plan=plan, month=month, ytd=carried_ytd(ytd_by_month, month),
                    base_ytd=carried_ytd(ytd_by_month, base) if base else ZERO, base_month=base)


def base_ytd_annotation(year, month, window=None):
    """A subquery for Project querysets: the accepted YTD carried to the base month of `month`
    (0 when the base is the start of the year)."""
    from projects.models import MonthlyReport

    base = base_month_of(month, window)
    if base == 0:
        return Value(ZERO, output_field=MONEY_OUTPUT)
    earlier = (MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month__lte=base,
                                            status=ReportStatus.ACCEPTED)
               .order_by("-month").values("completed_ytd")[:1])
    return Coalesce(Subquery(earlier, output_field=MONEY_OUTPUT), Value(ZERO, output_field=MONEY_OUTPUT),
                    output_field=MONEY_OUTPUT)


def project_forecast(*, project, year, month):
    """The forecast of one project at `month` of `year` from its accepted reports and the plan
    in force (two queries). None when the project has no plan that year."""
    from projects.models import AnnualPlan

    plan = AnnualPlan.objects.filter(project=project, year=year).prefetch_related("revisions").first()
    if plan is None:
        return None
    reports = dict(project.reports.filter(year=year, month__lte=month, status=ReportStatus.ACCEPTED)
                   .values_list("month", "completed_ytd"))
    return trajectory_forecast(plan=round2(plan.investment_in_force(month)), ytd_by_month=reports, month=month)


def latest_forecast(*, project, year):
    """The forecast from the project's latest accepted report of `year` (None without a plan, a
    report, or when that report is December's: nothing is left to forecast)."""
    month = (project.reports.filter(year=year, status=ReportStatus.ACCEPTED).order_by("-month")
             .values_list("month", flat=True).first())
    if month is None or month == 12:
        return None
    return project_forecast(project=project, year=year, month=month)


def sheet_forecast(sheet):
    """The forecast at the month a project sheet stands at (its head's standing: the last month the
    bulletins have reached), as that month's bulletin computes it, without a query: each month
    carries the accepted YTD and its plan in force. A project whose latest accepted report is older
    is forecast from the figure carried to that month (a warning from months-old data would
    announce a change that is already past). None without a plan, or in December."""
    latest = sheet.latest
    if latest is None or latest.month == 12 or latest.plan_in_force is None:
        return None
    accepted = {m.month: m.completed_ytd for m in sheet.months
                if any(r.status == ReportStatus.ACCEPTED for r in m.reports)}
    return trajectory_forecast(plan=latest.plan_in_force, ytd_by_month=accepted, month=latest.month)
