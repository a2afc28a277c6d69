"""The library's admin screens follow the role table as the API does, for accounts that are not
superusers: every role reads, the project office writes, a unit reporter keeps its own projects'
milestones, and only the office sees the accounts' roles."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.models import Milestone, Project


@pytest.fixture
def milestones(project, other_unit):
    theirs = Project.objects.create(name="锦江国际商业广场", lead_unit=other_unit)
    return {
        "mine": Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2013, 3, 1)),
        "theirs": Milestone.objects.create(project=theirs, kind="start", planned_date=dt.date(2013, 4, 1)),
    }


def url(obj, view="change"):
    return reverse(f"admin:projects_{obj._meta.model_name}_{view}", args=[obj.pk])


@pytest.mark.parametrize("persona", ["office", "reporter", "leader_user", "auditor"])
def test_every_role_reads_the_library(client, persona, request, project, plan, milestones):
    client.force_login(request.getfixturevalue(persona))
    for name in ("project", "annualplan", "milestone", "zone", "unit", "leader", "programme"):
        assert client.get(reverse(f"admin:projects_{name}_changelist")).status_code == 200, name
    assert client.get(url(project)).status_code == 200
    assert client.get(url(plan)).status_code == 200


def test_office_staff_change_a_project_without_being_superusers(client, office, project):
    assert not office.is_superuser
    client.force_login(office)
    page = client.get(url(project))
    assert page.context["has_change_permission"]
    assert page.context["inline_admin_formsets"], "the plans and milestones inlines are editable"
    assert client.get(reverse("admin:projects_project_add")).status_code == 200


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_other_roles_cannot_change_or_add_projects(client, persona, request, project):
    client.force_login(request.getfixturevalue(persona))
    assert not client.get(url(project)).context["has_change_permission"]
    assert client.get(reverse("admin:projects_project_add")).status_code == 403
    response = client.post(url(project), {"name": "改名"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.name == "星凯国际城市综合体"


def test_a_reporter_keeps_its_own_projects_milestones_only(client, reporter, milestones):
    client.force_login(reporter)
    assert client.get(url(milestones["mine"])).context["has_change_permission"]
    assert not client.get(url(milestones["theirs"])).context["has_change_permission"]
    response = client.post(url(milestones["theirs"]), {
        "project": milestones["theirs"].project_id, "kind": "start", "planned_date": "2014-01-01"})
    assert response.status_code == 403
    milestones["theirs"].refresh_from_db()
    assert milestones["theirs"].planned_date == dt.date(2013, 4, 1)
    add = client.get(reverse("admin:projects_milestone_add"))
    assert list(add.context["adminform"].form.fields["project"].queryset) == [milestones["mine"].project]


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_the_office_sees_the_accounts_roles(client, persona, request, office):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("admin:projects_profile_changelist")).status_code == 403
    client.force_login(office)
    assert client.get(reverse("admin:projects_profile_changelist")).status_code == 200
