"""The dashboard in a real browser: the vendored Chart.js draws the charts, nothing is fetched from
outside the server, and each role sees its own projects."""

import pytest

from projects.tests.browser.helpers import chart_count, login, screenshot
from projects.tests.dashboard_world import dashboard_example as example  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def wait_for_charts(page, count):
    page.wait_for_function(
        "n => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length === n", arg=count)


def test_office_staff_see_the_dashboard_with_charts_and_light_counts(page, example, office):
    login(page, "office")
    page.goto("/admin/dashboard/")
    wait_for_charts(page, 3)
    assert chart_count(page) == 3
    for canvas in ("#trk-chart-months", "#trk-chart-zones", "#trk-chart-categories"):
        box = page.locator(canvas).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, canvas
    # The month bars and the plan line carry the hand-worked figures.
    datasets = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('trk-chart-months'));
        return chart.data.datasets.map(d => d.data[d.data.length - 1]);
    }""")
    assert datasets == [123000, 104166.67]
    assert "2013年10月末" in page.locator("#trk-dash-month").inner_text()  # Chinese first: October 2013
    assert page.locator("#trk-light-green .trk-dash-number").inner_text().strip() == "2"
    assert page.locator("#trk-light-yellow .trk-dash-number").inner_text().strip() == "0"
    assert page.locator("#trk-light-red .trk-dash-number").inner_text().strip() == "1"
    assert page.locator("#trk-light-red").is_visible()
    screenshot(page, "dashboard")
    assert page.outside_requests == []

    page.click("#trk-light-red a")
    page.wait_for_url("**/admin/dashboard/projects/**")
    assert page.locator("#trk-dash-projects tbody tr").all_inner_texts()[0].startswith("安置房")
    assert page.locator("#trk-dash-projects tbody tr").count() == 1


def test_a_leader_lands_on_the_dashboard_of_his_projects(page, example, leader_user):
    login(page, "leader")  # the admin index, which shows the dashboard above the app list
    wait_for_charts(page, 3)
    assert page.locator("#trk-dashboard").is_visible()
    # One project is no ranking (docs/rankings.md): the best and worst lists say so.
    assert "不足两个项目，无从排名" in page.locator("#trk-dash-best").inner_text()
    assert page.locator(".trk-dash-figure .trk-dash-number").first.inner_text().strip() == "1"
    assert "锦江国际商业广场" not in page.content() and "安置房" not in page.content()
    assert page.locator("#trk-light-green .trk-dash-number").inner_text().strip() == "1"
    assert page.locator("#trk-light-red .trk-dash-number").inner_text().strip() == "0"
    screenshot(page, "dashboard-leader")
    assert page.outside_requests == []


def test_the_office_is_warned_of_the_projects_heading_for_yellow_and_red(page, transactional_db):
    """预警 on the demo year: April 2013's dashboard, the list of all its warnings, the September
    bulletin's column and its print view (the figures are worked by hand in test_warning.py)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from projects.models import Bulletin

    call_command("load_library", verbosity=0)
    office = get_user_model().objects.get(username="demo_office")
    office.set_password("pw-demo_office-123")
    office.save()
    login(page, "demo_office")
    page.goto("/admin/dashboard/?year=2013&month=4")
    wait_for_charts(page, 3)
    warnings = page.locator("#trk-dash-warnings")
    assert warnings.locator("h2").inner_text().strip() == "预警: 9"
    rows = warnings.locator("tbody tr")
    assert rows.count() == 9
    assert rows.nth(0).inner_text().split("\t") == ["北山生态环境治理", "黄灯", "11.00", "预计年底 34.11%，6月转红"]
    assert rows.nth(8).inner_text().split("\t") == ["龙寺水库", "绿灯", "28.00", "预计年底 88.80%，11月转黄"]
    # Within the page's width: the section wraps, it does not push the page sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1400
    warnings.scroll_into_view_if_needed()
    screenshot(page, "dashboard-warnings")
    assert page.outside_requests == []

    warnings.locator("h2 a").click()
    page.wait_for_url("**/admin/dashboard/projects/**warning=1**")
    assert page.locator("#trk-dash-projects tbody tr").count() == 9
    assert page.locator("#trk-dash-projects tbody tr td.trk-forecast").first.inner_text() == "预计年底 34.11%，6月转红"
    screenshot(page, "dashboard-warnings-list")

    september = Bulletin.objects.get(year=2013, month=9)
    page.goto(f"/admin/projects/bulletin/{september.pk}/change/")
    row = page.locator("#bulletin-rows tbody tr", has_text="城际铁路安置房")
    assert row.locator("td.trk-forecast").inner_text() == "预计年底 67.33%，11月转红"
    assert "发布后不再变化" in page.locator("#bulletin-warning-note").inner_text()
    screenshot(page, "bulletin-warnings")
    page.goto(f"/admin/projects/bulletin/{september.pk}/print/")
    line = page.locator("#details tbody tr", has_text="城际铁路安置房")
    assert line.locator("td").last.inner_text() == "预计年底 67.33%，11月转红"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1400
    screenshot(page, "bulletin-print-warnings")
    assert page.outside_requests == []
