"""The quarterly on-site review (季观摩): leaders score the projects they visit, the scores are
ranked per category and published — 激励先进，鞭策后进."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import Category, PublicationStatus
from projects.exceptions import Conflict, DomainError
from projects.models import Review, ReviewCriterion, ReviewRanking, ReviewScore
from projects.services.bulletins import round2
from projects.services.rankings import (
    COMBINED,
    MIN_GROUP,
    bottom_size,
    competition_ranks,
    ranking_groups,
    split_top_and_bottom,
)
from projects.permissions import require
from projects.services.roles import leader_of
from projects.services.validation import clean_or_raise
from projects.audit import audit_event

DEFAULT_CRITERIA = [("工作进展", Decimal("40")), ("形象进度", Decimal("40")), ("问题解决", Decimal("20"))]
HUNDRED = Decimal("100")


@transaction.atomic
def review_create(*, user, year, quarter, date, title, projects, reviewers, criteria=None):
    """Create a review with its projects, reviewers and weighted criteria: `criteria` is a list of
    (name, weight) or (name, weight, max_score); by default 工作进展 40, 形象进度 40, 问题解决 20."""
    require(user, "reviews", "create")
    review = Review(year=year, quarter=quarter, date=date, title=title)
    clean_or_raise(review)
    review.save()
    review.projects.set(projects)
    review.reviewers.set(reviewers)
    for spec in criteria or DEFAULT_CRITERIA:
        name, weight, *rest = spec
        criterion = ReviewCriterion(review=review, name=name, weight=Decimal(weight))
        if rest:
            criterion.max_score = Decimal(rest[0])
        clean_or_raise(criterion)
        criterion.save()
    if not review.criteria.exists():
        raise DomainError(_("A review needs at least one criterion."), field="criteria")
    return review


def _require_draft(review):
    if review.is_published:
        raise Conflict(_("This review is published; its scores and ranking are frozen."), code="published")


@transaction.atomic
def review_score(*, review, reviewer, project, scores, user, comment=""):
    """Record one reviewer's scores of one project: {criterion_id: Decimal} for every criterion."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_draft(review)
    require(user, "review-scores", "create", data={"review": review, "reviewer": reviewer})
    if not review.reviewers.filter(pk=reviewer.pk).exists():
        raise DomainError(_("%(reviewer)s is not a reviewer of this review.") % {"reviewer": reviewer},
                          field="reviewer", code="not_reviewer")
    if not review.projects.filter(pk=project.pk).exists():
        raise DomainError(_("This project is not part of the review."), field="project", code="not_in_review")
    if ReviewScore.objects.filter(review=review, reviewer=reviewer, project=project).exists():
        raise Conflict(_("You have already scored this project."), code="already_scored")
    criteria = {c.pk: c for c in review.criteria.all()}
    given = {int(k): v for k, v in scores.items()}
    if set(given) != set(criteria):
        raise DomainError(_("Score every criterion of the review, and only those."), field="scores")
    created = []
    for criterion_id, value in given.items():
        criterion = criteria[criterion_id]
        value = Decimal(value)
        if not 0 <= value <= criterion.max_score:
            raise DomainError(_("%(name)s: a score is between 0 and %(max)s.")
                              % {"name": criterion.name, "max": criterion.max_score}, field="scores")
        score = ReviewScore(review=review, project=project, reviewer=reviewer, criterion=criterion, score=value,
                            comment=comment)
        clean_or_raise(score, exclude=["scored_at"])
        created.append(score)
    try:
        with transaction.atomic():
            for score in created:
                score.save()
    except IntegrityError as exc:
        raise Conflict(_("You have already scored this project."), code="already_scored") from exc
    return created


def project_review_score(scores):
    """A project's score in one review from its ReviewScore rows: the weighted average over criteria
    of the mean over reviewers, each criterion normalised to 0..100 by its maximum score."""
    by_criterion = defaultdict(list)
    for score in scores:
        by_criterion[score.criterion].append(score.score)
    if not by_criterion:
        return None
    weighted = sum(c.weight * (sum(v) / len(v)) * HUNDRED / c.max_score for c, v in by_criterion.items())
    return round2(weighted / sum(c.weight for c in by_criterion))


@dataclass
class RankingRow:
    project_id: int
    project_name: str
    category: str
    score: Decimal
    rank: int = 0
    is_top: bool = False
    is_bottom: bool = False
    score_ids: list = field(default_factory=list)

    @property
    def category_label(self):
        return dict(Category.choices).get(self.category, self.category)


def _mark(rows):
    """Rank one ranking group (services.rankings): competition ranking by score; top (激励先进) =
    rank 1 when the group has two projects or more and not all scores are equal; bottom (鞭策后进)
    = the last TRACKER_RANKING_BOTTOM places, at most half of the group, none tied with the top."""
    rows.sort(key=lambda r: (-r.score, r.project_name))
    for row, rank in zip(rows, competition_ranks([r.score for r in rows])):
        row.rank = rank
        row.is_top = row.is_bottom = False
    _, bottom = split_top_and_bottom(rows, size=bottom_size(), key=lambda r: r.score)
    for row in bottom:
        row.is_bottom = True
    if len(rows) >= MIN_GROUP and rows[0].score != rows[-1].score:
        for row in rows:
            row.is_top = row.rank == 1
    return rows


def group_label(key):
    """The heading of a ranking group: the category's name, or the combined group's."""
    if key == COMBINED:
        return _("Categories with one project, ranked together")
    return str(dict(Category.choices).get(key, key))


def review_ranking(*, review):
    """The review's ranking per group (services.rankings.ranking_groups: a category of two projects
    or more, the combined group of the others): {group: [RankingRow, ...]} in rank order. A
    published review returns its frozen ranking, grouped by the same rule."""
    if review.is_published:
        frozen = [RankingRow(project_id=r.project_id, project_name=r.project.name, category=r.category,
                             score=r.score, rank=r.rank, is_top=r.is_top, is_bottom=r.is_bottom)
                  for r in review.rankings.select_related("project").order_by("rank", "project__name")]
        # The combined group gathers several categories: put its rows back in rank order.
        return {group: sorted(rows, key=lambda r: (r.rank, r.project_name))
                for group, rows in ranking_groups(frozen, category=lambda r: r.category).items()}
    scores = defaultdict(list)
    for score in review.scores.select_related("criterion", "project"):
        scores[score.project].append(score)
    rows = [RankingRow(project_id=project.pk, project_name=project.name, category=project.category,
                       score=project_review_score(project_scores), score_ids=sorted(s.pk for s in project_scores))
            for project, project_scores in scores.items()]
    return {group: _mark(members) for group, members in ranking_groups(rows, category=lambda r: r.category).items()}


@transaction.atomic
def review_publish(*, review, user):
    """Freeze the ranking into ReviewRanking; afterwards nothing of the review changes."""
    require(user, "reviews", "publish", record=review)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_draft(review)
    ranking = review_ranking(review=review)
    bulk_create_with_history(model=ReviewRanking, default_user=user, objs=[
        ReviewRanking(review=review, project_id=row.project_id, category=row.category, score=row.score,
                      rank=row.rank, is_top=row.is_top, is_bottom=row.is_bottom)
        for rows in ranking.values() for row in rows
    ])
    review.status = PublicationStatus.PUBLISHED
    review.published_at = timezone.now()
    review.save()
    audit_event("review.published", user=user, review_id=review.pk, review=str(review))
    return review
