"""The bulk path of contract/programme.graphql (section "bulk") over HTTP:
recordActivities (at most 500, all or nothing, answers in order) and
importActivities from .xlsx and .csv, with the same checks and the same
consequences (points, quotas) as one recordActivity."""
import csv
import datetime as dt
import io

import pytest

from shared import clock
from tests.e2e.conftest import Tree, admin, eventually, token
from tests.e2e.test_flow import points, quota
from tests.sheets import xlsx_bytes
from tools.client import GraphQLFailed

ACTIVITIES = """query($org: ID!) { activities(orgId: $org, from: "2000-01-01", to: "2030-12-31") {
    id theme } }"""
HEADER = ["组织", "类型", "主题", "日期", "出席", "请假", "缺席", "请假事由"]


@pytest.fixture(scope="module")
def client(platform):
    return admin(platform)


def stored(client, tree):
    return client.run(ACTIVITIES, {"org": tree.city})["activities"]


def day(org, theme, held_on, present=(), absent=(), excused=()):
    return {"orgId": org, "kind": "ACTIVITY_DAY", "theme": theme, "heldOn": held_on,
            "attendance": [{"memberId": m, "status": "PRESENT"} for m in present]
            + [{"memberId": m, "status": "ABSENT"} for m in absent]
            + [{"memberId": m, "status": "EXCUSED", "reason": "出差"} for m in excused]}


def refused(client, inputs, code, bearer=None):
    with pytest.raises(GraphQLFailed) as err:
        client.record_activities(inputs, token=bearer)
    assert err.value.codes == [code], err.value.errors
    return err.value.errors[0]


# -- recordActivities ------------------------------------------------------------------

def test_record_activities_answers_in_order_and_points_and_quotas_follow(client):
    tree = Tree(client, "-bulk")
    a1, a2, a3, a4 = tree.a
    eventually(lambda: quota(client, tree.branch_a, "2017-03", "A1"), what="supervision knows A")
    inputs = [day(tree.branch_a, "三月 学党章", "2017-03-04", [a1, a2], [a4], [a3]),
              day(tree.branch_b, "三月 学党史", "2017-03-11", tree.b),
              day(tree.branch_a, "四月 学党章", "2017-04-08", [a1], [a2, a4])]
    answers = client.record_activities(inputs)
    assert [a["theme"] for a in answers] == [i["theme"] for i in inputs]
    assert [a["org"]["id"] for a in answers] == [i["orgId"] for i in inputs]
    assert [[(line["member"]["id"], line["status"]) for line in a["attendance"]]
            for a in answers] == [[(line["memberId"], line["status"]) for line in i["attendance"]]
                                  for i in inputs]
    assert answers[0]["attendance"][3]["reason"] == "出差"
    assert len({a["id"] for a in answers}) == 3
    assert sorted(a["id"] for a in stored(client, tree)) == sorted(a["id"] for a in answers)

    def counted():
        assert points(client, a1)["total"] == 4.0
        assert points(client, a4)["total"] == -6.0
        assert points(client, a2)["total"] == -1.0
        assert quota(client, tree.branch_a, "2017-03", "A1")["actual"] == 1
        assert quota(client, tree.branch_a, "2017-04", "A1")["actual"] == 1
        assert quota(client, tree.branch_b, "2017-03", "A1")["actual"] == 1
    eventually(counted, what="points and quotas of the three activities")
    assert len(points(client, a1)["entries"]) == 2


def test_one_bad_input_refuses_them_all(client):
    tree = Tree(client, "-bulk-bad")
    good = [day(tree.branch_a, "学党章", "2017-05-06", tree.a[:2]),
            day(tree.branch_b, "学党章", "2017-05-06", tree.b)]
    # the third lists a member of branch B at branch A's activity
    error = refused(client, good + [day(tree.branch_a, "学党章", "2017-05-13", [tree.b[0]])],
                    "BAD_INPUT")
    assert error["extensions"]["field"].startswith("inputs[2]."), error
    assert "inputs[2]" in error["message"] and tree.b[0] in error["message"]
    error = refused(client, good + [day("no-such-branch", "学党章", "2017-05-13", tree.a)],
                    "BAD_INPUT")
    assert error["extensions"]["field"] == "inputs[2].orgId"
    error = refused(client, good + [day(tree.branch_a, "学党章", "2017-02-30", tree.a)],
                    "BAD_INPUT")
    assert error["extensions"]["field"].startswith("inputs[2]."), error
    assert stored(client, tree) == []
    # the good ones alone are taken
    assert len(client.record_activities(good)) == 2
    assert len(stored(client, tree)) == 2


def test_more_than_500_inputs_are_refused(client):
    tree = Tree(client, "-bulk-501")
    inputs = [day(tree.branch_a, f"第{i}次", "2017-05-06", tree.a[:1]) for i in range(501)]
    error = refused(client, inputs, "BAD_INPUT")
    assert error["extensions"]["field"] == "inputs" and "500" in error["message"]
    assert stored(client, tree) == []


