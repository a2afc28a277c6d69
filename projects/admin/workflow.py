"""Workflow buttons on the record itself (a report's submit / accept / return, a problem's action /
escalate / close), besides the changelist actions. Each button is a POST to
/admin/projects/<model>/<id>/workflow/<step>/, which runs the same service as the list action and
the API, under the same role rules; a step that needs words (a reason, a resolution) asks for them
on a page of its own first. A button shows only to those the service would let through."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from projects.exceptions import DomainError


@dataclass
class Step:
    """One workflow step of a record: `name` in the URL, the button's `label`, who may (`allowed`,
    called with request and object), what it does (`apply`, called with request, object and the
    form's cleaned data), the message when done, and the form asking for words, if any."""

    name: str
    label: str
    allowed: object
    apply: object
    done: str
    form_class: type | None = None
    primary: bool = False


class WorkflowAdminMixin:
    """Adds `workflow_steps(request)` (a list of Step) as buttons to the change form (context
    `workflow_buttons`, rendered by admin/projects/workflow_buttons.html in object-tools)."""

    def workflow_steps(self, request):
        return []

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<int:pk>/workflow/<slug:step>/", self.admin_site.admin_view(self.workflow_view),
                 name=f"{opts.app_label}_{opts.model_name}_workflow"),
        ] + super().get_urls()

    def workflow_buttons(self, request, obj):
        if obj is None or obj.pk is None:
            return []
        opts = self.model._meta
        return [
            {"name": step.name, "label": step.label, "needs_form": step.form_class is not None,
             "primary": step.primary,
             "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_workflow", args=[obj.pk, step.name])}
            for step in self.workflow_steps(request) if step.allowed(request, obj)
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        extra["workflow_buttons"] = self.workflow_buttons(request, obj)
        return super().change_view(request, object_id, form_url, extra)

    def workflow_view(self, request, pk, step):
        obj = self.get_object(request, str(pk))
        chosen = next((s for s in self.workflow_steps(request) if s.name == step), None)
        if obj is None or chosen is None:
            raise Http404
        if not chosen.allowed(request, obj):
            raise PermissionDenied
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        form = None
        if chosen.form_class is not None:
            form = chosen.form_class(request.POST if "apply" in request.POST else None)
        elif request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                with transaction.atomic():
                    chosen.apply(request, obj, form.cleaned_data if form else {})
            except DomainError as exc:
                if form is None:
                    self.message_user(request, "; ".join(str(m) for m in exc.messages), messages.ERROR)
                    return HttpResponseRedirect(back)
                form.add_error(exc.field if exc.field in form.fields else None, exc.messages)
            else:
                self.message_user(request, chosen.done, messages.SUCCESS)
                return HttpResponseRedirect(back)
        return TemplateResponse(request, "admin/projects/workflow_form.html", {
            **self.admin_site.each_context(request), "title": f"{chosen.label}: {obj}", "form": form,
            "object": obj, "opts": opts, "step": chosen, "back": back,
        })
