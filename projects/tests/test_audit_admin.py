"""The audit trail, optimistic locking and archive rules in the admin (projects/admin/history.py)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from projects.choices import PublicationStatus, Stage
from projects.models import AnnualPlan, Evaluation, Leader, MonthlyReport, Project, Review, Unit
from projects.tests.admin_utils import FACTORIES, admin_form_data, admin_url, project_models


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-admin-123")


def english_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def alice(admin_user):
    return english_client(admin_user)


@pytest.fixture
def bob(db):
    user = get_user_model().objects.create_superuser("bob", "bob@example.org", "pw-bob-123")
    return english_client(user)


# Every record people edit keeps a history; API tokens are issued and revoked, never edited (audit log).
@pytest.mark.parametrize("model", [m for m in project_models(admin.site) if hasattr(m, "history")],
                         ids=lambda m: m._meta.model_name)
def test_every_change_form_links_to_a_history_with_diffs(alice, model):
    obj = FACTORIES[model](1)
    page = alice.get(admin_url(model, "change", obj.pk))
    assert admin_url(model, "history", obj.pk) in page.content.decode()
    response = alice.get(admin_url(model, "history", obj.pk))
    assert response.status_code == 200
    entries = response.context["entries"]
    own = [entry["type"] for entry in entries if entry.get("own", True)]
    if model is Project:
        # The factory then adds a unit and a leader (kept with the versions); the page also lists
        # the creation of the project's annual plan.
        assert own == ["changed", "changed", "created"]
        assert [entry["record"] for entry in entries if not entry["own"]] == ["annual plan 2013"]
    else:
        assert own == ["created"]


def test_a_change_with_a_reason_shows_who_why_and_what_in_the_history(alice, project):
    url = admin_url(Project, "change", project.pk)
    page = alice.get(url)
    assert "change_reason" in page.context["adminform"].form.fields
    response = alice.post(url, admin_form_data(page, total_investment="210000", change_reason="总投资调整"))
    assert response.status_code == 302, response.context and response.context["errors"]
    history = alice.get(admin_url(Project, "history", project.pk))
    newest = history.context["entries"][0]
    assert newest["reason"] == "总投资调整" and newest["user"]["username"] == "admin"
    assert [(c["field"], c["old_text"], c["new_text"]) for c in newest["changes"]] == [
        ("total_investment", "200,000.00", "210,000.00")]
    text = history.content.decode()
    assert "总投资调整" in text and "200,000.00 → 210,000.00" in text
    assert Project.history.filter(id=project.pk).latest().history_change_reason == "总投资调整"


def test_related_records_and_choices_read_as_names_in_the_history(alice, project, other_unit):
    url = admin_url(Project, "change", project.pk)
    page = alice.get(url)
    response = alice.post(url, admin_form_data(page, lead_unit=str(other_unit.pk), stage="completed"))
    assert response.status_code == 302
    changes = {c["field"]: c for c in alice.get(admin_url(Project, "history", project.pk)).context["entries"][0][
        "changes"]}
    assert changes["lead_unit"]["new_text"] == other_unit.name
    with translation.override("en"):
        assert (changes["stage"]["old_text"], changes["stage"]["new_text"]) == (
            str(Stage.CONTINUING.label), str(Stage.COMPLETED.label))
    assert changes["stage"]["old"] == "continuing"


def test_dates_in_the_history_read_as_local_dates_not_iso_text(alice, project):
    url = admin_url(Project, "change", project.pk)
    page = alice.get(url)
    response = alice.post(url, admin_form_data(page, planned_start="2013-05-01"))
    assert response.status_code == 302, response.context and response.context["errors"]
    history = alice.get(admin_url(Project, "history", project.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    changes = {c["field"]: c for c in history.context["entries"][0]["changes"]}
    assert changes["planned_start"]["new"] == "2013-05-01"  # the data keeps ISO (as the API gives it)
    assert changes["planned_start"]["new_text"] == "2013年5月1日"
    created = history.context["entries"][-1]["changes"]
    [stamp] = [c for c in created if c["field"] == "created_at"]
    assert "T" in stamp["new"] and "T" not in stamp["new_text"] and "年" in stamp["new_text"]


# --- no lost updates: the race in the admin ----------------------------------------------------


def race(alice, bob, url, first, second):
    """Alice and Bob load the same form; Alice saves first; Bob's save comes second."""
    page_a, page_b = alice.get(url), bob.get(url)
    assert page_a.status_code == page_b.status_code == 200
    response = alice.post(url, admin_form_data(page_a, **first))
    assert response.status_code == 302, response.context and response.context["errors"]
    return bob.post(url, admin_form_data(page_b, **second))


def test_the_second_save_of_a_project_is_refused_with_what_changed(alice, bob, project):
    url = admin_url(Project, "change", project.pk)
    response = race(alice, bob, url, {"name_en": "StarKai City"}, {"description": "Bob's text"})
    assert response.status_code == 200, "the stale form was accepted"
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "saved this record meanwhile" in errors
    assert "English name: StarKai International City Complex → StarKai City (admin," in errors
    project.refresh_from_db()
    assert project.name_en == "StarKai City" and project.description == ""
    assert project.version == 2


def test_the_second_save_of_an_annual_plan_is_refused(alice, bob, plan):
    url = admin_url(AnnualPlan, "change", plan.pk)
    response = race(alice, bob, url, {"planned_investment": "61000"}, {"target": "主体封顶"})
    assert response.status_code == 200
    assert "planned investment (baseline): 60000.00 → 61000.00" in " ".join(
        response.context["adminform"].form.non_field_errors())
    plan.refresh_from_db()
    assert plan.planned_investment == Decimal("61000") and plan.target == ""


