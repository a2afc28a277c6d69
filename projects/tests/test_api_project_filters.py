"""Project filters the resource tests leave out: programme (id and code), key level, a search that
finds a project by an alias alone or by its English name in any case, and the orderings."""

from decimal import Decimal

from django.urls import reverse

from projects.models import Programme, Project
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401


def names(api, **query):
    response = api.get(reverse("api:project-list"), query)
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def test_programme_key_level_alias_and_orderings(api, world):
    api.force_authenticate(world.users["auditor"])
    programme = Programme.objects.create(code="342311", year=2013, label="342311", name="2013年项目推进计划")
    world.project.programmes.add(programme)
    world.project.key_level = "province"
    world.project.save()
    Project.objects.create(name="焦作市第二人民医院新院", name_en="Jiaozuo No. 2 People's Hospital new campus",
                           aliases="二院新院\n市二院", stage="new", total_investment=Decimal("80000"),
                           key_level="city", lead_unit=world.unit)
    star, jinjiang, hospital = world.project.name, world.other_project.name, "焦作市第二人民医院新院"

    assert names(api, programme=programme.pk) == [star]
    assert names(api, programme_code="342311") == [star]
    assert names(api, key_level="province") == [star]
    assert sorted(names(api, key_level=["province", "city"])) == sorted([star, hospital])
    assert names(api, q="市二院") == [hospital]  # only in the aliases
    assert names(api, q="people's HOSPITAL") == [hospital]
    assert names(api, ordering="-total_investment") == [star, jinjiang, hospital]
    assert names(api, ordering="total_investment") == [hospital, jinjiang, star]
    assert names(api, ordering="name") == sorted([star, jinjiang, hospital])
    assert api.get(reverse("api:project-list"), {"key_level": "county"}).status_code == 400
    response = api.get(reverse("api:project-list"), {"ordering": "secret"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "ordering"
