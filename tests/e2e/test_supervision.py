"""Supervision complete (督办) through the front door, with the platform's day
pinned (XF_TODAY) and moved past the items' due day across one restart:

- on 2026-02-03 the bureau's secretary opens the committee's thought survey:
  after 4 members' answers it shows no results, after the fifth the counts
  per choice, and quota U7 is MET; branch A's secretary opens a rectification
  list item of the special campaign (due 2026-02-10): U3 is MET;
- January is closed for committee one: branch A held its two activity days
  but no committee meeting and no group meeting (2 misses), branch B held
  nothing (3 misses), the committee held no centre-group study (1 miss); each
  miss opens one item due on 2026-02-03 + 15 days = 2026-02-18;
- branch A reports its A2-CM item and cannot close it itself; the bureau
  closes it; the A2-GR item is left alone;
- in 2026-Q1 branches A and B, with 2 and 3 misses, are proposed for a
  reminder talk (约谈提醒), the committee with 1 is not; the talk with A is
  recorded; the negative list (负面清单) of 2026 holds B (3 misses) and a
  committee member put there by hand, not yet A;
- the platform starts again on 2026-02-19, day 16: the untouched items are
  ESCALATED by the platform, the rectification is OVERDUE, then closed and
  published; A is on the negative list for its escalated item;
- the ANNUAL report of 2026 and its .xlsx download show the same numbers."""
import io

import openpyxl
import pytest
import requests

from tests.e2e.conftest import Tree, _platform, admin, eventually, refused, restart_on, token

FIRST_DAY, DUE_ON, LATER_DAY, YEAR = "2026-02-03", "2026-02-18", "2026-02-19", 2026
RECTIFY_BY = "2026-02-10"

ITEM = """id org { id } rule period state dueOn report
    history { state at by note }"""
ITEMS = "query($o: ID!) { supervisionItems(orgId: $o) { %s } }" % ITEM
REPORT_ITEM = """mutation($i: ID!, $r: String!) { reportSupervisionItem(id: $i, report: $r) {
    %s } }""" % ITEM
CLOSE_ITEM = "mutation($i: ID!, $n: String) { closeSupervisionItem(id: $i, note: $n) { %s } }" \
    % ITEM
COMPLIANCE = """query($o: ID!, $p: String!) { compliance(orgId: $o, period: $p) {
    results { rule subjectId period actual status } } }"""
CLOSE_PERIOD = """mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) {
    results { rule subjectId status } } }"""
RECT = "id org { id } problem measures owner { id } due campaign state outcome closedOn published"
CREATE_RECT = "mutation($i: RectificationInput!) { createRectification(input: $i) { %s } }" % RECT
CLOSE_RECT = "mutation($i: ID!, $o: String!) { closeRectification(id: $i, outcome: $o) { %s } }" \
    % RECT
PUBLISH_RECT = "mutation($i: ID!) { publishRectification(id: $i) { %s } }" % RECT
RECTS = """query($o: ID!, $y: Int!, $s: RectificationState) {
    rectifications(orgId: $o, year: $y, state: $s) { %s } }""" % RECT
SURVEY = "id committee { id } year questions responses results"
OPEN_SURVEY = """mutation($c: ID!, $y: Int!, $q: [String!]!) {
    openSurvey(committeeId: $c, year: $y, questions: $q) { %s } }""" % SURVEY
# a member's own token sees the survey it answered, not the committee above its scope
ANSWER = """mutation($s: ID!, $m: ID!, $a: [Int!]!) {
    answerSurvey(surveyId: $s, memberId: $m, answers: $a) { id responses results } }"""
SURVEYS = "query($o: ID!, $y: Int!) { surveys(orgId: $o, year: $y) { %s } }" % SURVEY
PROPOSALS = """query($o: ID!, $q: String!) { reminderProposals(orgId: $o, quarter: $q) {
    org { id } quarter missed { rule subjectId period status } talkHeldOn } }"""
TALK = """mutation($o: ID!, $q: String!, $d: Date!) {
    recordReminderTalk(orgId: $o, quarter: $q, heldOn: $d) { org { id } quarter talkHeldOn } }"""
NEGATIVE = """query($o: ID!, $y: Int!) { negativeList(orgId: $o, year: $y) {
    subjectId year reasons manual } }"""
ADD_NEGATIVE = """mutation($s: ID!, $y: Int!, $r: String!) {
    addToNegativeList(subjectId: $s, year: $y, reason: $r) { subjectId year reasons manual } }"""
