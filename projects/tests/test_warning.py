"""Early warning (预警): forecasts worked by hand (docs/warning.md has the method).

Defaults: window 3 months, yellow from 10 points behind time progress, red beyond 30. Time
progress of month k is round(100k/12, 2): 41.67, 50.00, 58.33, 66.67, 75.00, 83.33, 91.67, 100."""

from decimal import Decimal

import pytest
from django.utils import translation

from projects.services.warning import project_forecast, trajectory_forecast

D = Decimal


def test_a_green_project_is_forecast_to_turn_yellow_in_august():
    # Plan 12000; June YTD 5400 (45.00% vs 50.00: 5 points behind, green); March 3600.
    # Run rate (5400 - 3600) / 3 = 600 a month.
    # Jul 6000 = 50.00% vs 58.33 → -8.33 green; Aug 6600 = 55.00% vs 66.67 → -11.67 yellow.
    # Dec 5400 + 6 × 600 = 9000 = 75.00% vs 100 → -25: never red.
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={3: D("3600"), 6: D("5400")}, month=6)
    assert (f.base_month, f.run_rate) == (3, D("600.00"))
    assert (f.year_end_ytd, f.year_end_rate) == (D("9000.00"), D("75.00"))
    assert (f.yellow_month, f.red_month) == (8, None)
    assert f.state == "turns_yellow"


def test_a_yellow_project_is_forecast_to_turn_red_in_september():
    # Plan 10000; Jan 1000, Feb 1500, Mar 2000, Apr 2200. At April: 22.00% vs 33.33 → -11.33,
    # already yellow. Run rate (2200 - 1000) / 3 = 400.
    # May 2600 = 26% vs 41.67 → -15.67; Jun 3000 = 30% vs 50 → -20; Jul 3400 = 34% vs 58.33 → -24.33;
    # Aug 3800 = 38% vs 66.67 → -28.67; Sep 4200 = 42% vs 75 → -33: red (beyond 30).
    # Dec 2200 + 8 × 400 = 5400 = 54.00%.
    f = trajectory_forecast(plan=D("10000"), ytd_by_month={1: D("1000"), 2: D("1500"), 3: D("2000"), 4: D("2200")},
                            month=4)
    assert (f.base_month, f.run_rate) == (1, D("400.00"))
    assert (f.year_end_ytd, f.year_end_rate) == (D("5400.00"), D("54.00"))
    assert (f.yellow_month, f.red_month) == (4, 9)
    assert f.state == "turns_red"
    with translation.override("zh-hans"):
        assert f.text == "年末预计完成计划的 54.00%；9月转红"


def test_a_missing_month_is_carried_forward_and_the_run_rate_rounded_to_the_cent():
    # Plan 12000; reports Jan 1000 and Mar 3000 only; forecast at May. Base month 2 carries
    # January's 1000; May carries March's 3000. Run rate 2000 / 3 = 666.666… → 666.67.
    # May 3000 = 25.00% vs 41.67 → -16.67: yellow now.
    # Jun 3666.67 = 30.56% vs 50 → -19.44; Jul 4333.34 = 36.11% vs 58.33 → -22.22;
    # Aug 5000.01 = 41.67% vs 66.67 → -25.00; Sep 5666.68 = 47.22% vs 75 → -27.78;
    # Oct 6333.35 = 52.78% vs 83.33 → -30.55: red.
    # Dec 3000 + 7 × 666.67 = 7666.69 = 63.89% (63.889083).
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={1: D("1000"), 3: D("3000")}, month=5)
    assert (f.base_month, f.run_rate) == (2, D("666.67"))
    assert (f.year_end_ytd, f.year_end_rate) == (D("7666.69"), D("63.89"))
    assert (f.yellow_month, f.red_month) == (5, 10)


def test_early_in_the_year_the_run_rate_counts_from_january():
    # February YTD 2000 on a plan of 12000: base month 0 (YTD 0), 1000 a month: exactly on time
    # progress every month (rate round(100k/12) = time progress), 100.00% in December.
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={1: D("900"), 2: D("2000")}, month=2)
    assert (f.base_month, f.run_rate, f.year_end_ytd, f.year_end_rate) == (0, D("1000.00"), D("12000.00"),
                                                                          D("100.00"))
    assert (f.yellow_month, f.red_month, f.state) == (None, None, "on_track")


def test_a_project_without_reports_turns_yellow_in_february_and_red_in_april():
    # Nothing reported: 0% against 8.33 (Jan), 16.67 (Feb: yellow), 25.00, 33.33 (Apr: red).
    f = trajectory_forecast(plan=D("5000"), ytd_by_month={}, month=1)
    assert (f.run_rate, f.year_end_rate, f.yellow_month, f.red_month) == (D("0"), D("0.00"), 2, 4)


def test_the_thresholds_and_window_are_settings(settings):
    # Window 1: the run rate is June's own 5400 - 5000 = 400. Yellow from 5 points:
    # Jun 5400 = 45.00% vs 50 → -5.00 → yellow now. Red beyond 20: Jul 5800 = 48.33% vs 58.33 → -10;
    # Aug 6200 = 51.67 vs 66.67 → -15; Sep 6600 = 55.00 vs 75 → -20.00 (not beyond);
    # Oct 7000 = 58.33 vs 83.33 → -25.00: red.
    settings.TRACKER_WARNING_WINDOW = 1
    settings.TRACKER_LIGHT_YELLOW_POINTS = 5
    settings.TRACKER_LIGHT_RED_POINTS = 20
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={5: D("5000"), 6: D("5400")}, month=6)
    assert (f.base_month, f.run_rate, f.yellow_month, f.red_month) == (5, D("400.00"), 6, 10)


def test_no_plan_no_forecast():
    f = trajectory_forecast(plan=D("0"), ytd_by_month={6: D("100")}, month=6)
    assert (f.year_end_rate, f.state) == (None, "none")


@pytest.mark.django_db
def test_project_forecast_reads_accepted_reports_and_the_plan_in_force(project, plan, accepted_report):
    # Plan 60000 (星凯国际 2013). Accepted: Jul 30000, Oct 48000; a submitted November report is
    # not counted. At October: base July 30000, run rate 18000 / 3 = 6000; 80.00% vs 83.33 →
    # -3.33 green. Nov 54000 = 90.00 vs 91.67; Dec 60000 = 100.00%: on track.
    from projects.models import MonthlyReport

    accepted_report(project, 2013, 7, "30000")
    accepted_report(project, 2013, 10, "48000")
    MonthlyReport.objects.create(project=project, year=2013, month=11, completed_ytd=D("59000"), status="submitted")
    f = project_forecast(project=project, year=2013, month=10)
    assert (f.run_rate, f.year_end_ytd, f.year_end_rate, f.state) == (D("6000.00"), D("60000.00"), D("100.00"),
                                                                      "on_track")


@pytest.mark.django_db
def test_the_project_sheet_shows_the_forecast(project, plan, accepted_report, client, office):
    # Case 1 × 5 on the plan of 60000: March 18000, June 27000 (45.00% vs 50.00: green). Run rate
    # (27000 - 18000) / 3 = 3000; August 33000 = 55.00% vs 66.67 → yellow; Dec 45000 = 75.00%.
    accepted_report(project, 2013, 3, "18000")
    accepted_report(project, 2013, 6, "27000")
    client.force_login(office)
    page = client.get(f"/admin/projects/project/{project.pk}/sheet/", {"year": 2013}).content.decode()
    assert "预警 (据 6 月数据): 年末预计完成计划的 75.00%；8月转黄" in page
