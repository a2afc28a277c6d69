"""Named personas and a small library that tests share.

office    project office staff: everything
reporter  a unit reporter of `unit`: reads all; writes reports, problems, milestones of its unit's projects
outsider  a unit reporter of `other_unit`: the wrong unit for `project`
leader    a responsible leader: reads all; scores reviews; comments
auditor   read-only
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from projects.choices import Category, Role, Stage
from projects.models import AnnualPlan, Leader, Profile, Project, Unit, Zone


def make_user(username, role, unit=None, staff=True):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username + "-123",
                                                is_staff=staff)
    Profile.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="解放区发改委", name_en="Development and Reform Commission")


@pytest.fixture
def other_unit(db):
    return Unit.objects.create(name="王褚街道办事处", name_en="Wangchu Sub-district Office", kind="subdistrict")


@pytest.fixture
def zone(db):
    return Zone.objects.create(code="commerce", name="特色商业区", name_en="Featured Commercial District")


@pytest.fixture
def project(db, unit, zone):
    return Project.objects.create(
        name="星凯国际城市综合体", name_en="StarKai International City Complex", aliases="星凯国际",
        category=Category.COMMERCE, zone=zone, stage=Stage.CONTINUING, total_investment=Decimal("200000"),
        lead_unit=unit,
    )


@pytest.fixture
def plan(db, project):
    return AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("60000"))


@pytest.fixture
def office(db):
    return make_user("office", Role.OFFICE)


@pytest.fixture
def reporter(db, unit):
    return make_user("reporter", Role.REPORTER, unit=unit)


@pytest.fixture
def outsider(db, other_unit):
    return make_user("outsider", Role.REPORTER, unit=other_unit)


@pytest.fixture
def leader_user(db):
    user = make_user("leader", Role.LEADER)
    Leader.objects.create(name="区长", title="区长", body="government", user=user)
    return user


@pytest.fixture
def auditor(db):
    return make_user("auditor", Role.AUDITOR)


@pytest.fixture
def accepted_report(db):
    """Files a report straight as accepted (the workflow itself is tested in test_reports.py)."""
    from projects.models import MonthlyReport

    def make(project, year, month, ytd, **kwargs):
        return MonthlyReport.objects.create(project=project, year=year, month=month, completed_ytd=Decimal(ytd),
                                            status="accepted", **kwargs)

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are created in almost every test; the default hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def scratch_media_root(settings, media_dir):
    """Uploaded photos and documents go to a scratch folder, never to the checkout's media/."""
    settings.MEDIA_ROOT = media_dir
