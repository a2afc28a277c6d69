"""The ranking rules a project office applies, in one place (written out in docs/rankings.md):

1. Order: the higher figure first (completion rate, review score); equal figures share a rank
   (competition ranking: 1, 1, 3) and are listed by name. A project without a figure is not ranked.
2. Top and bottom lists never overlap: of n ranked projects, the bottom list takes at most n // 2
   and the top list at most n // 2 of the others — a list of one project has neither.
3. A project tied with the best is never in the bottom list.
4. A red project (dashboard) is never among the best.
5. A group (a review's category) of one project is not ranked on its own, nor crowned: the
   categories with a single project are ranked together in one combined group.
6. The bottom lists have the configured length, TRACKER_RANKING_BOTTOM (default 3), capped by
   rule 2: the bulletin's 督促（末位） list and a review group's 后进; the dashboard's best and
   worst lists have five (BEST_AND_WORST)."""

from django.conf import settings

# The key of the review group that ranks together the categories with a single project (rule 5).
COMBINED = "combined"
# A category is ranked on its own from this many projects (rule 5).
MIN_GROUP = 2


def bottom_size():
    """The configured length of a bottom list (rule 6)."""
    return max(0, int(settings.TRACKER_RANKING_BOTTOM))


def competition_ranks(values):
    """Ranks for `values` listed best first (rule 1): equal neighbours share a rank."""
    ranks, previous, rank = [], object(), 0
    for position, value in enumerate(values, start=1):
        if value != previous:
            rank = position
        ranks.append(rank)
        previous = value
    return ranks


def split_top_and_bottom(ranked, *, size, key, can_be_top=lambda item: True):
    """(top, bottom) of `ranked` (best first; `key(item)` its figure) under rules 2-4: bottom is the
    last min(size, n // 2) items, worst first, leaving out any tied with the best; top is the
    first min(size, n // 2) of the other items that `can_be_top`, best first."""
    n = len(ranked)
    half = min(size, n // 2)
    if not half:
        return [], []
    best_value = key(ranked[0])
    bottom = [item for item in ranked[n - half:] if key(item) != best_value][::-1]
    in_bottom = {id(item) for item in bottom}
    top = [item for item in ranked if id(item) not in in_bottom and can_be_top(item)][:half]
    return top, bottom


def ranking_groups(items, *, category):
    """{group: [items]} for a review's ranking (rule 5): each category with at least MIN_GROUP
    items is a group; the items of smaller categories form the COMBINED group."""
    by_category = {}
    for item in items:
        by_category.setdefault(category(item), []).append(item)
    groups, combined = {}, []
    for name in sorted(by_category):
        members = by_category[name]
        if len(members) >= MIN_GROUP:
            groups[name] = members
        else:
            combined.extend(members)
    if combined:
        groups[COMBINED] = combined
    return groups