def test_the_second_save_of_a_report_is_refused(alice, bob, project):
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("100"))
    url = admin_url(MonthlyReport, "change", report.pk)
    response = race(alice, bob, url, {"completed_ytd": "200"}, {"completed_ytd": "300"})
    assert response.status_code == 200
    assert "100.00 → 200.00" in " ".join(response.context["adminform"].form.non_field_errors())
    report.refresh_from_db()
    assert report.completed_ytd == Decimal("200") and report.version == 2


def test_saving_again_after_reloading_works(alice, bob, project):
    url = admin_url(Project, "change", project.pk)
    race(alice, bob, url, {"name_en": "A"}, {"name_en": "B"})
    response = bob.post(url, admin_form_data(bob.get(url), name_en="B"))
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).name_en == "B"


# --- archive instead of delete -----------------------------------------------------------------


def dependent(kind, world_project, leader):
    if kind == "project":
        MonthlyReport.objects.create(project=world_project, year=2013, month=1, completed_ytd=Decimal("1"))
        return world_project
    if kind == "unit":
        return world_project.lead_unit
    review = Review.objects.create(year=2013, quarter=3, date=datetime.date(2013, 9, 20), title="三季度观摩")
    review.reviewers.add(leader)
    return leader


@pytest.mark.parametrize("kind", ["project", "unit", "leader"])
def test_the_admin_refuses_to_delete_what_others_depend_on_and_archives_it(alice, project, kind):
    leader = Leader.objects.create(name="分包领导甲")
    obj = dependent(kind, project, leader)
    model = type(obj)
    response = alice.get(admin_url(model, "delete", obj.pk))
    text = response.content.decode()
    assert "Archive it instead" in text
    response = alice.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert model.objects.filter(pk=obj.pk).exists()

    changelist = admin_url(model, "changelist")
    response = alice.post(changelist, {"action": "archive_selected", helpers.ACTION_CHECKBOX_NAME: [obj.pk]})
    assert response.status_code == 302
    assert model.objects.get(pk=obj.pk).is_archived
    assert obj.pk not in {o.pk for o in alice.get(changelist).context["cl"].result_list}
    assert obj.pk in {o.pk for o in alice.get(changelist, {"archived": "yes"}).context["cl"].result_list}
    assert alice.get(admin_url(model, "change", obj.pk)).status_code == 200
    entries = alice.get(admin_url(model, "history", obj.pk)).context["entries"]
    assert ("is_archived", False, True) in {(c["field"], c["old"], c["new"]) for c in entries[0]["changes"]}

    alice.post(changelist + "?archived=yes", {"action": "unarchive_selected",
                                              helpers.ACTION_CHECKBOX_NAME: [obj.pk]})
    assert not model.objects.get(pk=obj.pk).is_archived


def test_a_unit_nothing_depends_on_is_deleted_in_the_admin(alice):
    unit = Unit.objects.create(name="空单位")
    response = alice.post(admin_url(Unit, "delete", unit.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=unit.pk).exists()


# --- published records are frozen --------------------------------------------------------------


def test_published_reviews_and_evaluations_cannot_be_changed_or_deleted_in_the_admin(alice):
    review = Review.objects.create(year=2013, quarter=3, date=datetime.date(2013, 9, 20), title="三季度观摩",
                                   status=PublicationStatus.PUBLISHED)
    evaluation = Evaluation.objects.create(year=2013, kind="year_end", status=PublicationStatus.PUBLISHED)
    for obj, field, value in ((review, "title", "改名"), (evaluation, "weight_completion", "1")):
        url = admin_url(type(obj), "change", obj.pk)
        page = alice.get(url)
        assert field not in page.context["adminform"].form.fields, "a published field is editable"
        response = alice.post(url, {**admin_form_data(page), field: value})
        assert response.status_code == 200 and "never changes" in response.content.decode()
        assert alice.post(admin_url(type(obj), "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert Review.objects.get(pk=review.pk).title == "三季度观摩"
    assert Evaluation.objects.get(pk=evaluation.pk).weight_completion == Decimal("60")


def test_a_published_bulletin_cannot_be_edited_in_the_admin(alice, project):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.create(year=2013, month=10, title="十月通报", status=PublicationStatus.PUBLISHED)
    url = admin_url(Bulletin, "change", bulletin.pk)
    page = alice.get(url)
    assert "title" not in page.context["adminform"].form.fields
    alice.post(url, {**admin_form_data(page), "title": "改"})
    assert Bulletin.objects.get(pk=bulletin.pk).title == "十月通报"
    assert alice.post(admin_url(Bulletin, "delete", bulletin.pk), {"post": "yes"}).status_code == 403


def test_an_auditor_sees_the_history_but_no_reason_field(client, auditor, project):
    report = MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("100"))
    client.force_login(auditor)
    page = client.get(admin_url(MonthlyReport, "change", report.pk))
    assert page.status_code == 200
    assert "change_reason" not in page.content.decode()
    assert client.get(admin_url(MonthlyReport, "history", report.pk)).status_code == 200


def test_the_history_page_runs_as_many_queries_for_30_versions_as_for_3(alice, project, other_unit, unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = admin_url(Project, "history", project.pk)
    alice.get(url)

    def versions(n):
        for i in range(n):
            obj = Project.objects.get(pk=project.pk)
            obj.lead_unit = other_unit if i % 2 == 0 else unit
            obj.name_en = f"v{i}"
            obj.save()

    versions(3)
    with CaptureQueriesContext(connection) as few:
        assert len(alice.get(url).context["entries"]) == 4
    versions(27)
    with CaptureQueriesContext(connection) as many:
        assert len(alice.get(url).context["entries"]) == 31
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
