"""What the admin pages SAY to a clerk and a leader on the demo year 2013 (the whole library loaded
once for the module): the words and figures on the rendered page, read as text (page_text)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from projects.models import MonthlyReport

from .page_text import page_text

STARKAI, JINJIANG = "星凯国际城市综合体", "锦江商业广场暨五星级酒店"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return None


def client_of(username, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page(username, url, element_id=None, language="zh-hans"):
    response = client_of(username, language).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return page_text(response.content, element_id)


DASHBOARD = reverse("tracker_dashboard")


# --- the dashboard ---------------------------------------------------------------------------------

def test_reports_loaded_accepted_without_a_submitted_time_are_not_missing(loaded):
    # The facts load 星凯国际's and 锦江's October reports accepted, with no submitted time.
    october = MonthlyReport.objects.filter(year=2013, month=10, project__name__in=[STARKAI, JINJIANG])
    assert {(r.status, r.submitted_at) for r in october} == {("accepted", None)}
    missing = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-missing")
    assert missing.splitlines()[0] == "本月未报月汇报: 0"
    assert STARKAI not in missing and JINJIANG not in missing
    assert "无。" in missing


def test_a_returned_report_counts_as_missing_on_the_dashboard(loaded):
    report = MonthlyReport.objects.get(year=2013, month=10, project__name=STARKAI)
    MonthlyReport.objects.filter(pk=report.pk).update(status="draft", return_reason="数字有误")
    missing = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-missing")
    assert missing.splitlines()[0] == "本月未报月汇报: 1"
    assert STARKAI in missing and JINJIANG not in missing


def test_the_default_month_is_the_latest_most_projects_have_accepted_and_the_page_says_so(loaded):
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2013年十二月末" in heading
    assert "12 个有年度计划的项目中 12 个" in heading
    # One new project reports early for January 2014: the dashboard stays on December 2013.
    from projects.models import AnnualPlan, Project

    early = Project.objects.get(name=STARKAI)
    AnnualPlan.objects.create(project=early, year=2014, planned_investment="1000")
    for other in Project.objects.filter(annual_plans__year=2013).exclude(pk=early.pk)[:3]:
        AnnualPlan.objects.create(project=other, year=2014, planned_investment="1000")
    MonthlyReport.objects.create(project=early, year=2014, month=1, completed_ytd="10", status="accepted")
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2013年十二月末" in heading, heading
    # Three of the four 2014 projects report: January 2014 is the month most have accepted.
    for other in Project.objects.filter(annual_plans__year=2014).exclude(pk=early.pk)[:2]:
        MonthlyReport.objects.create(project=other, year=2014, month=1, completed_ytd="10", status="accepted")
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2014年一月末" in heading and "4 个有年度计划的项目中 3 个" in heading, heading
