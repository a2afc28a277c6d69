"""年度结转 in the admin (office): pick the year, see the preview (what is carried, what is closed, the
draft programme's counts), confirm. Like the imports: nothing is written before the confirmation, and
the confirmation recomputes and applies in one transaction."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.choices import Role, Stage
from projects.exceptions import DomainError
from projects.services.roles import role_of
from projects.services.rollover import year_rollover_apply, year_rollover_preview


class RolloverForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Carry over from year"), min_value=2000, max_value=2099)


def rollover_view(request):
    """GET: the form; POST: the preview; POST with confirm: apply and go to the draft programme."""
    if role_of(request.user) != Role.OFFICE:
        raise PermissionDenied
    form = RolloverForm(request.POST or None, initial={"year": timezone.localdate().year})
    preview = None
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            if "confirm" in request.POST:
                result = year_rollover_apply(year=year, user=request.user)
                messages.success(request, _("Year %(year)s is opened: %(carried)s projects carried with draft "
                                            "plans, %(closed)s completed projects closed.") % {
                    "year": result.next_year, **result.counts})
                return HttpResponseRedirect(reverse("admin:projects_programme_change",
                                                    args=[result.programme["id"]]))
            preview = year_rollover_preview(year=year, user=request.user)
        except DomainError as exc:
            form.add_error("year" if exc.field == "year" or exc.field is None else None, exc.messages)
    stage_labels = dict(Stage.choices)
    return TemplateResponse(request, "admin/projects/rollover.html", {
        **admin.site.each_context(request), "title": _("Open the next year"), "form": form, "preview": preview,
        "stage_counts": [(stage_labels[s], n) for s, n in preview.counts["by_stage"].items()] if preview else [],
        "stage_labels": stage_labels,
    })


urlpatterns = [path("", admin.site.admin_view(rollover_view), name="year_rollover")]
