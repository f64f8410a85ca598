"""A report's rows (services/supervision/domain/report.py): which branch a
result or an item belongs to, the counts by status and state, and the mean
of the members' points."""
import pytest

from services.supervision.domain.report import branch_of, tally

from shared.tree import ids_of, path_of

COMMITTEE = "/city/bu/co/"
A, B = COMMITTEE + "a/", COMMITTEE + "b/"


@pytest.mark.parametrize("path, branch", [
    (A, "a"),                          # the branch itself
    (A + "g1/", "a"),                  # its party group
    (A + "m1/", "a"),                  # a member's subject: branch path and member id
    (COMMITTEE, None),                 # a committee is no branch's
    ("/city/bu/", None), ("/city/", None), ("/", None)])
def test_the_branch_of_a_place(path, branch):
    assert branch_of(path) == branch
    assert path_of(ids_of(path)) == path   # a stored path, as the tables hold them


def rows_by_id(*args):
    return {r.org_id: r for r in tally(*args)}


def test_results_are_counted_by_status_for_the_branch_they_lie_in():
    results = [("MET", A), ("MET", A + "m1/"), ("MISSED", A + "g1/"),
               ("PENDING", A + "m2/"), ("MISSED", B), ("PENDING", B), ("PENDING", B),
               ("MET", COMMITTEE),     # the committee's own: no row
               ("MET", COMMITTEE + "elsewhere/")]  # not a row of this report
    rows = rows_by_id([("a", A), ("b", B)], results, [], {}, {})
    assert (rows["a"].quotas_met, rows["a"].quotas_missed, rows["a"].quotas_pending) == (2, 1, 1)
    assert (rows["b"].quotas_met, rows["b"].quotas_missed, rows["b"].quotas_pending) == (0, 1, 2)
    assert set(rows) == {"a", "b"}


def test_items_open_are_assigned_and_reported_escalated_apart():
    items = [("ASSIGNED", A, 2), ("REPORTED", A, 1), ("CLOSED", A, 4), ("ESCALATED", A, 1),
             ("ASSIGNED", A + "g1/", 1), ("ESCALATED", B, 3),
             ("ASSIGNED", COMMITTEE, 5),    # a committee's item: no row
             ("SOMETHING_NEW", A, 7)]                      # a state no column counts
    rows = rows_by_id([("a", A), ("b", B)], [], items, {}, {})
    assert (rows["a"].items_open, rows["a"].items_closed, rows["a"].items_escalated) == (4, 4, 1)
    assert (rows["b"].items_open, rows["b"].items_closed, rows["b"].items_escalated) == (0, 0, 3)


def test_average_points_is_the_mean_of_the_members_totals():
    rows = rows_by_id([("a", A), ("b", B), ("c", COMMITTEE + "c/")], [], [],
                      {"a": ["m1", "m2", "m3"], "b": ["m4"], "x": ["m9"]},
                      {"m1": 10.0, "m2": 5.5, "m3": -3.0, "m4": 7.25, "m9": 100.0})
    assert rows["a"].average_points == 4.17     # 12.5 / 3, to two places
    assert rows["b"].average_points == 7.25
    assert rows["c"].average_points == 0.0      # no members


def test_a_member_scoring_does_not_know_counts_as_zero():
    rows = rows_by_id([("a", A)], [], [], {"a": ["m1", "m2"]}, {"m1": 3.0})
    assert rows["a"].average_points == 1.5


def test_rows_keep_the_order_of_the_branches_and_say_everything():
    rows = tally([("b", B), ("a", A)], [("MET", A)], [("CLOSED", B, 1)], {"a": ["m"]},
                 {"m": 2.0})
    assert [r.org_id for r in rows] == ["b", "a"]
    assert rows[1].as_dict() == {
        "org_id": "a", "org_path": ["city", "bu", "co", "a"], "quotas_met": 1, "quotas_missed": 0,
        "quotas_pending": 0, "items_open": 0, "items_closed": 0, "items_escalated": 0,
        "average_points": 2.0}


def test_no_branches_no_rows():
    assert tally([], [("MET", A)], [("ASSIGNED", A, 1)], {"a": ["m"]}, {"m": 1.0}) == []
