"""The library's fixtures: facts.json says only what the seed documents say, each fact with a verbatim
quote; demo.json and the leader assignments are illustrative; load_library can run any number of times."""

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from projects.choices import LeadingBody, ReportStatus
from projects.models import (
    AnnualPlan,
    Leader,
    Milestone,
    MonthlyReport,
    Programme,
    Project,
    Source,
    Unit,
    Zone,
)

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "fixtures" / "facts.json"
DEMO = ROOT / "fixtures" / "demo.json"
SEEDS = ROOT / "seeds"

FACT_MODELS = ["zone", "unit", "programme", "project", "annualplan", "milestone", "monthlyreport"]
ALLOWED_IN_FACTS = {f"projects.{name}" for name in FACT_MODELS} | {"projects.source"}


def squeeze(text):
    return "".join(text.split())


def fixture(path):
    return json.loads(path.read_text(encoding="utf-8"))


def facts_of(model):
    return [obj for obj in fixture(FACTS) if obj["model"] == f"projects.{model}"]


def sources_by_record():
    """{(model, pk): [source fields, ...]} from facts.json."""
    result = {}
    for obj in facts_of("source"):
        fields = obj["fields"]
        result.setdefault((fields["content_type"][1], fields["object_id"]), []).append(fields)
    return result


def model_counts():
    counts = {model._meta.label: model.objects.count() for model in apps.get_app_config("projects").get_models()}
    counts["project leaders"] = Project.leaders.through.objects.count()
    counts["project programmes"] = Project.programmes.through.objects.count()
    return counts


def project(name):
    return Project.objects.get(name=name)


# --- the fixture file itself ---------------------------------------------------------------------

def test_facts_json_is_what_the_build_script_writes():
    spec = importlib.util.spec_from_file_location("build_facts", ROOT / "fixtures" / "build_facts.py")
    build_facts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_facts)
    assert FACTS.read_text(encoding="utf-8") == build_facts.render(build_facts.build()), (
        "facts.json is out of date: run python fixtures/build_facts.py"
    )


def test_readme_tables_are_what_the_build_script_writes():
    spec = importlib.util.spec_from_file_location("build_facts", ROOT / "fixtures" / "build_facts.py")
    build_facts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_facts)
    readme = (ROOT / "fixtures" / "README.md").read_text(encoding="utf-8")
    assert readme == build_facts.render_readme(readme), (
        "the tables of fixtures/README.md are out of date: run python fixtures/build_facts.py"
    )


def test_facts_hold_only_fact_models_and_no_leaders_or_users():
    models = {obj["model"] for obj in fixture(FACTS)}
    assert models <= ALLOWED_IN_FACTS
    for obj in facts_of("project"):
        assert "leaders" not in obj["fields"]
    for obj in facts_of("monthlyreport"):
        assert not {"submitted_by", "accepted_by"} & set(obj["fields"])


def test_every_fact_object_has_a_source():
    sources = sources_by_record()
    missing = [
        (model, obj["pk"]) for model in FACT_MODELS for obj in facts_of(model) if (model, obj["pk"]) not in sources
    ]
    assert missing == []


