"""Enumerations of the domain. Stored values are short English codes; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    LEADING_BODY = "leading_body", _("Leading body")
    BUREAU = "bureau", _("Bureau")
    SUBDISTRICT = "subdistrict", _("Sub-district office")
    PARK = "park", _("Park or zone committee")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class LeadingBody(models.TextChoices):
    """The five leading bodies whose leaders each take projects (五大班子领导分包项目责任制)."""

    PARTY = "party", _("District Party Committee")
    CONGRESS = "congress", _("District People's Congress")
    GOVERNMENT = "government", _("District Government")
    CPPCC = "cppcc", _("District CPPCC")
    DISCIPLINE = "discipline", _("District Discipline Commission")
    OTHER = "other", _("Other")


class ZoneKind(models.TextChoices):
    FOUR_ZONES = "four_zones", _("One of the four zones (四区联建)")
    DEMONSTRATION = "demonstration", _("Demonstration zone")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    COMMERCE = "commerce", _("Commerce")
    INDUSTRY = "industry", _("Industry")
    CULTURE_TOURISM = "culture_tourism", _("Culture and tourism")
    URBAN_COMMUNITY = "urban_community", _("Urban community / resettlement")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    LIVELIHOOD = "livelihood", _("Livelihood")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    """Stages of a project and what each is pushed towards:
    新建项目快开工，在建项目快推进，运作项目快落地，储备项目快签约."""

    RESERVE = "reserve", _("Reserve")
    PREPARATION = "preparation", _("Preparation")
    NEW = "new", _("New start")
    CONTINUING = "continuing", _("Continuing")
    COMPLETED = "completed", _("Completed")


STAGE_GOALS = {
    Stage.RESERVE: _("Sign quickly"),
    Stage.PREPARATION: _("Land quickly"),
    Stage.NEW: _("Start quickly"),
    Stage.CONTINUING: _("Advance quickly"),
    Stage.COMPLETED: _("In operation"),
}


class KeyLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial key project")
    CITY = "city", _("City key project")
    DISTRICT = "district", _("District key project")


class MilestoneKind(models.TextChoices):
    SIGNING = "signing", _("Signing")
    START = "start", _("Construction start")
    TOPPING_OUT = "topping_out", _("Topping-out")
    COMPLETION = "completion", _("Completion")
    PRODUCTION = "production", _("In production")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Light(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly meeting")
    MONTHLY_REPORT = "monthly_report", _("Monthly report meeting")
    MONTHLY_ONSITE = "monthly_onsite", _("Monthly on-site office meeting")
    QUARTERLY_REVIEW = "quarterly_review", _("Quarterly on-site review")
    HALF_YEAR = "half_year", _("Half-year evaluation")
    YEAR_END = "year_end", _("Year-end evaluation")
    SUPERVISION = "supervision", _("Supervision inspection")
    OTHER = "other", _("Other")


class ProblemCategory(models.TextChoices):
    LAND_CLEARANCE = "land_clearance", _("Land acquisition and demolition")
    PLANNING = "planning", _("Planning approval")
    LAND_FORMALITIES = "land_formalities", _("Land formalities")
    FUNDING = "funding", _("Funding")
    LABOUR = "labour", _("Labour")
    UTILITIES = "utilities", _("Water, power, gas and heat")
    OTHER = "other", _("Other")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated to the leadership")


class ProblemOrigin(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    INSPECTION = "inspection", _("Supervision inspection")
    REPORT = "report", _("Monthly report")
    OTHER = "other", _("Other")


class EvaluationKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Half-year preliminary evaluation")
    YEAR_END = "year_end", _("Year-end evaluation")


class EvaluationSubject(models.TextChoices):
    PROJECT = "project", _("Project")
    UNIT = "unit", _("Responsible unit")


class Role(models.TextChoices):
    """What an account may do; see projects/permissions.py for the table."""

    OFFICE = "office", _("Project office staff")
    REPORTER = "reporter", _("Unit reporter")
    LEADER = "leader", _("Responsible leader")
    AUDITOR = "auditor", _("Read-only auditor")


class WebhookKind(models.TextChoices):
    """Group robots a unit's webhook posts to (群机器人)."""

    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")


class ReminderKind(models.TextChoices):
    REPORT_DUE = "report_due", _("Monthly report due")
    REPORT_OVERDUE = "report_overdue", _("Monthly report overdue")
    PROBLEM_DUE = "problem_due", _("Problem deadline near")
    PROBLEM_OVERDUE = "problem_overdue", _("Problem past its deadline")
    REVIEW_UNSCORED = "review_unscored", _("Review not scored")


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    NONE = "none", _("No contact on record")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (retried on the next run)")
    NO_CONTACT = "no_contact", _("Not sent: no contact on record")
class AttachmentKind(models.TextChoices):
    """What an attachment of a report or a problem is: a site photo (形象进度照片) or a document."""

    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")