REPORT = """query($o: ID!, $k: ReportKind!, $p: String!) { report(orgId: $o, kind: $k,
    period: $p) { org { id } kind period rows { org { id name } quotasMet quotasMissed
    quotasPending itemsOpen itemsClosed itemsEscalated averagePoints } } }"""

# two questions; four answers, then a fifth
ANSWERS = [[5, 4], [5, 3], [4, 4], [1, 5]]
FIFTH = [5, 5]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory, extra_env={"XF_TODAY": FIRST_DAY})


@pytest.fixture(scope="module")
def city(platform):
    client = admin(platform)
    tree = Tree(client, "督办")
    w = {"client": client, "tree": tree, "committee": tree.committee1,
         "a": tree.branch_a, "b": tree.branch_b,
         "leader": client.register_member("赵委员", tree.branch_a, ["bureau_committee"])["id"],
         "bureau_secretary": token(scope=tree.bureau1, roles=("secretary",), sub="科技局书记"),
         "branch_secretary": token(scope=tree.branch_a, roles=("secretary",), sub="第一支部书记"),
         "stranger": token(scope=tree.bureau2, roles=("secretary",), sub="教育局书记")}
    return w


def statuses(client, org_id, period):
    rows = client.run(COMPLIANCE, {"o": org_id, "p": period})["compliance"]["results"]
    return {(r["rule"], r["subjectId"], r["period"]): (r["actual"], r["status"]) for r in rows}


def items_of(client, org_id, tok=None):
    return {(i["org"]["id"], i["rule"], i["period"]): i
            for i in client.run(ITEMS, {"o": org_id}, token=tok)["supervisionItems"]}


@pytest.fixture(scope="module")
def january(city):
    """January closed for committee one: A held its two activity days (A1
    met) and nothing else, B nothing, the committee no centre-group study.
    An ACTIVITY_DAY of A today earns its members points for the report."""
    client, a = city["client"], city["a"]
    for day in ("2026-01-10", "2026-01-24"):
        client.record_activity(a, "ACTIVITY_DAY", f"主题党日{day}", day, [])
    client.record_activity(a, "ACTIVITY_DAY", "二月主题党日", FIRST_DAY,
                           [{"memberId": m, "status": "PRESENT"} for m in city["tree"].a])

    def counted():
        seen = statuses(client, a, "2026-01")
        assert seen.get(("A1", a, "2026-01"), (0, None))[0] == 2, seen
    eventually(counted, what="A's January activity days counted")
    closed = client.run(CLOSE_PERIOD, {"o": city["committee"], "p": "2026-01"})[
        "closePeriod"]["results"]
    missed = {(r["rule"], r["subjectId"]) for r in closed if r["status"] == "MISSED"}
    a_, b, committee = a, city["b"], city["committee"]
    assert {(r, s) for r, s in missed if s in (a_, b, committee)} == {
        ("A2-CM", a_), ("A2-GR", a_), ("A1", b), ("A2-CM", b), ("A2-GR", b),
        ("S2", committee)}, closed
    return city


def test_a_survey_shows_counts_from_the_fifth_answer_only_and_meets_u7(city):
    client, sec, tree = city["client"], city["bureau_secretary"], city["tree"]
    survey = client.run(OPEN_SURVEY, {"c": city["committee"], "y": YEAR,
                                      "q": ["理想信念是否坚定", "对支部工作是否满意"]},
                        token=sec)["openSurvey"]
    assert (survey["responses"], survey["results"]) == (0, None)
    members = tree.a + tree.b[:1]
    for member, answers in zip(members, ANSWERS):
        own = token(scope=tree.branch_a, roles=("member",), sub=member)
        answered = client.run(ANSWER, {"s": survey["id"], "m": member, "a": answers},
                              token=own)["answerSurvey"]
    assert (answered["responses"], answered["results"]) == (4, None)
    # a member answers once
    assert refused(client, ANSWER, {"s": survey["id"], "m": members[0], "a": [3, 3]},
                   token=token(scope=tree.branch_a, roles=("member",),
                               sub=members[0])) == ["CONFLICT"]
    fifth = client.run(ANSWER, {"s": survey["id"], "m": members[4], "a": FIFTH},
                       token=token(scope=tree.branch_b, roles=("member",),
                                   sub=members[4]))["answerSurvey"]
    # per question, how many chose 1, 2, 3, 4, 5
    assert fifth["responses"] == 5
    assert fifth["results"] == [[1, 0, 0, 1, 3], [0, 0, 1, 2, 2]]
    listed = client.run(SURVEYS, {"o": city["committee"], "y": YEAR}, token=sec)["surveys"]
    assert [(s["id"], s["responses"], s["results"]) for s in listed] == \
        [(survey["id"], 5, fifth["results"])]

    def u7_met():
        seen = statuses(client, city["committee"], str(YEAR))
        assert seen.get(("U7", city["committee"], str(YEAR))) == (1, "MET"), seen
    eventually(u7_met, what="U7 met by the survey opened")