def test_an_organisation_outside_the_token_is_forbidden_and_nothing_is_written(client):
    tree = Tree(client, "-bulk-scope")
    secretary = token(tree.branch_a, ("secretary",))
    recent = (clock.today() - dt.timedelta(days=30)).isoformat()   # within the backdating limit
    inputs = [day(tree.branch_a, "学党章", recent, tree.a[:1]),
              day(tree.branch_c, "学党章", recent, tree.c)]
    error = refused(client, inputs, "FORBIDDEN", secretary)
    assert tree.branch_c in error["message"]
    assert stored(client, tree) == []
    assert len(client.record_activities(inputs[:1], token=secretary)) == 1


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_viewers_and_members_cannot_record_in_bulk(client, role):
    tree = Tree(client, f"-bulk-{role}")
    bearer = token(tree.branch_a, (role,), sub=tree.a[0])
    refused(client, [day(tree.branch_a, "学党章", "2017-05-06", tree.a[:1])], "FORBIDDEN", bearer)
    with pytest.raises(GraphQLFailed) as err:
        client.import_activities(tree.branch_a, csv_file([HEADER]), token=bearer)
    assert err.value.codes == ["FORBIDDEN"]
    assert stored(client, tree) == []


# -- speakers from elsewhere in scope, guests (双重组织生活), theme sources ---------------

RECORD_WITH_GUESTS = """mutation($i: [ActivityInput!]!) {
    recordActivities(inputs: $i) { id themeSource speaker { id } guests { id }
        minutes { topic } attendance { member { id } } } }"""


def lecture(org, held_on, present, speaker=None, guests=None, **extra):
    out = {**day(org, "党课 学党章", held_on, present), "kind": "PARTY_LECTURE", **extra}
    if speaker:
        out["speakerId"] = speaker
    if guests is not None:
        out["guestIds"] = guests
    return out


def test_a_lecture_with_a_speaker_and_guests_from_another_branch_scores_them(client):
    tree = Tree(client, "-bulk-guests")
    (a1, *_), (b1, b2) = tree.a, tree.b
    bureau_secretary = token(tree.bureau1, ("secretary",))
    recent = clock.today() - dt.timedelta(days=30)  # within the backdating limit
    inputs = [lecture(tree.branch_a, recent.isoformat(), [a1], speaker=b1, guests=[b2],
                      themeSource="MEMBER"),
              lecture(tree.branch_a, (recent + dt.timedelta(days=1)).isoformat(), [a1])]
    first, second = client.run(RECORD_WITH_GUESTS, {"i": inputs},
                               token=bureau_secretary)["recordActivities"]
    assert (first["speaker"], first["guests"], first["themeSource"], first["minutes"]) == \
        ({"id": b1}, [{"id": b2}], "MEMBER", None)
    assert first["attendance"] == [{"member": {"id": a1}}]
    assert (second["speaker"], second["guests"], second["themeSource"]) == (None, [], "SUPERIOR")
    read = client.run("""query($o: ID!) { activities(orgId: $o, from: "2000-01-01",
        to: "2030-12-31") { id themeSource speaker { id } guests { id } } }""",
                      {"o": tree.branch_a})["activities"]
    assert {a["id"]: (a["themeSource"], a["speaker"], a["guests"]) for a in read} == {
        first["id"]: ("MEMBER", {"id": b1}, [{"id": b2}]),
        second["id"]: ("SUPERIOR", None, [])}

    def scored():
        assert [e["rule"] for e in points(client, b2, recent.year)["entries"]] == [
            "attend-lecture-or-study"]
        assert [e["rule"] for e in points(client, b1, recent.year)["entries"]] == [
            "give-lecture"]
        assert len(points(client, a1, recent.year)["entries"]) == 2
    eventually(scored, what="the guest's and the speaker's points")


def test_bad_guests_are_bad_input_naming_no_one_and_nothing_is_written(client):
    tree = Tree(client, "-bulk-bad-guests")
    (a1, a2, *_), (b1, b2), (c1,) = tree.a, tree.b, tree.c
    recent = (clock.today() - dt.timedelta(days=30)).isoformat()
    bureau_secretary = token(tree.bureau1, ("secretary",))
    branch_secretary = token(tree.branch_a, ("secretary",))
    cases = [  # (token, guests, the bad one's index, the words)
        (bureau_secretary, [b1, c1], 1, "within your scope"),        # another bureau's
        (bureau_secretary, ["no-such-member"], 0, "within your scope"),
        (branch_secretary, [b2], 0, "within your scope"),            # outside the branch
        (None, [c1], 0, "same bureau"),                               # the admin sees it
        (None, [b1, b1], 1, "listed twice"),
        (None, [b1, a1], 1, "also in the attendance"),
        (None, [a2], 0, "belonged to 第一支部"),
    ]
    for bearer, guests, index, words in cases:
        inputs = [lecture(tree.branch_a, recent, [a1]),
                  lecture(tree.branch_a, recent, [a1], guests=guests)]
        error = refused(client, inputs, "BAD_INPUT", bearer)
        assert error["extensions"]["field"] == f"inputs[1].guestIds[{index}]", error
        assert words in error["message"], error
        assert c1 not in error["message"] and "no-such-member" not in error["message"]
    # one recordActivity alike
    with pytest.raises(GraphQLFailed) as err:
        client.run("mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }",
                   {"i": lecture(tree.branch_a, recent, [a1], guests=[c1])},
                   token=bureau_secretary)
    assert err.value.codes == ["BAD_INPUT"] and c1 not in err.value.errors[0]["message"]
    assert err.value.errors[0]["extensions"]["field"] == "guestIds[0]"
    # a speaker outside the caller's scope is FORBIDDEN, as an attendee would be
    refused(client, [lecture(tree.branch_a, recent, [a1], speaker=b1)], "FORBIDDEN",
            branch_secretary)
    assert stored(client, tree) == []


