from projects.models.library import (  # noqa: F401
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
from projects.models.tracking import (  # noqa: F401
    Bulletin,
    BulletinEntry,
    Decision,
    Evaluation,
    EvaluationResult,
    Meeting,
    MeetingItem,
    MonthlyReport,
    Problem,
    ProblemAction,
    Review,
    ReviewCriterion,
    ReviewRanking,
    ReviewScore,
    WeeklyPlan,
)
from projects.models.reminders import Reminder  # noqa: F401
from projects.models.attachments import Attachment  # noqa: F401,E402
from projects.models.tokens import ApiToken  # noqa: F401,E402