@pytest.fixture(scope="module")
def rectification(city):
    client, own = city["client"], city["branch_secretary"]
    data = {"orgId": city["a"], "problem": "三会一课记录不全",
            "measures": ["补齐会议记录", "支部书记每月检查"], "ownerId": city["tree"].a[0],
            "due": RECTIFY_BY, "campaign": True}
    assert refused(client, CREATE_RECT, {"i": {**data, "measures": []}},
                   token=own) == ["BAD_INPUT"]
    return client.run(CREATE_RECT, {"i": data}, token=own)["createRectification"]


def test_a_campaign_rectification_is_open_and_meets_u3(city, rectification):
    client, a = city["client"], city["a"]
    assert {k: rectification[k] for k in ("org", "owner", "due", "campaign", "state",
                                          "outcome", "closedOn", "published")} == {
        "org": {"id": a}, "owner": {"id": city["tree"].a[0]}, "due": RECTIFY_BY,
        "campaign": True, "state": "OPEN", "outcome": None, "closedOn": None,
        "published": False}
    listed = client.run(RECTS, {"o": city["committee"], "y": YEAR, "s": None},
                        token=city["bureau_secretary"])["rectifications"]
    assert [r["id"] for r in listed] == [rectification["id"]]
    # only a closed one is published
    assert refused(client, PUBLISH_RECT, {"i": rectification["id"]},
                   token=city["branch_secretary"]) == ["CONFLICT"]

    def u3_met():
        seen = statuses(client, a, str(YEAR))
        assert seen.get(("U3", a, str(YEAR))) == (1, "MET"), seen
    eventually(u3_met, what="U3 met by the campaign item")


def test_a_missed_quota_opens_an_item_the_branch_reports_and_the_bureau_closes(january):
    client, a, own = january["client"], january["a"], january["branch_secretary"]
    items = items_of(client, a, own)
    assert set(items) == {(a, "A2-CM", "2026-01"), (a, "A2-GR", "2026-01")}
    item = items[(a, "A2-CM", "2026-01")]
    assert (item["state"], item["dueOn"], item["report"]) == ("ASSIGNED", DUE_ON, None)
    assert [h["state"] for h in item["history"]] == ["ASSIGNED"]

    reported = client.run(REPORT_ITEM, {"i": item["id"], "r": "二月已补开支委会"},
                          token=own)["reportSupervisionItem"]
    assert (reported["state"], reported["report"]) == ("REPORTED", "二月已补开支委会")
    # a branch never closes its own item; a blank report is refused
    assert refused(client, CLOSE_ITEM, {"i": item["id"], "n": None}, token=own) == ["FORBIDDEN"]
    other = items[(a, "A2-GR", "2026-01")]
    assert refused(client, REPORT_ITEM, {"i": other["id"], "r": "  "},
                   token=own) == ["BAD_INPUT"]
    # nor does a bureau's secretary outside its scope
    assert refused(client, CLOSE_ITEM, {"i": item["id"], "n": None},
                   token=january["stranger"]) == ["FORBIDDEN"]

    closed = client.run(CLOSE_ITEM, {"i": item["id"], "n": "销号"},
                        token=january["bureau_secretary"])["closeSupervisionItem"]
    assert closed["state"] == "CLOSED"
    # who moved it, and when (the real clock; only the day is pinned)
    assert [(h["state"], h["by"]) for h in closed["history"]][1:] == [
        ("REPORTED", "第一支部书记"), ("CLOSED", "科技局书记")]
    assert closed["history"][-1]["note"] == "销号"
    assert [h["at"] for h in closed["history"]] == sorted(h["at"] for h in closed["history"])
    # a closed item moves no more
    assert refused(client, CLOSE_ITEM, {"i": item["id"], "n": None},
                   token=january["bureau_secretary"]) == ["CONFLICT"]
    assert refused(client, REPORT_ITEM, {"i": item["id"], "r": "再报"},
                   token=own) == ["CONFLICT"]
    assert items_of(client, a, own)[(a, "A2-GR", "2026-01")]["state"] == "ASSIGNED"