# -- importActivities ------------------------------------------------------------------

def xlsx_file(rows):
    return xlsx_bytes(*rows)


def csv_file(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def paper_year(tree):
    """Rows as a bureau writes them: names, Chinese kinds, under bureau one."""
    return [HEADER,
            ["第一支部", "党员集中活动日", "学党章", "2017-03-04", "甲1、甲2", "甲3", "甲4", "出差"],
            ["第二支部", "ACTIVITY_DAY", "学党史", "2017-03-11", "乙1,乙2", "", "", ""],
            ["第一支部", "支委会", "三月支委会", "2017-03-20", "甲1", "", "", ""]]


@pytest.mark.parametrize("make", [xlsx_file, csv_file], ids=["xlsx", "csv"])
def test_an_import_records_every_row_and_points_follow(client, make):
    tree = Tree(client, f"-import-{make.__name__}")
    answer = client.import_activities(tree.bureau1, make(paper_year(tree)))
    assert answer == {"dryRun": False, "created": 3, "errors": []}
    assert sorted(a["theme"] for a in stored(client, tree)) == ["三月支委会", "学党史", "学党章"]
    eventually(lambda: _equal(quota(client, tree.branch_a, "2017-03", "A1")["actual"], 1),
               what="the imported activity day counted")
    eventually(lambda: _equal(points(client, tree.a[3])["total"], -3.0),
               what="the absent member's points")


def test_a_dry_run_checks_and_writes_nothing(client):
    tree = Tree(client, "-import-dry")
    answer = client.import_activities(tree.bureau1, csv_file(paper_year(tree)), dry_run=True)
    assert answer == {"dryRun": True, "created": 3, "errors": []}
    assert stored(client, tree) == []


@pytest.mark.parametrize("make", [xlsx_file, csv_file], ids=["xlsx", "csv"])
def test_bad_rows_are_each_reported_and_nothing_is_written(client, make):
    tree = Tree(client, f"-import-bad-{make.__name__}")
    rows = paper_year(tree)
    rows.insert(2, ["第一支部", "ACTIVITY_DAY", "学党章", "2017-02-30", "甲1", "", "", ""])
    rows.insert(3, ["第一支部", "野餐", "", "2017-04-01", "甲1", "", "", ""])
    rows.insert(4, ["第一支部", "ACTIVITY_DAY", "学党章", "2017-04-01", "无名氏", "", "", ""])
    rows.insert(5, ["第九支部", "ACTIVITY_DAY", "学党章", "2017-04-01", "甲1", "", "", ""])
    for dry_run in (False, True):
        answer = client.import_activities(tree.bureau1, make(rows), dry_run=dry_run)
        assert answer["created"] == 0 and answer["dryRun"] is dry_run
        where = [(e["row"], e["column"]) for e in answer["errors"]]
        assert (3, "日期") in where and (4, "类型") in where and (4, "主题") in where
        assert (5, "出席") in where and (6, "组织") in where
        assert {row for row, _ in where} == {3, 4, 5, 6}
        assert all(e["message"] for e in answer["errors"])
        assert stored(client, tree) == []


def test_a_file_larger_than_a_megabyte_gets_through_the_gateway(client):
    tree = Tree(client, "-import-big")
    remark = "记" * 40_000  # an extra column the import ignores, 120 KB a row
    rows = [HEADER + ["备注"]] + [
        ["第一支部", "ACTIVITY_DAY", f"第{i}次", f"2017-01-{i + 1:02d}", "甲1", "", "", "", remark]
        for i in range(10)]
    content = csv_file(rows)
    assert len(content) > 1 << 20
    answer = client.import_activities(tree.bureau1, content, dry_run=True)
    assert answer == {"dryRun": True, "created": 10, "errors": []}


def test_an_import_outside_the_token_or_of_an_unreadable_file_is_refused(client):
    tree = Tree(client, "-import-scope")
    with pytest.raises(GraphQLFailed) as err:
        client.import_activities(tree.bureau1, csv_file(paper_year(tree)),
                                 token=token(tree.bureau2, ("secretary",)))
    assert err.value.codes == ["FORBIDDEN"]
    with pytest.raises(GraphQLFailed) as err:
        client.import_activities(tree.bureau1, b"\xff\xfe neither a workbook nor UTF-8")
    assert err.value.codes == ["BAD_INPUT"]
    assert err.value.errors[0]["extensions"]["field"] == "file"
    assert stored(client, tree) == []


def _equal(actual, expected):
    assert actual == expected, f"{actual} != {expected}"
