"""The admin screens of the project library: every registered screen renders, no changelist runs a
query per row, constraints come back as form errors, Chinese by default and English on request."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import AnnualPlan, Leader, Milestone, Profile, Programme, Project, Source, Zone
from projects.tests.admin_utils import FACTORIES, admin_form_data, admin_url, make_source_for, project_models

REGISTERED = project_models(admin.site)


def model_id(model):
    return model._meta.model_name


def factory(model):
    assert model in FACTORIES, (
        f"{model.__name__} is registered in the admin but has no factory in projects/tests/admin_utils.py FACTORIES"
    )
    return FACTORIES[model]


def test_the_whole_library_is_registered():
    names = {model.__name__ for model in REGISTERED}
    assert {"Zone", "Unit", "Leader", "Programme", "Project", "AnnualPlan", "PlanRevision", "Milestone",
            "Source", "Profile"} <= names


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_every_changelist_renders_for_a_superuser(admin_client, model):
    factory(model)(1)
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_every_add_form_renders_for_a_superuser(admin_client, admin_user, rf, model):
    request = rf.get("/")
    request.user = admin_user
    response = admin_client.get(admin_url(model, "add"))
    if not admin.site._registry[model].has_add_permission(request):
        # Frozen records (bulletin entries, rankings, results) are made by publishing, never by hand.
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert "adminform" in response.context


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_every_change_form_renders_for_a_superuser(admin_client, model):
    obj = factory(model)(1)
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_an_anonymous_user_is_sent_to_the_login_page(client, db, model):
    obj = factory(model)(1)
    for url in (admin_url(model, "changelist"), admin_url(model, "add"), admin_url(model, "change", obj.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_a_changelist_runs_as_many_queries_for_50_objects_as_for_5(admin_client, model):
    make = factory(model)
    url = admin_url(model, "changelist")
    for n in range(5):
        make(n)
    admin_client.get(url)  # warms the content-type and session caches
    with CaptureQueriesContext(connection) as five:
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 5
    for n in range(5, 50):
        make(n)
    with CaptureQueriesContext(connection) as fifty:
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 50
    assert len(fifty) == len(five), "\n".join(q["sql"] for q in fifty.captured_queries)


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_every_history_page_renders_for_a_superuser(admin_client, model):
    obj = factory(model)(1)
    response = admin_client.get(admin_url(model, "history", obj.pk))
    assert response.status_code == 200


def test_the_user_changelist_shows_roles_in_a_fixed_number_of_queries(admin_client, db):
    url = reverse("admin:auth_user_changelist")
    for n in range(5):
        FACTORIES[Profile](n)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as five:
        admin_client.get(url)
    for n in range(5, 50):
        FACTORIES[Profile](n)
    with CaptureQueriesContext(connection) as fifty:
        response = admin_client.get(url)
    assert len(fifty) == len(five)
    assert "单位填报员" in response.content.decode()


# Constraints and validators come back as form errors and nothing is stored.


def post_form(client, url, **changes):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, admin_form_data(page, **changes))


def assert_refused(response, message):
    assert response.status_code == 200, "the form was accepted"
    assert response.context["errors"], "the form shows no error"
    assert message in response.content.decode()


def test_it_rejects_negative_total_investment(admin_client, db):
    response = post_form(admin_client, admin_url(Project, "add"), name="新项目", total_investment="-5")
    assert_refused(response, "总投资不能为负数。")
    assert not Project.objects.filter(name="新项目").exists()


def test_it_rejects_negative_total_investment_on_change(admin_client, project):
    response = post_form(admin_client, admin_url(Project, "change", project.pk), total_investment="-1")
    assert_refused(response, "总投资不能为负数。")
    project.refresh_from_db()
    assert project.total_investment == Decimal("200000")


def test_it_rejects_completion_before_start(admin_client, db):
    response = post_form(admin_client, admin_url(Project, "add"), name="新项目",
                         planned_start="2013-06-01", planned_completion="2013-01-01")
    assert_refused(response, "计划竣工日期不能早于计划开工日期。")
    assert not Project.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("code", ["2013-41", "2013-410802-70-01-00001x", "1800-410802-70-01-00001X"])
def test_it_rejects_a_malformed_project_code(admin_client, db, code):
    response = post_form(admin_client, admin_url(Project, "add"), name="新项目", code=code)
    assert_refused(response, "全国投资项目代码")
    assert not Project.objects.filter(name="新项目").exists()


def test_it_accepts_a_well_formed_project_code(admin_client, db):
    response = post_form(admin_client, admin_url(Project, "add"), name="新项目", code="2013-410802-70-01-00001X",
                         category="industry", stage="new")
    assert response.status_code == 302
    assert Project.objects.get(name="新项目").code == "2013-410802-70-01-00001X"


def test_it_rejects_a_second_plan_for_the_same_project_and_year(admin_client, plan):
    response = post_form(admin_client, admin_url(AnnualPlan, "add"), project=str(plan.project.pk), year="2013",
                         planned_investment="1000")
    assert_refused(response, "该项目已有该年度的投资计划。")
    assert AnnualPlan.objects.count() == 1


def test_it_rejects_a_duplicate_year_in_the_project_plans_inline(admin_client, plan):
    url = admin_url(Project, "change", plan.project.pk)
    page = admin_client.get(url)
    data = admin_form_data(page, **{
        "annual_plans-TOTAL_FORMS": "2",
        "annual_plans-1-year": "2013",
        "annual_plans-1-planned_investment": "1000",
        "annual_plans-1-project": str(plan.project.pk),
    })
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "该项目已有该年度的投资计划。" in response.content.decode()
    assert AnnualPlan.objects.count() == 1


def test_it_rejects_negative_planned_investment(admin_client, project):
    response = post_form(admin_client, admin_url(AnnualPlan, "add"), project=str(project.pk), year="2014",
                         planned_investment="-100")
    assert_refused(response, "计划投资不能为负数。")
    assert not AnnualPlan.objects.exists()


def test_it_rejects_negative_planned_investment_in_the_project_plans_inline(admin_client, project):
    url = admin_url(Project, "change", project.pk)
    page = admin_client.get(url)
    data = admin_form_data(page, **{
        "annual_plans-TOTAL_FORMS": "1",
        "annual_plans-0-year": "2014",
        "annual_plans-0-planned_investment": "-100",
        "annual_plans-0-project": str(project.pk),
    })
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "计划投资不能为负数。" in response.content.decode()
    assert not AnnualPlan.objects.exists()


def test_it_rejects_a_milestone_without_any_date(admin_client, project):
    response = post_form(admin_client, admin_url(Milestone, "add"), project=str(project.pk),
                         kind="start")
    assert_refused(response, "时间节点须有计划日期或实际日期。")
    assert not Milestone.objects.exists()


def test_it_rejects_a_negative_programme_target(admin_client, db):
    response = post_form(admin_client, admin_url(Programme, "add"), code="p2014", year="2014", label="432211",
                         name="项目推进计划", annual_investment_target="-1")
    assert_refused(response, "投资目标不能为负数。")
    assert not Programme.objects.exists()


def test_it_rejects_a_reporter_profile_without_unit(admin_client, db):
    user = get_user_model().objects.create_user(username="clerk", password="pw-clerk-123456")
    response = post_form(admin_client, admin_url(Profile, "add"), user=str(user.pk), role="reporter")
    assert_refused(response, "单位填报员必须隶属于一个单位。")
    assert not Profile.objects.exists()


# What a clerk reads.


def test_the_admin_is_chinese_by_default(admin_client, project):
    response = admin_client.get(admin_url(Project, "changelist"))
    content = response.content.decode()
    assert "解放区重点项目管理系统" in content
    assert "项目" in content
    assert "总投资" in content
    assert "20.00 亿元" in content


def test_the_language_switcher_turns_the_admin_english(admin_client, project):
    response = admin_client.post(reverse("set_language"), {"language": "en", "next": admin_url(Project, "changelist")})
    assert response.status_code == 302
    content = admin_client.get(admin_url(Project, "changelist")).content.decode()
    assert "Jiefang District Major Project Tracker" in content
    assert "otal investment" in content
    assert "总投资" not in content


def test_the_language_cookie_selects_english(admin_client, project):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = admin_client.get(admin_url(Project, "changelist")).content.decode()
    assert "Select project to change" in content
    assert "2.00 billion yuan" in content and "hundred million" not in content


@pytest.mark.parametrize("wan, chinese, english", [
    ("200000", "20.00 亿元", "2.00 billion yuan"),
    ("12000", "1.20 亿元", "120 million yuan"),
    ("100000", "10.00 亿元", "1.00 billion yuan"),
    ("3500", "0.35 亿元", "35 million yuan"),
    ("1234.5", "0.12 亿元", "12.35 million yuan"),
    ("12345678", "1,234.57 亿元", "123.46 billion yuan"),
])
def test_yi_reads_as_people_say_it_in_each_language(wan, chinese, english):
    from django.utils import translation

    from projects.admin.common import format_yi

    with translation.override("zh-hans"):
        assert format_yi(Decimal(wan)) == chinese
    with translation.override("en"):
        assert format_yi(Decimal(wan)) == english


def test_every_page_offers_the_language_switcher(admin_client, db):
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert f'action="{reverse("set_language")}"' in content
    assert 'value="en"' in content


@pytest.mark.parametrize("query", ["星凯国际", "StarKai", "starkai international"])
def test_search_finds_a_project_by_name_english_name_or_alias(admin_client, project, query):
    Project.objects.create(name="锦江国际商业广场及五星级酒店", aliases="锦江商业广场")
    response = admin_client.get(admin_url(Project, "changelist"), {"q": query})
    assert list(response.context["cl"].result_list) == [project]


def test_search_finds_a_project_by_an_alias_that_is_not_in_its_name(admin_client, project):
    jinjiang = Project.objects.create(name="锦江国际商业广场及五星级酒店", aliases="锦江商业广场\n锦江广场")
    response = admin_client.get(admin_url(Project, "changelist"), {"q": "锦江商业广场"})
    assert list(response.context["cl"].result_list) == [jinjiang]


def test_the_project_list_links_to_zone_and_lead_unit(admin_client, project):
    content = admin_client.get(admin_url(Project, "changelist")).content.decode()
    assert f'href="{admin_url(Zone, "change", project.zone.pk)}"' in content
    assert f'href="{admin_url(project.lead_unit.__class__, "change", project.lead_unit.pk)}"' in content


def test_a_zone_links_to_its_projects(admin_client, project):
    content = admin_client.get(admin_url(Zone, "changelist")).content.decode()
    assert f'href="{admin_url(Project, "changelist")}?zone__id__exact={project.zone.pk}"' in content
    assert "1 个项目" in content
    filtered = admin_client.get(admin_url(Project, "changelist"), {"zone__id__exact": project.zone.pk})
    assert list(filtered.context["cl"].result_list) == [project]


def test_a_leader_and_a_programme_link_to_their_projects(admin_client, project):
    leader = Leader.objects.create(name="区长")
    programme = Programme.objects.create(code="p2013", year=2013, label="342311", name="项目推进计划")
    project.leaders.add(leader)
    project.programmes.add(programme)
    for model, lookup, pk in ((Leader, "leaders__id__exact", leader.pk),
                              (Programme, "programmes__id__exact", programme.pk)):
        content = admin_client.get(admin_url(model, "changelist")).content.decode()
        assert f"?{lookup}={pk}" in content
        filtered = admin_client.get(admin_url(Project, "changelist"), {lookup: pk})
        assert list(filtered.context["cl"].result_list) == [project]


def test_projects_filter_by_the_year_of_their_annual_plan(admin_client, plan):
    Project.objects.create(name="无计划项目")
    response = admin_client.get(admin_url(Project, "changelist"), {"plan_year": "2013"})
    assert list(response.context["cl"].result_list) == [plan.project]
    response = admin_client.get(admin_url(Project, "changelist"), {"plan_year": "2014"})
    assert list(response.context["cl"].result_list) == []


def test_the_source_list_shows_the_quote_and_links_to_the_record(admin_client, project):
    source = make_source_for(project, 1)
    content = admin_client.get(admin_url(Source, "changelist")).content.decode()
    assert source.quote in content
    assert f'href="{admin_url(Project, "change", project.pk)}"' in content


def test_the_project_form_edits_its_sources_inline(admin_client, project):
    url = admin_url(Project, "change", project.pk)
    page = admin_client.get(url)
    prefix = "projects-source-content_type-object_id"
    data = admin_form_data(page, **{
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-document": "000.txt",
        f"{prefix}-0-quote": "星凯国际已完成投资6.2亿元",
        f"{prefix}-0-supports_0": "total_investment", f"{prefix}-0-supports_1": "(20亿元)",
        f"{prefix}-0-supports_2": "", f"{prefix}-0-supports_3": "累计完成投资",
    })
    assert admin_client.post(url, data).status_code == 302
    assert [(s.quote, s.supports) for s in project.sources.all()] == [
        ("星凯国际已完成投资6.2亿元", "total_investment (20亿元); 累计完成投资")]
    # The source's page on its record: the field by its name, the note as written, one empty row.
    page = admin_client.get(url)
    form = [inline for inline in page.context["inline_admin_formsets"]
            if inline.formset.prefix == prefix][0].formset.forms[0]
    assert form["supports"].value() == "total_investment (20亿元); 累计完成投资"
    html = str(form["supports"])
    assert '<option value="total_investment" selected>总投资</option>' in html
    assert 'value="(20亿元)"' in html and 'value="累计完成投资"' in html
    assert html.count("<select") == 3
    # Saved again unchanged, it is not a change.
    before = project.sources.get().history.count()
    assert admin_client.post(url, admin_form_data(page)).status_code == 302
    assert project.sources.get().history.count() == before


def test_a_sources_own_page_picks_the_fields_by_name(admin_client, project):
    source = Source.objects.create(record=project, document="000.txt", quote="星凯国际", supports="aliases (星凯国际)")
    url = admin_url(Source, "change", source.pk)
    page = admin_client.get(url)
    html = str(page.context["adminform"].form["supports"])
    assert '<option value="aliases" selected>别称</option>' in html and 'value="(星凯国际)"' in html
    response = admin_client.post(url, admin_form_data(page, supports_0="name", supports_2="stage"))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.supports == "name (星凯国际); stage"


def test_the_user_form_edits_the_profile_inline(admin_client, reporter):
    response = admin_client.get(reverse("admin:auth_user_change", args=[reporter.pk]))
    assert response.status_code == 200
    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert [fs.model.__name__ for fs in formsets] == ["Profile"]
    assert formsets[0].forms[0].instance == reporter.profile


def test_version_and_creation_time_are_read_only(admin_client, project):
    response = admin_client.get(admin_url(Project, "change", project.pk))
    form_fields = response.context["adminform"].form.fields
    assert "version" not in form_fields
    assert "created_at" not in form_fields
    assert "version" in response.context["adminform"].readonly_fields


def test_a_planned_completion_date_is_stored_when_valid(admin_client, db):
    response = post_form(admin_client, admin_url(Project, "add"), name="新项目", total_investment="200000",
                         category="industry", stage="new", planned_start="2013-01-01",
                         planned_completion="2015-12-31")
    assert response.status_code == 302
    project = Project.objects.get(name="新项目")
    assert project.planned_completion == datetime.date(2015, 12, 31)


def test_the_project_add_form_has_no_preselected_category_or_stage(admin_client):
    """A clerk chooses the category and stage of a new project: the form offers "---------" for both
    and refuses to save without them, naming each field."""
    from projects.tests.page_text import page_text

    url = reverse("admin:projects_project_add")
    page = admin_client.get(url)
    html = page.content.decode()
    for name in ("category", "stage"):
        select = html[html.index(f'name="{name}"'):]
        select = select[:select.index("</select>")]
        assert '<option value="" selected>---------</option>' in select, name
        assert select.count("selected") == 1, name
    response = admin_client.post(url, admin_form_data(page, name="未分类项目"))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"category", "stage"}
    errors = page_text(response.content)
    assert "该字段是必填项。\n类别:" in errors and "该字段是必填项。\n项目阶段:" in errors
    assert not Project.objects.filter(name="未分类项目").exists()
    response = admin_client.post(url, admin_form_data(page, name="未分类项目", category="industry", stage="new"))
    assert response.status_code == 302
    assert Project.objects.filter(name="未分类项目", category="industry", stage="new").exists()
    # The change form shows the project's own choice, with no empty option to fall back to.
    project = Project.objects.get(name="未分类项目")
    html = admin_client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    select = html[html.index('name="stage"'):]
    assert '<option value="new" selected>' in select[:select.index("</select>")]
    assert '<option value="">' not in select[:select.index("</select>")]
