"""Plan revisions (计划调整): the baseline stays, a revision takes effect from a month."""

from django.db import transaction
from django.utils.translation import gettext as _

from projects.exceptions import DomainError
from projects.models import PlanRevision
from projects.permissions import require
from projects.services.validation import clean_or_raise


@transaction.atomic
def plan_revise(*, plan, user, effective_month, planned_investment, reason, revised_on):
    """Add a PlanRevision; AnnualPlan.planned_investment (the baseline) is left as it was."""
    require(user, "plan-revisions", "create", data={"plan": plan})
    if not (reason or "").strip():
        raise DomainError(_("A plan revision needs a reason."), field="reason", code="reason_required")
    revision = PlanRevision(plan=plan, effective_month=effective_month, planned_investment=planned_investment,
                            reason=reason, revised_on=revised_on, revised_by=user)
    clean_or_raise(revision)
    revision.save()
    return revision
