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


def test_boolean_and_integer_filters_refuse_what_they_cannot_read(api, world):
    """Found by the fuzz (test_fuzz_api.py): `include_archived=-92` or `report_missing=maybe` was read
    as "not given" and answered the unfiltered list; `year=2013.5` or `1e-308` filtered by a fraction.
    Now: 400 naming the parameter. true/false/1/0 in any case are read; an empty value is no filter
    (the browsable API's forms send every field), as the schema says with allowEmptyValue."""
    api.force_authenticate(world.users["auditor"])
    world.other_project.is_archived = True
    world.other_project.save()
    star, jinjiang = world.project.name, world.other_project.name
    url = reverse("api:project-list")
    for bad in ({"include_archived": "-92"}, {"include_archived": "maybe"}, {"plan_year": "2013.5"},
                {"plan_year": "1e3"}):
        response = api.get(url, bad)
        assert response.status_code == 400, bad
        assert [e["field"] for e in response.json()["errors"]] == list(bad)
    assert sorted(names(api, include_archived="TRUE")) == sorted([star, jinjiang])
    assert sorted(names(api, include_archived="1")) == sorted([star, jinjiang])
    assert names(api, include_archived="0") == names(api, include_archived="") == [star]
    response = api.get("/api/bulletin-entries/", {"report_missing": "maybe"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "report_missing"
    assert api.get("/api/annual-plans/", {"year": "2013.5"}).status_code == 400
    assert api.get("/api/annual-plans/", {"year": "", "project": ""}).status_code == 200
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/projects/"]["get"]["parameters"]}
    assert parameters["include_archived"]["schema"]["type"] == "boolean"
    assert parameters["plan_year"]["schema"]["type"] == "integer"
    assert parameters["include_archived"]["allowEmptyValue"] and parameters["zone"]["allowEmptyValue"]
    assert "allowEmptyValue" not in parameters["stage"]  # a list of choices: empty is not a choice
