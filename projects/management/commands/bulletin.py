"""Print the monthly bulletin: `python manage.py bulletin 2013-10 [--format table|json]`.

A published bulletin prints its frozen rows; otherwise it is computed live."""

import json
import re
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from projects.models import Bulletin
from projects.services.bulletins import bulletin_as_json, bulletin_compute, bulletin_data, in_rank_order


def _fmt(value):
    """Money and rates with 2 decimals; frozen totals come back from JSON as strings."""
    return "" if value is None else f"{Decimal(value):,.2f}"


class Command(BaseCommand):
    help = _("Print the monthly bulletin of a month (YYYY-MM) as a table or as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, period, format, **options):
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", period)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CommandError(_("The period must be written YYYY-MM, e.g. 2013-10."))
        year, month = int(match.group(1)), int(match.group(2))
        bulletin = Bulletin.objects.filter(year=year, month=month).first()
        data = bulletin_data(bulletin=bulletin) if bulletin else bulletin_compute(year=year, month=month)
        if format == "json":
            self.stdout.write(json.dumps(bulletin_as_json(data), ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.table(data))

    def table(self, data):
        headers = [_("Rank"), _("Project"), _("Plan (万元)"), _("Baseline (万元)"), _("Drift (万元)"),
                   _("YTD (万元)"), _("Month (万元)"), _("Rate (%)"), _("Gap (points)"), _("Light"), _("Reasons")]
        lines = []
        for row in in_rank_order(data.rows):
            lines.append([
                str(row.rank_in_category or ""), row.project_name, _fmt(row.plan_in_force), _fmt(row.plan_baseline),
                _fmt(row.drift), _fmt(row.completed_ytd), _fmt(row.completed_month), _fmt(row.completion_rate),
                _fmt(row.gap_points), str(row.light_label), "; ".join(r["text"] for r in row.reasons),
            ])
        all_totals = data.totals.get("all", {})
        lines.append(["", str(_("Total")), _fmt(all_totals.get("plan_in_force")),
                      _fmt(all_totals.get("plan_baseline")), _fmt(all_totals.get("drift")),
                      _fmt(all_totals.get("completed_ytd")), _fmt(all_totals.get("completed_month")),
                      _fmt(all_totals.get("completion_rate")), "", "", ""])
        headers = [str(h) for h in headers]
        widths = [max(_width(x) for x in column) for column in zip(headers, *lines)]
        numeric = {0, 2, 3, 4, 5, 6, 7, 8}

        def render(cells):
            out = []
            for i, cell in enumerate(cells):
                pad = " " * (widths[i] - _width(cell))
                out.append(pad + cell if i in numeric else cell + pad)
            return "  ".join(out).rstrip()

        title = _("Monthly bulletin %(year)s-%(month)02d — time progress %(progress)s%%") % {
            "year": data.year, "month": data.month, "progress": data.time_progress}
        return "\n".join([str(title), render(headers)] + [render(line) for line in lines]) + "\n"


def _width(text):
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))
