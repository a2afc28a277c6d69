"""A generic test of one API resource, fed with data only (after NetBox's APIViewTestCases).

A resource's test class names its router basename and model, says how to make the n-th object,
what to POST and PATCH, which filters to try and who may write:

    class TestZones(ResourceTests):
        basename = "zone"
        model = Zone
        create_data = {"code": "new", "name": "新区"}
        update_data = {"name_en": "New zone"}

        def make(self, world, i):
            return Zone.objects.create(code=f"z{i}", name=f"区{i}")

        def filters(self, world):
            return [({"code": "z1"}, 1)]

and gets: get, list, filter, create, update, delete, anonymous (401), every role without write
permission in the role table (403), the wrong unit where the table scopes a reporter (403), and list
query counts pinned
(the same for 5 and for 100 objects).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from projects.choices import Category, Stage
from projects.models import (
    AnnualPlan,
    Bulletin,
    Evaluation,
    Leader,
    Meeting,
    Problem,
    Project,
    Review,
    ReviewCriterion,
)

ROLES = ("office", "reporter", "leader", "auditor")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Personas are created for every test; a fast hasher keeps that cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def users(office, reporter, outsider, leader_user, auditor):
    return {"office": office, "reporter": reporter, "outsider": outsider, "leader": leader_user,
            "auditor": auditor}


@pytest.fixture
def world(db, unit, other_unit, zone, project, plan, users):
    """One of each parent a resource needs: `project` is the reporter's unit's, `other_project`
    another unit's."""
    other_project = Project.objects.create(name="锦江国际商业广场", name_en="Jinjiang International Commercial Plaza",
                                           category=Category.COMMERCE, stage=Stage.CONTINUING,
                                           total_investment=Decimal("150000"), lead_unit=other_unit)
    leader = Leader.objects.get(user=users["leader"])
    meeting = Meeting.objects.create(kind="weekly", date=datetime.date(2013, 5, 6), title="第十八次周例会")
    review = Review.objects.create(year=2013, quarter=3, date=datetime.date(2013, 9, 20), title="三季度观摩")
    review.projects.add(project)
    review.reviewers.add(leader)
    return SimpleNamespace(
        unit=unit, other_unit=other_unit, zone=zone, project=project, other_project=other_project, plan=plan,
        leader=leader, meeting=meeting, review=review, users=users,
        criterion=ReviewCriterion.objects.create(review=review, name="工作进展", weight=Decimal("0.5")),
        problem=Problem.objects.create(project=project, category="funding", title="资金缺口", responsible_unit=unit,
                                       raised_on=datetime.date(2013, 5, 6), deadline=datetime.date(2013, 5, 31)),
        bulletin=Bulletin.objects.create(year=2013, month=10),
        evaluation=Evaluation.objects.create(year=2013, kind="year_end"),
    )