def test_every_source_quotes_an_existing_document_verbatim():
    documents = {path.name: squeeze(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")}
    assert len(documents) == 5
    for obj in facts_of("source"):
        fields = obj["fields"]
        assert fields["document"] in documents, fields
        assert squeeze(fields["quote"]), fields
        assert squeeze(fields["quote"]) in documents[fields["document"]], fields
        assert len(squeeze(fields["quote"])) <= 80, fields


def test_every_stated_figure_of_a_project_has_a_supporting_quote():
    sources = sources_by_record()
    for obj in facts_of("project"):
        fields = obj["fields"]
        supports = " ".join(s["supports"] for s in sources[("project", obj["pk"])])
        if fields["total_investment"] is not None:
            assert "total_investment" in supports, fields["name"]
        assert "stage" in supports, fields["name"]  # the default stage too is a claim
        if fields["zone"] is not None:
            assert "zone" in supports, fields["name"]
        if fields["key_level"]:
            assert "key_level" in supports, fields["name"]
        # the documents name leading groups of key works, never the lead unit of a single project
        assert fields["lead_unit"] is None, fields["name"]


def test_every_figure_of_a_programme_has_a_supporting_quote():
    sources = sources_by_record()
    for obj in facts_of("programme"):
        supports = " ".join(s["supports"] for s in sources[("programme", obj["pk"])])
        for name, value in obj["fields"].items():
            is_figure = name.startswith(("planned_", "reported_")) or name.endswith("_target")
            if is_figure and value is not None:
                assert name in supports, (obj["fields"]["code"], name)


def test_there_are_at_least_forty_projects_with_distinct_names():
    names = [obj["fields"]["name"] for obj in facts_of("project")]
    assert len(names) >= 40
    assert len(names) == len(set(names))


def test_no_alias_is_another_projects_name_or_alias():
    projects = facts_of("project")
    owner = {obj["fields"]["name"]: obj["pk"] for obj in projects}
    for obj in projects:
        for alias in filter(None, (a.strip() for a in obj["fields"]["aliases"].splitlines())):
            assert owner.setdefault(alias, obj["pk"]) == obj["pk"], (alias, obj["fields"]["name"])


def test_primary_keys_stay_in_their_ranges():
    ranges = {"zone": 20, "unit": 199, "programme": 50, "project": 499, "annualplan": 999, "milestone": 999,
              "monthlyreport": 999, "source": 4999}
    for model, high in ranges.items():
        assert all(1 <= obj["pk"] <= high for obj in facts_of(model)), model
    assert all(1 <= obj["pk"] <= 99 for obj in fixture(DEMO))


def test_demo_leaders_are_titles_of_the_five_leading_bodies():
    leaders = fixture(DEMO)
    assert {obj["model"] for obj in leaders} == {"projects.leader"}
    bodies = [obj["fields"]["body"] for obj in leaders]
    five = {LeadingBody.PARTY, LeadingBody.CONGRESS, LeadingBody.GOVERNMENT, LeadingBody.CPPCC, LeadingBody.DISCIPLINE}
    assert set(bodies) == five
    assert all(1 <= bodies.count(body) <= 2 for body in five)
    assert all(obj["fields"]["name"] == obj["fields"]["title"] for obj in leaders)


# --- loading into a database ---------------------------------------------------------------------

def test_plain_loaddata_of_the_facts_loads_the_key_figures(db):
    call_command("loaddata", str(FACTS), verbosity=0)

    starkai = project("星凯国际城市综合体")
    jinjiang = project("锦江商业广场暨五星级酒店")
    aileyou = project("爱乐优智能物联机器人项目")
    assert starkai.total_investment == Decimal("200000")
    assert starkai.name_en == "StarKai International City Complex"
    assert "星凯国际" in starkai.alias_list
    assert jinjiang.total_investment == Decimal("100000")
    assert aileyou.total_investment == Decimal("45000")
    assert aileyou.zone.name == "解放工业园区"
    assert AnnualPlan.objects.get(project=starkai, year=2013).planned_investment == Decimal("60000")
    assert AnnualPlan.objects.get(project=jinjiang, year=2013).planned_investment == Decimal("55000")
    october = {r.project_id: r for r in MonthlyReport.objects.filter(year=2013, month=10)}
    assert october[starkai.pk].completed_ytd == Decimal("62000")
    assert october[jinjiang.pk].completed_ytd == Decimal("60000")
    assert {r.status for r in october.values()} == {ReportStatus.ACCEPTED}
    assert Leader.objects.count() == 0


def test_the_2013_plans_reproduce_the_quoted_completion_rates(db):
    call_command("loaddata", str(FACTS), verbosity=0)
    rates = {}
    for report in MonthlyReport.objects.filter(year=2013, month=10).select_related("project"):
        plan = AnnualPlan.objects.get(project=report.project, year=2013)
        rates[report.project.name] = (report.completed_ytd * 100 / plan.planned_investment).quantize(Decimal("0.01"))
    assert rates == {"星凯国际城市综合体": Decimal("103.33"), "锦江商业广场暨五星级酒店": Decimal("109.09")}


def test_programmes_carry_the_figures_the_texts_give(db):
    call_command("loaddata", str(FACTS), verbosity=0)
    p2312 = Programme.objects.get(label="2312")
    assert (p2312.year, p2312.reported_project_count, p2312.reported_total_investment) == (2011, 55, Decimal("1020400"))
    assert p2312.reported_completed_investment == Decimal("209200")
    assert p2312.reported_completion_rate == Decimal("52.2")
    assert str(p2312.reported_as_of) == "2011-06-30"
    p342311 = Programme.objects.get(label="342311")
    assert (p342311.year, p342311.reported_project_count) == (2013, 89)
    assert p342311.reported_total_investment == Decimal("2540000")
    assert p342311.reported_completed_investment == Decimal("685200")
    assert p342311.reported_completion_rate == Decimal("103")
    assert set(p342311.projects.values_list("name", flat=True)) == {"星凯国际城市综合体", "锦江商业广场暨五星级酒店"}
    p432211 = Programme.objects.get(label="432211")
    assert (p432211.planned_new, p432211.planned_continuing, p432211.planned_preparation, p432211.planned_reserve) == (
        42, 39, 25, 23)
    assert (p432211.planned_project_count, p432211.total_investment_target) == (81, Decimal("2950000"))
    # 81 = 42 new + 39 continuing; the 90 亿 of the same sentence is the district's whole fixed-asset target
    assert p432211.planned_new + p432211.planned_continuing == p432211.planned_project_count
    assert p432211.annual_investment_target is None
    assert "90亿元" in p432211.description and "81 = 42个新建 + 39个续建" in p432211.description


def test_every_loaded_fact_has_a_source_and_passes_model_validation(db):
    call_command("loaddata", str(FACTS), verbosity=0)
    for model in (Zone, Unit, Programme, Project, AnnualPlan, Milestone, MonthlyReport):
        assert not model.objects.filter(sources__isnull=True).exists(), model.__name__
        for obj in model.objects.all():
            obj.full_clean()
    for source in Source.objects.all():
        assert source.record is not None, source


def test_load_library_loads_facts_and_demo_leaders_with_their_projects(db):
    call_command("load_library", verbosity=0)

    assert project("星凯国际城市综合体").total_investment == Decimal("200000")
    assert Leader.objects.count() == len(fixture(DEMO))
    assert not Project.objects.filter(leaders__isnull=True).exists()
    assert Project.leaders.through.objects.count() == Project.objects.count()


def test_load_library_without_demo_loads_no_leaders(db):
    call_command("load_library", "--no-demo", verbosity=0)
    assert Project.objects.count() == len(facts_of("project"))
    assert Leader.objects.count() == 0
    assert Project.leaders.through.objects.count() == 0


def test_loading_twice_duplicates_nothing(db):
    call_command("load_library", verbosity=0)
    first = model_counts()
    call_command("load_library", verbosity=0)
    assert model_counts() == first
    call_command("loaddata", str(FACTS), verbosity=0)
    # The facts name no cooperating units: loaded alone, they take the demo's off the 12 demo projects,
    # a change of each (a version with its members); nothing else is added.
    after = model_counts()
    assert after["projects.HistoricalProject"] == first["projects.HistoricalProject"] + 12
    assert after["projects.HistoricalProject_leaders"] == first["projects.HistoricalProject_leaders"] + 12
    assert after["projects.Project"] == first["projects.Project"]
    versioned = {"projects.HistoricalProject", "projects.HistoricalProject_leaders"}
    assert {k: v for k, v in after.items() if k not in versioned} == {
        k: v for k, v in first.items() if k not in versioned}


def test_reloading_the_facts_keeps_the_leader_assignments(db):
    call_command("load_library", verbosity=0)
    assignments = set(Project.leaders.through.objects.values_list("project_id", "leader_id"))
    call_command("loaddata", str(FACTS), verbosity=0)
    call_command("load_library", verbosity=0)
    assert set(Project.leaders.through.objects.values_list("project_id", "leader_id")) == assignments


def test_reloading_the_facts_restores_an_edited_figure_in_place(db):
    call_command("loaddata", str(FACTS), verbosity=0)
    Project.objects.filter(name="星凯国际城市综合体").update(total_investment=Decimal("1"))
    call_command("loaddata", str(FACTS), verbosity=0)
    assert project("星凯国际城市综合体").total_investment == Decimal("200000")
    assert Project.objects.filter(name="星凯国际城市综合体").count() == 1


def test_new_records_after_loading_get_fresh_primary_keys(db):
    call_command("load_library", verbosity=0)
    created = Project.objects.create(name="新建测试项目")
    source = Source.objects.create(
        document="000_b76cfeaad4da6d93.txt", quote="星凯国际", content_type=ContentType.objects.get_for_model(Project),
        object_id=created.pk,
    )
    assert created.pk > max(obj["pk"] for obj in facts_of("project"))
    assert source.pk > max(obj["pk"] for obj in facts_of("source"))
