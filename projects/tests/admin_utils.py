"""Object factories for the generic admin tests: one callable per model registered in the admin.

`FACTORIES[Model](n)` creates and returns the n-th object of `Model` (with whatever it needs), so
that a test can make 5 or 50 distinct objects. A model registered in the admin without a factory
here makes test_admin_library fail: add one when you register a ModelAdmin (e.g. in
projects/admin/tracking.py)."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from projects.choices import Category, MilestoneKind, Role, Stage
from projects.models import (
    AnnualPlan,
    Leader,
    Milestone,
    PlanRevision,
    Profile,
    Programme,
    Project,
    Source,
    Unit,
    Zone,
)


def make_zone(n):
    return Zone.objects.create(code=f"zone-{n}", name=f"园区{n}", name_en=f"Zone {n}")


def make_unit(n):
    return Unit.objects.create(name=f"责任单位{n}", name_en=f"Unit {n}")


def make_leader(n):
    return Leader.objects.create(name=f"分包领导{n}", title="副区长", body="government", unit=make_unit(f"L{n}"))


def make_programme(n):
    return Programme.objects.create(code=f"programme-{n}", year=2013, label=f"34231{n}", name=f"项目推进计划{n}")


def make_project(n):
    """A project with everything a changelist row shows: zone, lead unit, a cooperating unit,
    a leader, a programme, an annual plan and a source."""
    project = Project.objects.create(
        name=f"重点项目{n}", name_en=f"Key project {n}", aliases=f"项目{n}", category=Category.INDUSTRY,
        stage=Stage.CONTINUING, zone=make_zone(f"P{n}"), lead_unit=make_unit(f"P{n}"),
        total_investment=Decimal("200000"),
    )
    project.cooperating_units.add(make_unit(f"C{n}"))
    project.leaders.add(make_leader(f"P{n}"))
    project.programmes.add(make_programme(f"P{n}"))
    AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("60000"))
    make_source_for(project, n)
    return project


def make_plain_project(n):
    return Project.objects.create(name=f"项目{n}", name_en=f"Project {n}")


def make_annual_plan(n):
    plan = AnnualPlan.objects.create(project=make_plain_project(f"A{n}"), year=2013,
                                     planned_investment=Decimal("60000"))
    PlanRevision.objects.create(plan=plan, effective_month=7, planned_investment=Decimal("55000"),
                                reason="计划调整", revised_on=datetime.date(2013, 7, 1))
    return plan


def make_plan_revision(n):
    plan = AnnualPlan.objects.create(project=make_plain_project(f"R{n}"), year=2013,
                                     planned_investment=Decimal("60000"))
    return PlanRevision.objects.create(plan=plan, effective_month=7, planned_investment=Decimal("55000"),
                                       reason="计划调整", revised_on=datetime.date(2013, 7, 1),
                                       revised_by=make_user(f"R{n}"))


def make_milestone(n):
    return Milestone.objects.create(project=make_plain_project(f"M{n}"), kind=MilestoneKind.START,
                                    planned_date=datetime.date(2013, 3, 1))


def make_source_for(record, n):
    return Source.objects.create(document="000.txt", quote=f"引文{n}", supports="总投资",
                                 content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


def make_source(n):
    return make_source_for(make_plain_project(f"S{n}"), n)


def make_user(n):
    # No password: hashing one for each of 50 users would dominate the test's run time.
    return get_user_model().objects.create(username=f"user-{n}", password="!")


def make_profile(n):
    return Profile.objects.create(user=make_user(f"P{n}"), role=Role.REPORTER, unit=make_unit(f"U{n}"))


FACTORIES = {
    Zone: make_zone,
    Unit: make_unit,
    Leader: make_leader,
    Programme: make_programme,
    Project: make_project,
    AnnualPlan: make_annual_plan,
    PlanRevision: make_plan_revision,
    Milestone: make_milestone,
    Source: make_source,
    Profile: make_profile,
}


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def project_models(site):
    """The models of app `projects` registered on `site`, in a stable order."""
    return sorted((m for m in site._registry if m._meta.app_label == "projects"), key=lambda m: m._meta.model_name)


def _form_values(form):
    """What a browser would post back for `form` as rendered."""
    data = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        key = bound.html_name
        if value is None:
            data[key] = [] if isinstance(bound.field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)) else ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[key] = str(getattr(value, "pk", value))
    return data


def admin_form_data(response, **changes):
    """The POST data of an admin add/change page as rendered in `response` (main form, every
    inline's management form and rows), with `changes` applied (keys are HTML field names)."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    data.update(changes)
    return data