def results(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


class ResourceTests:
    basename = None
    model = None
    read_only = False
    create_data = {}
    update_data = {}

    # --- data --------------------------------------------------------------------------------
    def make(self, world, i):
        raise NotImplementedError("each resource says how to make its i-th object")

    def get_create_data(self, world):
        return self.create_data

    def filters(self, world):
        return []

    # --- helpers ------------------------------------------------------------------------------
    def list_url(self):
        return reverse(f"api:{self.basename}-list")

    def detail_url(self, obj):
        return reverse(f"api:{self.basename}-detail", args=[obj.pk])

    def as_user(self, api, world, role):
        api.force_authenticate(world.users[role])
        return api

    # --- tests --------------------------------------------------------------------------------
    def test_it_gets_one_object(self, api, world):
        obj = self.make(world, 0)
        response = self.as_user(api, world, "auditor").get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == obj.pk

    def test_it_lists_objects(self, api, world):
        made = {self.make(world, i).pk for i in range(3)}
        response = self.as_user(api, world, "auditor").get(self.list_url(), {"page_size": 500})
        assert response.status_code == 200
        assert made <= {row["id"] for row in results(response)}

    def test_it_filters(self, api, world):
        for i in range(3):
            self.make(world, i)
        client = self.as_user(api, world, "auditor")
        for params, expected in self.filters(world):
            response = client.get(self.list_url(), params)
            assert response.status_code == 200, (params, response.content)
            assert len(results(response)) == expected, params

    def test_it_creates(self, api, world):
        response = self.as_user(api, world, "office").post(self.list_url(), self.get_create_data(world), format="json")
        if self.read_only:
            assert response.status_code == 405
            return
        assert response.status_code == 201, response.content
        assert self.model.objects.filter(pk=response.json()["id"]).exists()

    def test_it_updates(self, api, world):
        obj = self.make(world, 0)
        response = self.as_user(api, world, "office").patch(self.detail_url(obj), self.update_data, format="json")
        if self.read_only:
            assert response.status_code == 405
            return
        assert response.status_code == 200, response.content
        for field, value in self.update_data.items():
            assert response.json()[field] == value

    def test_it_deletes(self, api, world):
        obj = self.make(world, 0)
        response = self.as_user(api, world, "office").delete(self.detail_url(obj))
        if self.read_only:
            assert response.status_code == 405
            return
        assert response.status_code == 204, response.content
        assert not self.model.objects.filter(pk=obj.pk).exists()

    def test_anonymous_users_are_told_to_authenticate(self, api, world):
        obj = self.make(world, 0)
        assert api.get(self.list_url()).status_code == 401
        assert api.get(self.detail_url(obj)).status_code == 401

    def table_roles(self, op):
        """Who may run `op` on this resource, from the role table (projects/permissions.py)."""
        from projects.permissions import rule

        return {str(role) for role in rule(self.list_url().split("/")[2], op)}

    def test_roles_without_write_permission_get_403(self, api, world):
        obj = self.make(world, 0)
        for role in ROLES:
            if self.read_only:
                continue
            client = self.as_user(api, world, role)
            if role not in self.table_roles("create"):
                assert client.post(self.list_url(), self.get_create_data(world), format="json").status_code == 403, role
            if role not in self.table_roles("update"):
                assert client.patch(self.detail_url(obj), self.update_data, format="json").status_code == 403, role
            if role not in self.table_roles("delete"):
                assert client.delete(self.detail_url(obj)).status_code == 403, role
            assert self.model.objects.filter(pk=obj.pk).exists()

    def test_a_unit_writes_only_for_its_own_projects(self, api, world):
        """Where the table lets a reporter write, it is for its unit's records only (the outsider is a
        reporter of another unit)."""
        obj = self.make(world, 0)
        reporter_ops = {op for op in ("create", "update", "delete") if "reporter" in self.table_roles(op)}
        if self.read_only or not reporter_ops:
            response = self.as_user(api, world, "reporter").patch(self.detail_url(obj), self.update_data, format="json")
            assert response.status_code in (403, 405)
            return
        outsider = self.as_user(api, world, "outsider")
        assert outsider.post(self.list_url(), self.get_create_data(world), format="json").status_code == 403
        assert outsider.patch(self.detail_url(obj), self.update_data, format="json").status_code == 403
        assert outsider.delete(self.detail_url(obj)).status_code == 403
        reporter = self.as_user(api, world, "reporter")
        expected = {"create": 201, "update": 200, "delete": 204}
        if "create" in reporter_ops:
            response = reporter.post(self.list_url(), self.get_create_data(world), format="json")
            assert response.status_code == 201, response.content
        if "update" in reporter_ops:
            response = reporter.patch(self.detail_url(obj), self.update_data, format="json")
            assert response.status_code == expected["update"], response.content
        if "delete" in reporter_ops:
            assert reporter.delete(self.detail_url(obj)).status_code == expected["delete"]

    def test_list_queries_do_not_grow_with_the_number_of_objects(self, api, world):
        client = self.as_user(api, world, "auditor")
        client.get(self.list_url())  # warm the user's profile and the content-type cache
        for i in range(5):
            self.make(world, i)
        with CaptureQueriesContext(connection) as five:
            assert client.get(self.list_url()).status_code == 200
        for i in range(5, 100):
            self.make(world, i)
        with CaptureQueriesContext(connection) as hundred:
            assert client.get(self.list_url()).status_code == 200
        assert len(five) == len(hundred), [q["sql"] for q in hundred.captured_queries]
