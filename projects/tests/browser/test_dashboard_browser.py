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
    assert "十月" in page.locator("#trk-dash-month").inner_text()  # Chinese first: October 2013
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
