"""Early warning (预警): forecasts worked by hand (docs/warning.md has the method).

Defaults: window 3 months, yellow from 10 points behind time progress, red beyond 30. Time
progress of month k is round(100k/12, 2): 41.67, 50.00, 58.33, 66.67, 75.00, 83.33, 91.67, 100."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from projects.services.bulletins import percent, round2, time_progress

from projects.services.warning import Forecast, forecast, project_forecast, trajectory_forecast
from projects.tests.page_text import page_text, table_rows

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


@pytest.mark.django_db
def test_the_sheet_forecasts_from_the_month_it_stands_at_not_from_an_old_report(
        project, plan, accepted_report, client, office, unit):
    # 星凯国际 reported March only (6000 of 60000); another project's October report takes the
    # bulletins (and the sheet) to October. The sheet is red since May (May 10.00% vs 41.67).
    # From March the forecast would say "red in month 5": a change five months past. At October:
    # base July carries 6000, run rate 0; 10.00% vs 83.33 → red now; year end 10.00%.
    from projects.models import AnnualPlan, Project

    other = Project.objects.create(name="其他项目", category=project.category, lead_unit=unit)
    AnnualPlan.objects.create(project=other, year=2013, planned_investment=D("1000"))
    accepted_report(project, 2013, 3, "6000")
    accepted_report(other, 2013, 10, "900")
    client.force_login(office)
    page = page_text(client.get(f"/admin/projects/project/{project.pk}/sheet/", {"year": 2013}).content.decode())
    assert "预警 (据 10 月数据): 年末预计完成计划的 10.00%" in page
    assert "5月转红" not in page


def month_by_month(*, plan, month, ytd, base_ytd, base_month):
    """The method as docs/warning.md states it, every month from `month` to December."""
    run_rate = round2((ytd - base_ytd) / (month - base_month)) if month > base_month else D(0)
    yellow = red = None
    for k in range(month, 13):
        gap = percent(ytd + run_rate * (k - month), plan) - time_progress(k)
        if yellow is None and gap <= -10:
            yellow = k
        if red is None and gap < -30:
            red = k
    return yellow, red


money = st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False, allow_infinity=False)


@given(plan=st.decimals(min_value=D("0.01"), max_value=200000, places=2), month=st.integers(1, 11),
       base_month=st.integers(0, 10), base_ytd=money, gained=money)
@hypothesis_settings(max_examples=400, deadline=None)
def test_the_shortcut_for_projects_that_never_turn_agrees_with_the_month_by_month_method(
        plan, month, base_month, base_ytd, gained):
    base_month = min(base_month, month - 1)
    base_ytd = D(0) if base_month == 0 else base_ytd
    f = forecast(plan=plan, month=month, ytd=base_ytd + gained, base_ytd=base_ytd, base_month=base_month)
    assert (f.yellow_month, f.red_month) == month_by_month(plan=plan, month=month, ytd=base_ytd + gained,
                                                           base_ytd=base_ytd, base_month=base_month)


def test_the_rounded_gap_decides_at_the_threshold():
    # Plan 12000, June (time progress 50.00). 4800 = 40.00%: 10.00 behind, yellow now.
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={3: D("3000"), 6: D("4800")}, month=6)
    assert (f.yellow_month, f.red_month) == (6, None)
    # 4800.48 = 40.004% is 9.996 points behind unrounded, but the bulletin rounds it to 40.00%:
    # 10.00 behind, yellow now (the shortcut must not call it green).
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={3: D("3000"), 6: D("4800.48")}, month=6)
    assert (f.yellow_month, f.red_month) == (6, None)
    # 4801.20 = 40.01% (-9.99: green); run (4801.20 - 3000) / 3 = 600.40; Jul 5401.60 = 45.01% vs
    # 58.33 → -13.32: yellow in July; Dec 8403.60 = 70.03% (-29.97: never red).
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={3: D("3000"), 6: D("4801.20")}, month=6)
    assert (f.yellow_month, f.red_month, f.year_end_rate) == (7, None, D("70.03"))


# --- the words of a forecast --------------------------------------------------------------------

def test_the_short_text_names_only_the_changes_still_ahead_of_the_light():
    # The August case (75.00% at year end, yellow in August) and the April case (already yellow,
    # red in September, 54.00%).
    august = trajectory_forecast(plan=D("12000"), ytd_by_month={3: D("3600"), 6: D("5400")}, month=6)
    september = trajectory_forecast(plan=D("10000"), ytd_by_month={1: D("1000"), 4: D("2200")}, month=4)
    assert august.changes_after("green") == (8, None) and august.changes_after("yellow") == (None, None)
    assert september.changes_after("green") == (None, 9) and september.changes_after("red") == (None, None)
    with translation.override("zh-hans"):
        assert august.short == "预计年底 75.00%，8月转黄"
        assert september.short == "预计年底 54.00%，9月转红"
    with translation.override("en"):
        assert august.short == "75.00% by year end, yellow in month 8"
        assert september.short == "54.00% by year end, red in month 9"


def test_a_forecast_is_kept_as_numbers_and_read_back_whole():
    f = trajectory_forecast(plan=D("12000"), ytd_by_month={1: D("1000"), 3: D("3000")}, month=5)
    stored = f.as_stored()
    assert stored == {"month": 5, "base_month": 2, "run_rate": "666.67", "year_end_ytd": "7666.69",
                      "year_end_rate": "63.89", "yellow_month": 5, "red_month": 10}
    assert Forecast.from_stored(stored) == f
    assert Forecast.from_stored(None) is None


# --- the bulletin and the dashboard: a hand-worked June 2013 ---------------------------------------

@pytest.fixture
def june(db, unit, other_unit, leader_user, accepted_report):
    """Six projects in June 2013 (time progress 50.00%), window 3 (base month March):

    甲 (unit leads) plan 12000, Mar 3600, Jun 5400: 45.00%, green; run 600; Jul 6000 = 50.00% (-8.33),
      Aug 6600 = 55.00% vs 66.67 (-11.67): yellow in August; Dec 9000 = 75.00%.
    乙 (other unit; leader 区长) plan 10000, Mar 2000, Jun 3500: 35.00% (-15), yellow; run 500;
      Oct 5500 = 55.00% vs 83.33 (-28.33), Nov 6000 = 60.00% vs 91.67 (-31.67): red in November;
      Dec 6500 = 65.00%.
    丙 (other unit) plan 6000, Mar 1500, Jun 3000: 50.00%, run 500: on time progress every month,
      100.00% in December: no warning.
    丁 (unit leads) plan 12000, Mar 4400, Jun 5000: 41.67% (-8.33), green; run 200; Jul 5200 = 43.33%
      vs 58.33 (-15): yellow in July; Sep 5600 = 46.67% vs 75 (-28.33), Oct 5800 = 48.33% vs 83.33
      (-35): red in October; Dec 6200 = 51.67%.
    戊 (unit leads) plan 10000, Jun 1000: 10.00% (-40), red already: no warning.
    己 (other unit) plan 12000, Mar 3600, May 5400, no June report: yellow (report missing); June
      carries 5400, so its forecast is 甲's (yellow in August, 75.00%): nothing ahead of yellow.
    The list, soonest change first: 丁 (July), 甲 (August), 乙 (November)."""
    from projects.choices import Category, Stage
    from projects.models import AnnualPlan, Leader, Project

    made = {}
    for name, lead, plan, reports in [
        ("甲", unit, "12000", {3: "3600", 6: "5400"}),
        ("乙", other_unit, "10000", {3: "2000", 6: "3500"}),
        ("丙", other_unit, "6000", {3: "1500", 6: "3000"}),
        ("丁", unit, "12000", {3: "4400", 6: "5000"}),
        ("戊", unit, "10000", {6: "1000"}),
        ("己", other_unit, "12000", {3: "3600", 5: "5400"}),
    ]:
        project = Project.objects.create(name=name, category=Category.COMMERCE, stage=Stage.CONTINUING,
                                         total_investment=D("100000"), lead_unit=lead)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D(plan))
        for month, ytd in reports.items():
            accepted_report(project, 2013, month, ytd)
        made[name] = project
    made["乙"].leaders.add(Leader.objects.get(user=leader_user))
    return made


def warning_lines(data):
    return [(w["project_name"], w["light"], w["yellow_month"], w["red_month"], w["year_end_rate"], w["text"])
            for w in data["warnings"]["items"]]


def test_the_bulletin_rows_carry_the_forecast_of_the_month(june):
    from projects.services.bulletins import bulletin_compute

    rows = {r.project_name: r for r in bulletin_compute(year=2013, month=6).rows}
    assert {name: (r.light, r.forecast.run_rate, r.forecast.year_end_rate, r.forecast.yellow_month,
                   r.forecast.red_month) for name, r in rows.items()} == {
        "甲": ("green", D("600.00"), D("75.00"), 8, None),
        "乙": ("yellow", D("500.00"), D("65.00"), 6, 11),
        "丙": ("green", D("500.00"), D("100.00"), None, None),
        "丁": ("green", D("200.00"), D("51.67"), 7, 10),
        "戊": ("red", D("333.33"), D("30.00"), 6, 6),
        "己": ("yellow", D("600.00"), D("75.00"), 8, None),
    }
    with translation.override("zh-hans"):
        assert {name: r.forecast_text for name, r in rows.items()} == {
            "甲": "预计年底 75.00%，8月转黄", "乙": "预计年底 65.00%，11月转红", "丙": "预计年底 100.00%",
            "丁": "预计年底 51.67%，7月转黄，10月转红", "戊": "预计年底 30.00%", "己": "预计年底 75.00%"}
    # December: nothing is left to forecast.
    assert {r.forecast for r in bulletin_compute(year=2013, month=12).rows} == {None}


def test_the_dashboard_lists_the_projects_forecast_to_change_light_soonest_first(june, office,
                                                                               django_assert_max_num_queries):
    from projects.services.dashboard import dashboard_data

    # The bulletin's projects' query computes the forecasts: the dashboard's pinned count for an
    # office user (test_dashboard.QUERIES, 10 with the default month's two) does not grow.
    with django_assert_max_num_queries(8), translation.override("zh-hans"):
        data = dashboard_data(office, 2013, 6)
    assert warning_lines(data) == [
        ("丁", "green", 7, 10, D("51.67"), "预计年底 51.67%，7月转黄，10月转红"),
        ("甲", "green", 8, None, D("75.00"), "预计年底 75.00%，8月转黄"),
        ("乙", "yellow", None, 11, D("65.00"), "预计年底 65.00%，11月转红"),
    ]
    assert (data["warnings"]["count"], data["warnings"]["truncated"]) == (3, False)
    assert data["warnings"]["items"][0]["url"] == f"/admin/projects/project/{june['丁'].pk}/sheet/?year=2013"
    assert data["warnings"]["url"] == "/admin/dashboard/projects/?year=2013&month=6&warning=1"


def test_each_role_sees_the_warnings_of_its_own_projects(june, reporter, outsider, leader_user):
    from projects.services.dashboard import dashboard_data

    assert [w["project_name"] for w in dashboard_data(reporter, 2013, 6)["warnings"]["items"]] == ["丁", "甲"]
    assert [w["project_name"] for w in dashboard_data(outsider, 2013, 6)["warnings"]["items"]] == ["乙"]
    assert [w["project_name"] for w in dashboard_data(leader_user, 2013, 6)["warnings"]["items"]] == ["乙"]
    # In December nothing is forecast any more.
    assert dashboard_data(reporter, 2013, 12)["warnings"] == {"count": 0, "truncated": False, "url": None,
                                                              "items": []}


def test_the_dashboard_page_shows_the_warning_section_in_both_languages(june, office, client):
    from projects.tests.page_text import page_text, table_rows

    client.force_login(office)
    html = client.get("/admin/dashboard/", {"year": 2013, "month": 6}, HTTP_ACCEPT_LANGUAGE="zh-hans").content
    section = page_text(html, "trk-dash-warnings")
    assert section.splitlines()[:2] == [
        "预警: 3", "按近 3 个月的进度推算，年内将转黄或转红的绿灯项目，以及将转红的黄灯项目。"]
    assert table_rows(html, "trk-dash-warnings") == [
        ["项目", "红黄绿灯", "完成率（%）", "预测"],
        ["丁", "绿灯", "41.67", "预计年底 51.67%，7月转黄，10月转红"],
        ["甲", "绿灯", "45.00", "预计年底 75.00%，8月转黄"],
        ["乙", "黄灯", "35.00", "预计年底 65.00%，11月转红"],
    ]
    assert f'href="/admin/projects/project/{june["丁"].pk}/sheet/?year=2013"' in html.decode()
    english = client.get("/admin/dashboard/", {"year": 2013, "month": 6}, HTTP_ACCEPT_LANGUAGE="en").content
    assert page_text(english, "trk-dash-warnings").splitlines()[0] == "Early warning: 3"
    assert table_rows(english, "trk-dash-warnings")[1][1:] == ["Green", "41.67",
                                                             "51.67% by year end, yellow in month 7, red in month 10"]


def test_the_warning_count_links_to_the_list_of_all_of_them(june, office, client):
    from projects.tests.page_text import table_rows

    client.force_login(office)
    response = client.get("/admin/dashboard/projects/", {"year": 2013, "month": 6, "warning": 1})
    rows = table_rows(response.content, "trk-dash-projects")
    assert [row[0] for row in rows[1:]] == ["丁", "甲", "乙"]
    assert rows[0][-1] == "预警" and rows[1][-1] == "预计年底 51.67%，7月转黄，10月转红"
    assert "截至 2013年6月末的预警项目" in response.content.decode()
    assert client.get("/admin/dashboard/projects/", {"warning": "yes"}).status_code == 400


def test_the_bulletin_page_has_a_warning_column_frozen_at_publication(june, office, client):
    from projects.models import Bulletin, MonthlyReport
    from projects.services.bulletins import bulletin_compute, bulletin_publish
    from projects.tests.page_text import page_text, table_rows

    bulletin = Bulletin.objects.create(year=2013, month=6)
    client.force_login(office)
    url = f"/admin/projects/bulletin/{bulletin.pk}/change/"

    def column():
        html = client.get(url).content
        rows = table_rows(html, "bulletin-rows")
        assert rows[0][-1] == "预警"
        # A red row's name is followed by the link to its open problems (未解决问题).
        return {row[1].removesuffix("未解决问题"): row[-1] for row in rows[1:]}, page_text(html, "bulletin-warning-note")

    draft, note = column()
    assert draft == {"甲": "预计年底 75.00%，8月转黄", "乙": "预计年底 65.00%，11月转红", "丙": "预计年底 100.00%",
                     "丁": "预计年底 51.67%，7月转黄，10月转红", "戊": "预计年底 30.00%", "己": "预计年底 75.00%"}
    assert note == "预警：按近 3 个月的进度推算的年底完成率，以及转黄、转红的月份。"
    bulletin_publish(bulletin=bulletin, user=office)
    # A correction accepted afterwards: 甲's June becomes 6600 (55.00%; run rate 1000, 105.00% by
    # December, no warning). The live figures change; the published bulletin does not.
    MonthlyReport.objects.filter(project=june["甲"], month=6).update(completed_ytd=D("6600"))
    live = {r.project_name: r for r in bulletin_compute(year=2013, month=6).rows}
    with translation.override("zh-hans"):
        assert live["甲"].forecast_text == "预计年底 105.00%"
    frozen, note = column()
    assert frozen == draft
    assert note == "预警：为通报发布时的预测，发布后不再变化。"


def test_the_api_gives_the_frozen_warning_of_each_entry(june, office):
    from rest_framework.test import APIClient

    from projects.models import Bulletin
    from projects.services.bulletins import bulletin_publish

    bulletin = Bulletin.objects.create(year=2013, month=6)
    bulletin_publish(bulletin=bulletin, user=office)
    api = APIClient()
    api.force_authenticate(office)
    entries = api.get(f"/api/bulletins/{bulletin.pk}/entries/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    by_name = {e["project_name"]: e["forecast"] for e in entries}
    assert by_name["甲"] == {"month": 6, "base_month": 3, "run_rate": "600.00", "year_end_ytd": "9000.00",
                            "year_end_rate": "75.00", "yellow_month": 8, "red_month": None,
                            "text": "预计年底 75.00%，8月转黄"}
    assert by_name["己"]["text"] == "预计年底 75.00%" and by_name["己"]["yellow_month"] == 8
    english = api.get(f"/api/bulletins/{bulletin.pk}/entries/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {e["project_name"]: e["forecast"]["text"] for e in english}["丁"] == \
        "51.67% by year end, yellow in month 7, red in month 10"
    body = api.get("/api/dashboard/", {"year": 2013, "month": 6}).json()
    assert [(w["project_name"], w["yellow_month"], w["red_month"], w["year_end_rate"]) for w in
            body["warnings"]["items"]] == [("丁", 7, 10, "51.67"), ("甲", 8, None, "75.00"), ("乙", None, 11, "65.00")]


def test_the_schema_documents_the_forecast(office):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(office)
    components = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    forecast = components["Forecast"]["properties"]
    assert set(forecast) == {"month", "base_month", "run_rate", "year_end_ytd", "year_end_rate", "yellow_month",
                             "red_month", "text"}
    assert all(field.get("description") for field in forecast.values())
    assert "预警" in components["BulletinEntry"]["properties"]["forecast"]["description"]
    assert "warnings" in components["Dashboard"]["properties"]


# --- the demo year 2013 (the whole library loaded once for the module) ------------------------------

@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return None


def demo_page(username, url, language="zh-hans"):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def demo_bulletin_url(month, view="change"):
    from django.urls import reverse

    from projects.models import Bulletin

    return reverse(f"admin:projects_bulletin_{view}", args=[Bulletin.objects.get(year=2013, month=month).pk])


def test_demo_april_the_office_dashboard_warns_of_nine_projects(loaded):
    # April 2013 (time progress 33.33%), run rate from January. Worked by hand:
    # 北山生态环境治理 plan 3000: Apr 330 = 11.00% (-22.33, yellow); run (330 - 70) / 3 = 86.67;
    #   May 416.67 = 13.89% vs 41.67 (-27.78); Jun 503.34 = 16.78% vs 50 (-33.22): red in June;
    #   Dec 330 + 8 × 86.67 = 1023.36 = 34.11%.
    # 龙寺水库 plan 5000: Apr 1400 = 28.00% (-5.33, green); run (1400 - 260) / 3 = 380; Oct 3680 =
    #   73.60% vs 83.33 (-9.73); Nov 4060 = 81.20% vs 91.67 (-10.47): yellow in November;
    #   Dec 4440 = 88.80%.
    # 城际铁路安置房 plan 6000: Apr 1090 = 18.17% (-15.16, yellow); run (1090 - 210) / 3 = 293.33;
    #   Aug 2263.32 = 37.72% vs 66.67 (-28.95); Sep 2556.65 = 42.61% vs 75 (-32.39): red in
    #   September; Dec 1090 + 8 × 293.33 = 3436.64 = 57.28%.
    html = demo_page("demo_office", "/admin/dashboard/?year=2013&month=4")
    assert page_text(html, "trk-dash-warnings").splitlines()[0] == "预警: 9"
    assert [row[0] for row in table_rows(html, "trk-dash-warnings")[1:]] == [
        "北山生态环境治理", "南水北调集中安置社区", "普济河道改造工程", "牧野路拓宽改造工程", "起重厂整体开发",
        "和平街市场改造", "焦运集团商业中心", "城际铁路安置房", "龙寺水库"]
    rows = {row[0]: row[1:] for row in table_rows(html, "trk-dash-warnings")[1:]}
    assert rows["北山生态环境治理"] == ["黄灯", "11.00", "预计年底 34.11%，6月转红"]
    assert rows["龙寺水库"] == ["绿灯", "28.00", "预计年底 88.80%，11月转黄"]
    assert rows["城际铁路安置房"] == ["黄灯", "18.17", "预计年底 57.28%，9月转红"]
    # demo_leader1 (星凯国际, 爱乐优, 城际铁路安置房) is warned of his one project.
    leader = demo_page("demo_leader1", "/admin/dashboard/?year=2013&month=4")
    assert table_rows(leader, "trk-dash-warnings")[1:] == [["城际铁路安置房", "黄灯", "18.17", "预计年底 57.28%，9月转红"]]


def test_demo_september_bulletin_and_its_print_view_show_the_frozen_warning(loaded):
    # 城际铁路安置房, September (time progress 75.00): plan 6000, Sep 2990 = 49.83% (-25.17: yellow);
    # run (2990 - 1940) / 3 = 350; Oct 3340 = 55.67% vs 83.33 (-27.66); Nov 3690 = 61.50% vs 91.67
    # (-30.17): red in November; Dec 2990 + 3 × 350 = 4040 = 67.33%. It is the only warning.
    html = demo_page("demo_office", demo_bulletin_url(9))
    rows = {row[1].removesuffix("未解决问题"): row for row in table_rows(html, "bulletin-rows")[1:]}
    assert rows["城际铁路安置房"][-3:] == ["黄灯", "落后时间进度 25.17 个百分点（10 至 30 个百分点）。",
                                         "预计年底 67.33%，11月转红"]
    assert rows["龙寺水库"][-1] == "预计年底 103.00%"
    assert page_text(html, "bulletin-warning-note") == "预警：为通报发布时的预测，发布后不再变化。"
    english = demo_page("demo_office", demo_bulletin_url(9), language="en")
    rows = {row[1].removesuffix("open problems"): row for row in table_rows(english, "bulletin-rows")[1:]}
    assert rows["Intercity railway resettlement housing"][-1] == "67.33% by year end, red in month 11"
    printed = table_rows(demo_page("demo_office", demo_bulletin_url(9, "print")), "details")
    assert printed[0][-2:] == ["原因", "预警"]
    line = next(row for row in printed if "城际铁路安置房" in row)
    assert line[-1] == "预计年底 67.33%，11月转红"
    dashboard = demo_page("demo_office", "/admin/dashboard/?year=2013&month=9")
    assert table_rows(dashboard, "trk-dash-warnings")[1:] == [["城际铁路安置房", "黄灯", "49.83", "预计年底 67.33%，11月转红"]]


def test_demo_may_bulletin_keeps_the_forecast_it_was_published_with(loaded):
    # 爱乐优 plan 12000. Published with May 5360 (an equipment prepayment counted): run
    # (5360 - 1440) / 3 = 1306.67, Dec 5360 + 7 × 1306.67 = 14506.69 = 120.89%. Corrected in July to
    # 4560: run 1040, Dec 11840 = 98.67%, which the bulletin computed now would say.
    from projects.services.bulletins import bulletin_compute

    html = demo_page("demo_office", demo_bulletin_url(5))
    rows = {row[1]: row for row in table_rows(html, "bulletin-rows")[1:]}
    assert rows["爱乐优智能物联机器人项目"][-1] == "预计年底 120.89%"
    live = {r.project_name: r for r in bulletin_compute(year=2013, month=5).rows}
    with translation.override("zh-hans"):
        assert live["爱乐优智能物联机器人项目"].forecast_text == "预计年底 98.67%"


def test_demo_december_has_no_forecast(loaded):
    # The December 2013 bulletin is a draft (computed live): December has nothing left to forecast,
    # and the print view leaves the empty 预警 column out.
    html = demo_page("demo_office", demo_bulletin_url(12))
    assert page_text(html, "bulletin-warning-note") == "预警：12 月已是年末，不再预测。"
    assert {row[-1] for row in table_rows(html, "bulletin-rows")[1:]} == {"—"}
    assert "预警" not in table_rows(demo_page("demo_office", demo_bulletin_url(12, "print")), "details")[0]
    assert page_text(demo_page("demo_office", "/admin/dashboard/?year=2013&month=12"),
                     "trk-dash-warnings").splitlines()[:3] == [
        "预警: 0", "按近 3 个月的进度推算，年内将转黄或转红的绿灯项目，以及将转红的黄灯项目。", "无。"]


def test_a_nonsensical_plan_caps_the_forecast_rate_as_the_bulletin_caps_its_rates():
    # 0.01 万元 of plan against 1,000,000 completed: the bulletin stores at most 9,999,999.99 %.
    f = trajectory_forecast(plan=D("0.01"), ytd_by_month={6: D("1000000")}, month=6)
    assert f.year_end_rate == D("9999999.99") and (f.yellow_month, f.red_month) == (None, None)
