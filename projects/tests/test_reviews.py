"""The quarterly review (季观摩): criteria, scoring rules, ranking per category, publication."""

import datetime
from decimal import Decimal

import pytest

from projects.choices import Category, Role
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import Leader, Project, ReviewRanking, ReviewScore
from projects.services.rankings import COMBINED
from projects.services.reviews import review_create, review_publish, review_ranking, review_score
from projects.tests.conftest import make_user

D = Decimal


@pytest.fixture
def second_leader(db):
    user = make_user("leader2", Role.LEADER)
    Leader.objects.create(name="副区长", user=user)
    return user


@pytest.fixture
def projects(unit):
    names = {"A": Category.COMMERCE, "B": Category.COMMERCE, "C": Category.COMMERCE, "D": Category.COMMERCE,
             "E": Category.INDUSTRY}
    return {n: Project.objects.create(name=n, category=c, lead_unit=unit) for n, c in names.items()}


@pytest.fixture
def review(office, projects, leader_user, second_leader):
    return review_create(user=office, year=2013, quarter=3, date=datetime.date(2013, 9, 25), title="三季度观摩",
                         projects=projects.values(), reviewers=[leader_user.leader, second_leader.leader])


def score(review, user, project, *values):
    criteria = list(review.criteria.order_by("id"))
    return review_score(review=review, reviewer=user.leader, project=project, user=user,
                        scores={c.pk: D(v) for c, v in zip(criteria, values)})


def test_default_criteria_are_weighted_40_40_20(review):
    assert [(c.name, c.weight) for c in review.criteria.order_by("id")] == [
        ("工作进展", D("40")), ("形象进度", D("40")), ("问题解决", D("20"))]


def test_criteria_weights_are_editable(office, projects, leader_user):
    review = review_create(user=office, year=2013, quarter=4, date=datetime.date(2013, 12, 20), title="q4",
                           projects=[projects["A"]], reviewers=[leader_user.leader],
                           criteria=[("进度", "70"), ("问题", "30", "10")])
    assert [(c.name, c.weight, c.max_score) for c in review.criteria.order_by("id")] == [
        ("进度", D("70"), D("100")), ("问题", D("30"), D("10"))]


def test_ranking_combines_weights_and_reviewers_per_category(review, projects, leader_user, second_leader, settings):
    settings.TRACKER_RANKING_BOTTOM = 3
    score(review, leader_user, projects["A"], 90, 80, 70)
    score(review, second_leader, projects["A"], 80, 90, 100)   # means 85 85 85 → 85
    score(review, leader_user, projects["B"], 60, 70, 80)
    score(review, second_leader, projects["B"], 70, 60, 90)    # means 65 65 85 → 69
    score(review, leader_user, projects["C"], 50, 50, 50)      # → 50
    score(review, leader_user, projects["D"], 100, 100, 0)     # → 80
    score(review, leader_user, projects["E"], 10, 10, 10)      # → 10, alone in its category
    ranking = review_ranking(review=review)
    commerce = [(r.project_name, r.score, r.rank, r.is_top, r.is_bottom) for r in ranking[Category.COMMERCE]]
    assert commerce == [
        ("A", D("85.00"), 1, True, False),
        ("D", D("80.00"), 2, False, False),
        ("B", D("69.00"), 3, False, True),   # bottom: at most half of the category (2 of 4)
        ("C", D("50.00"), 4, False, True),
    ]
    # Alone in its category: ranked in the combined group (here alone too), never crowned 先进.
    assert Category.INDUSTRY not in ranking
    combined = [(r.project_name, r.rank, r.is_top, r.is_bottom) for r in ranking[COMBINED]]
    assert combined == [("E", 1, False, False)]


def test_a_score_out_of_range_is_refused(review, projects, leader_user):
    with pytest.raises(DomainError):
        score(review, leader_user, projects["A"], 101, 50, 50)
    with pytest.raises(DomainError):
        score(review, leader_user, projects["A"], -1, 50, 50)
    assert not ReviewScore.objects.exists()


def test_every_criterion_must_be_scored(review, projects, leader_user):
    with pytest.raises(DomainError):
        score(review, leader_user, projects["A"], 50, 50)


def test_scoring_the_same_project_twice_is_a_conflict(review, projects, leader_user):
    score(review, leader_user, projects["A"], 50, 50, 50)
    with pytest.raises(Conflict):
        score(review, leader_user, projects["A"], 60, 60, 60)
    assert ReviewScore.objects.count() == 3


def test_a_project_not_in_the_review_cannot_be_scored(review, leader_user, unit):
    outside = Project.objects.create(name="outside", lead_unit=unit)
    with pytest.raises(DomainError) as exc:
        score(review, leader_user, outside, 50, 50, 50)
    assert exc.value.field == "project"


def test_the_office_enters_a_reviewers_paper_score_sheet_as_the_role_table_says(review, projects, leader_user,
                                                                                   office):
    criteria = list(review.criteria.all())
    review_score(review=review, reviewer=leader_user.leader, project=projects["A"], user=office,
                 scores={c.pk: D(50) for c in criteria})
    assert review.scores.filter(reviewer=leader_user.leader).count() == len(criteria)


def test_a_leader_cannot_score_as_another_leader(review, projects, leader_user, second_leader):
    criteria = list(review.criteria.all())
    with pytest.raises(NotAllowed):
        review_score(review=review, reviewer=second_leader.leader, project=projects["A"], user=leader_user,
                     scores={c.pk: D(50) for c in criteria})


@pytest.mark.parametrize("persona", ["reporter", "auditor"])
def test_only_leaders_score(review, projects, leader_user, persona, request):
    criteria = list(review.criteria.all())
    with pytest.raises(NotAllowed):
        review_score(review=review, reviewer=leader_user.leader, project=projects["A"],
                     user=request.getfixturevalue(persona), scores={c.pk: D(50) for c in criteria})


def test_a_leader_who_is_not_a_reviewer_cannot_score(review, projects):
    user = make_user("leader3", Role.LEADER)
    Leader.objects.create(name="书记", user=user)
    with pytest.raises(NotAllowed):
        score(review, user, projects["A"], 50, 50, 50)


def test_publishing_freezes_the_ranking(review, projects, leader_user, office):
    score(review, leader_user, projects["A"], 90, 90, 90)
    score(review, leader_user, projects["B"], 50, 50, 50)
    review_publish(review=review, user=office)
    review.refresh_from_db()
    assert review.is_published
    frozen = {(r.project.name, r.score, r.rank, r.is_top, r.is_bottom) for r in ReviewRanking.objects.all()}
    assert frozen == {("A", D("90.00"), 1, True, False), ("B", D("50.00"), 2, False, True)}
    assert [r.project_name for r in review_ranking(review=review)[Category.COMMERCE]] == ["A", "B"]


def test_nothing_changes_after_publication(review, projects, leader_user, office):
    score(review, leader_user, projects["A"], 90, 90, 90)
    review_publish(review=review, user=office)
    with pytest.raises(Conflict):
        score(review, leader_user, projects["B"], 50, 50, 50)
    with pytest.raises(Conflict):
        review_publish(review=review, user=office)


def test_only_office_publishes(review, leader_user):
    with pytest.raises(NotAllowed):
        review_publish(review=review, user=leader_user)