def test_misses_propose_a_talk_and_put_a_branch_on_the_negative_list(january):
    client, sec = january["client"], january["bureau_secretary"]
    a, b, committee = january["a"], january["b"], january["committee"]
    proposals = client.run(PROPOSALS, {"o": committee, "q": "2026-Q1"},
                           token=sec)["reminderProposals"]
    # 2 misses (A) and 3 (B) are proposed; the committee's 1 is not
    assert {p["org"]["id"]: sorted(m["rule"] for m in p["missed"]) for p in proposals} == {
        a: ["A2-CM", "A2-GR"], b: ["A1", "A2-CM", "A2-GR"]}
    assert all(p["quarter"] == "2026-Q1" and p["talkHeldOn"] is None for p in proposals)
    assert all(m["status"] == "MISSED" and m["period"] == "2026-01"
               for p in proposals for m in p["missed"])

    talk = client.run(TALK, {"o": a, "q": "2026-Q1", "d": FIRST_DAY},
                      token=sec)["recordReminderTalk"]
    assert talk == {"org": {"id": a}, "quarter": "2026-Q1", "talkHeldOn": FIRST_DAY}
    # a talk in the future, or with an organisation not proposed, is refused
    assert refused(client, TALK, {"o": b, "q": "2026-Q1", "d": "2026-02-04"},
                   token=sec) == ["BAD_INPUT"]
    assert refused(client, TALK, {"o": committee, "q": "2026-Q1", "d": FIRST_DAY},
                   token=sec)[0] in ("BAD_INPUT", "CONFLICT")
    held = {p["org"]["id"]: p["talkHeldOn"] for p in client.run(
        PROPOSALS, {"o": committee, "q": "2026-Q1"}, token=sec)["reminderProposals"]}
    assert held == {a: FIRST_DAY, b: None}

    manual = client.run(ADD_NEGATIVE, {"s": january["leader"], "y": YEAR,
                                       "r": "未落实联系点工作"}, token=sec)["addToNegativeList"]
    assert manual == {"subjectId": january["leader"], "year": YEAR,
                      "reasons": ["未落实联系点工作"], "manual": True}
    assert refused(client, ADD_NEGATIVE, {"s": b, "y": YEAR, "r": " "},
                   token=sec) == ["BAD_INPUT"]
    listed = client.run(NEGATIVE, {"o": committee, "y": YEAR}, token=sec)["negativeList"]
    by_subject = {(e["subjectId"], e["manual"]): e["reasons"] for e in listed}
    # 3 misses in the year list B; A with 2 and nothing escalated is not listed yet
    assert set(by_subject) == {(b, False), (january["leader"], True)}, listed
    assert any("3" in r and "MISSED" in r for r in by_subject[(b, False)]), listed


def test_past_the_due_day_untouched_items_escalate_and_a_rectification_turns_overdue(
        platform, january, rectification):
    client, sec, own = january["client"], january["bureau_secretary"], \
        january["branch_secretary"]
    a, b, committee = january["a"], january["b"], january["committee"]
    restart_on(platform, LATER_DAY)

    def escalated():
        items = items_of(client, committee, sec)
        states = {key: i["state"] for key, i in items.items()}
        assert states == {
            (a, "A2-CM", "2026-01"): "CLOSED", (a, "A2-GR", "2026-01"): "ESCALATED",
            (b, "A1", "2026-01"): "ESCALATED", (b, "A2-CM", "2026-01"): "ESCALATED",
            (b, "A2-GR", "2026-01"): "ESCALATED", (committee, "S2", "2026-01"): "ESCALATED",
        }, states
        return items
    items = eventually(escalated, timeout=60, what="the untouched items escalated")
    last = items[(a, "A2-GR", "2026-01")]["history"][-1]
    assert (last["state"], last["by"]) == ("ESCALATED", "platform")

    overdue = client.run(RECTS, {"o": a, "y": YEAR, "s": "OVERDUE"},
                         token=own)["rectifications"]
    assert [(r["id"], r["state"]) for r in overdue] == [(rectification["id"], "OVERDUE")]
    assert client.run(RECTS, {"o": a, "y": YEAR, "s": "OPEN"}, token=own)[
        "rectifications"] == []
    assert refused(client, CLOSE_RECT, {"i": rectification["id"], "o": ""},
                   token=own) == ["BAD_INPUT"]
    closed = client.run(CLOSE_RECT, {"i": rectification["id"], "o": "记录已补齐，建立检查台账"},
                        token=own)["closeRectification"]
    assert (closed["state"], closed["closedOn"], closed["outcome"], closed["published"]) == \
        ("CLOSED", LATER_DAY, "记录已补齐，建立检查台账", False)
    assert refused(client, CLOSE_RECT, {"i": rectification["id"], "o": "再次"},
                   token=own) == ["CONFLICT"]
    published = client.run(PUBLISH_RECT, {"i": rectification["id"]},
                           token=own)["publishRectification"]
    assert (published["state"], published["published"]) == ("CLOSED", True)

    listed = client.run(NEGATIVE, {"o": committee, "y": YEAR}, token=sec)["negativeList"]
    reasons = {e["subjectId"]: e["reasons"] for e in listed if not e["manual"]}
    assert any("A2-GR" in r and "ESCALATED" in r for r in reasons.get(a, [])), listed
    assert any("3" in r and "MISSED" in r for r in reasons.get(b, [])), listed


