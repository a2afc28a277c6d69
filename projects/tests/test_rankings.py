"""The ranking rules of docs/rankings.md at their boundaries (services.rankings), and where they show:
the dashboard's best and worst five, the bulletin's 督促（末位） list, a review's 先进 and 后进."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from projects.services.rankings import COMBINED, competition_ranks, ranking_groups, split_top_and_bottom

D = Decimal


def ranked(*figures, red=()):
    """Items named A, B, C … with these figures, best first; `red`: names of red ones."""
    items = [SimpleNamespace(name=chr(65 + i), value=D(v), red=chr(65 + i) in red) for i, v in enumerate(figures)]
    return sorted(items, key=lambda item: (-item.value, item.name))


def split(items, size):
    top, bottom = split_top_and_bottom(items, size=size, key=lambda item: item.value,
                                       can_be_top=lambda item: not item.red)
    return "".join(item.name for item in top), "".join(item.name for item in bottom)


@pytest.mark.parametrize("figures, size, red, expected", [
    # (figures best first, list size, red projects) → (top best first, bottom worst first)
    ((), 5, (), ("", "")),                                     # nothing ranked
    ((90,), 5, (), ("", "")),                                  # one project: neither best nor worst
    ((90, 10), 5, (), ("A", "B")),                             # two: one each
    ((90, 50, 10), 5, (), ("A", "C")),                         # three: the middle one in neither
    ((90, 80, 70, 60, 50, 40, 30, 20, 10, 5), 5, (), ("ABCDE", "JIHGF")),  # ten: five and five
    ((90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 1, 0), 5, (), ("ABCDE", "LKJIH")),  # twelve
    ((90, 80, 70, 60, 50, 40, 30, 20, 10, 5), 3, (), ("ABC", "JIH")),  # the configured size
    ((90, 80, 70, 60), 0, (), ("", "")),                       # size 0: no lists
    ((120, 80, 70, 60, 10, 5), 5, ("A",), ("BC", "FED")),      # red is never best, not replaced from the bottom
    ((120, 80, 70, 60, 10, 5), 2, ("A",), ("BC", "FE")),       # …but from the middle when there is room
    ((50, 50, 50, 50), 5, (), ("AB", "")),                     # all tied with the best: no bottom
    ((90, 50, 50, 50), 5, (), ("AB", "DC")),                   # ties at the cut go by name
    ((90, 90, 10, 5), 5, (), ("AB", "DC")),
])
def test_top_and_bottom_lists(figures, size, red, expected):
    top, bottom = split(ranked(*figures, red=red), size)
    assert (top, bottom) == expected
    assert not set(top) & set(bottom)
    assert not set(top) & set(red)


def test_equal_figures_share_a_rank():
    assert competition_ranks([D(90), D(80), D(80), D(70)]) == [1, 2, 2, 4]
    assert competition_ranks([]) == []


def test_a_category_of_one_is_ranked_with_the_other_single_categories():
    items = [SimpleNamespace(name=n, category=c) for n, c in
             [("a", "commerce"), ("b", "commerce"), ("c", "industry"), ("d", "other"), ("e", "infrastructure"),
              ("f", "infrastructure")]]
    groups = ranking_groups(items, category=lambda i: i.category)
    assert {k: [i.name for i in v] for k, v in groups.items()} == {
        "commerce": ["a", "b"], "infrastructure": ["e", "f"], COMBINED: ["c", "d"]}