def _sheet(book, title):
    """A sheet's lines as {Chinese header: value}."""
    lines = [row for row in book[title].iter_rows(values_only=True)
             if any(c not in (None, "") for c in row)]
    headers = lines[0]
    assert all(isinstance(h, str) and any("\u4e00" <= ch <= "\u9fff" for ch in h)
               for h in headers), headers
    return [dict(zip(headers, line)) for line in lines[1:]]


# the workbook's columns of a report row, as the GraphQL fields
COLUMNS = {"指标达标": "quotasMet", "指标未达标": "quotasMissed", "指标待定": "quotasPending",
           "督办未销号": "itemsOpen", "督办已销号": "itemsClosed", "督办已追责": "itemsEscalated"}
STATUS_FIELD = {"MET": "quotasMet", "MISSED": "quotasMissed", "PENDING": "quotasPending"}


def test_the_annual_report_and_its_workbook_agree(platform, january):
    client, sec = january["client"], january["bureau_secretary"]
    a, b, committee = january["a"], january["b"], january["committee"]
    report = client.run(REPORT, {"o": committee, "k": "ANNUAL", "p": str(YEAR)},
                        token=sec)["report"]
    assert (report["org"], report["kind"], report["period"]) == \
        ({"id": committee}, "ANNUAL", str(YEAR))
    rows = {r["org"]["id"]: r for r in report["rows"]}
    assert set(rows) == {a, b}
    assert (rows[a]["quotasMissed"], rows[a]["itemsOpen"], rows[a]["itemsClosed"],
            rows[a]["itemsEscalated"]) == (2, 0, 1, 1)
    assert (rows[b]["quotasMissed"], rows[b]["itemsOpen"], rows[b]["itemsClosed"],
            rows[b]["itemsEscalated"]) == (3, 0, 0, 3)
    # A1 of January and U3 of the year
    assert rows[a]["quotasMet"] >= 2
    # A's four members attended today's activity day; nobody in B earned points
    assert rows[a]["averagePoints"] > 0 and rows[b]["averagePoints"] == 0

    url = f"{platform.url}/reports/ANNUAL/{committee}/{YEAR}.xlsx"
    answer = requests.get(url, headers={"Authorization": f"Bearer {sec}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    assert book.sheetnames == ["报表", "指标结果", "督办事项"]
    lines = {line["支部编号"]: line for line in _sheet(book, "报表")}
    assert set(lines) == set(rows)
    for org_id, row in rows.items():
        line = lines[org_id]
        assert line["支部"] == row["org"]["name"]
        assert {field: line[header] for header, field in COLUMNS.items()} == \
            {field: row[field] for field in COLUMNS.values()}
        assert line["党员平均积分"] == pytest.approx(row["averagePoints"])
    # the quota results and the items behind the rows' counts
    counted = {}
    for result in _sheet(book, "指标结果"):
        key = (result["支部编号"], STATUS_FIELD[result["状态"]])
        counted[key] = counted.get(key, 0) + 1
    assert counted == {(org_id, field): row[field] for org_id, row in rows.items()
                       for field in STATUS_FIELD.values() if row[field]}
    items = client.run(ITEMS, {"o": committee}, token=sec)["supervisionItems"]
    assert sorted((i["督办编号"], i["支部编号"], i["指标"], i["状态"])
                  for i in _sheet(book, "督办事项")) == \
        sorted((i["id"], i["org"]["id"], i["rule"], i["state"])
               for i in items if i["org"]["id"] in rows)

    # auth and scope as GraphQL
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {january['stranger']}"},
                        timeout=30).status_code == 403
    bad = f"{platform.url}/reports/ANNUAL/{committee}/{YEAR}-H1.xlsx"
    assert requests.get(bad, headers={"Authorization": f"Bearer {sec}"},
                        timeout=30).status_code == 400
