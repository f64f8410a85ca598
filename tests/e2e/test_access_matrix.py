"""Scope on every object, as an access matrix generated from the schema: every
root query and mutation, with a selection that walks every field of every
object type reachable from it, asked by every role of a token scoped to
bureau one, about bureau one (in scope), about bureau two (out of scope) and
about ids that do not exist.

Nothing here names a field of the schema except the tables of argument
builders (ROOTS, per root field; NESTED_ARGS, per argument name of a nested
field): a new field is walked and judged without editing this test, and a
new root field or required argument with no builder fails it.

The city: bureau one (branches A and B, a party group in A) and bureau two
(branch C, a party group in C). Member T moved from C to A and member U from
A to C on the same day; each attended activities of both bureaus, before and
after, and earned points in both. Study and members' practice records
(talks, wishes, households and visits, pledges, minutes) and democratic
appraisals are seeded in both bureaus when a builder first needs them.
Every name is unique (unlike conftest's Tree), so a leak shows as a
bureau-two id, name, theme or point entry id anywhere in an answer."""
import base64
import csv
import datetime as dt
import io
import itertools
import json
import secrets

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType

from gateway.schema import schema
from shared import clock
from tests.e2e.conftest import admin, eventually, token
from tools.client import Client, GraphQLFailed

SCHEMA = schema.graphql_schema
ROLES = ("admin", "secretary", "member", "viewer")
WRITERS = {"admin", "secretary"}
# Mutations only an admin may run, even inside the subtree.
ADMIN_ONLY = {"createOrganization"}
# How deep the walk goes, and how often one type may recur on a path (an
# organisation's children are organisations: twice reaches their members).
MAX_DEPTH = 8
MAX_RECURRENCE = 2

_serial = itertools.count(1)


def unique(text):
    return f"{text}{next(_serial)}"


def _days():
    """Three days of one year, before and after the transfer, recent enough
    for a secretary to record (and early enough to be in the past)."""
    today = clock.today()
    base = today if today.timetuple().tm_yday > 25 else dt.date(today.year - 1, 12, 31)
    return base - dt.timedelta(days=20), base - dt.timedelta(days=10), \
        base - dt.timedelta(days=5)


def _last_month():
    first = clock.today().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


class City:
    def __init__(self, client):
        self.client = client
        self.before, self.transfer, self.after = (d.isoformat() for d in _days())
        self.year = _days()[0].year
        self.period = _last_month()
        org = client.create_org
        self.city = org("矩阵市", "CITY")["id"]
        self.bureau1 = org("一局", "BUREAU", self.city)["id"]
        self.committee1 = org("一局党委", "COMMITTEE", self.bureau1)["id"]
        self.branch_a = org("一局甲支部", "BRANCH", self.committee1)["id"]
        self.branch_b = org("一局乙支部", "BRANCH", self.committee1)["id"]
        self.group_a = org("一局甲支部一组", "GROUP", self.branch_a)["id"]
        self.bureau2 = org("二局", "BUREAU", self.city)["id"]
        self.committee2 = org("二局党委", "COMMITTEE", self.bureau2)["id"]
        self.branch_c = org("二局丙支部", "BRANCH", self.committee2)["id"]
        self.group_c = org("二局丙支部一组", "GROUP", self.branch_c)["id"]
        member = client.register_member
        self.a1 = member("一局甲一", self.branch_a)["id"]
        self.a2 = member("一局甲二", self.branch_a)["id"]
        self.b1 = member("一局乙一", self.branch_b)["id"]
        self.c1 = member("二局丙一", self.branch_c)["id"]
        self.c2 = member("二局丙二", self.branch_c)["id"]
        self.t = member("调入者", self.branch_c)["id"]    # bureau two, then one
        self.u = member("调出者", self.branch_a)["id"]    # bureau one, then two
        self.activities = {1: [], 2: []}
        self._held(1, self.branch_a, "一局活动日一", self.before, [self.a1, self.u])
        self._held(1, self.branch_a, "一局党课", self.before, [self.a1, self.u], speaker=self.u)
        self._held(2, self.branch_c, "二局活动日一", self.before, [self.c1, self.t])
        self._held(2, self.branch_c, "二局党课", self.before, [self.c1, self.t], speaker=self.t)
        self._transfer(self.t, self.branch_a)
        self._transfer(self.u, self.branch_c)
        self._held(1, self.branch_a, "一局活动日二", self.after, [self.a1, self.t])
        self._held(2, self.branch_c, "二局活动日二", self.after, [self.c2, self.u],
                   speaker=None)
        # every branch of both bureaus is short last month: items on each
        client.run("""mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) {
            orgId } }""", {"o": self.city, "p": self.period})
        self.entries = eventually(self._points_posted, timeout=60, what="every point posted")
        self.items = client.run("""query($o: ID!) { supervisionItems(orgId: $o) { id
            org { id } } }""", {"o": self.city})["supervisionItems"]
        self._secrets()

    def _held(self, bureau, org, theme, day, attendance, speaker=None):
        extra = {"speakerId": speaker} if speaker else {}
        kind = "PARTY_LECTURE" if speaker else "ACTIVITY_DAY"
        activity = self.client.record_activity(
            org, kind, theme, day, [{"memberId": m, "status": "PRESENT"} for m in attendance],
            **extra)
        self.activities[bureau].append((activity["id"], theme))

    def _transfer(self, member_id, branch_id):
        self.client.run("""mutation($m: ID!, $b: ID!, $on: Date) { transferMember(
            memberId: $m, branchId: $b, on: $on) { id } }""",
                        {"m": member_id, "b": branch_id, "on": self.transfer})

    def _points_posted(self):
        """{member id: [(entry id, day)]} once every attendance has posted."""
        people = [self.a1, self.c1, self.c2, self.t, self.u]
        got = self.client.run("query { %s }" % " ".join(
            f'm{i}: member(id: "{m}") {{ points(year: {self.year}) {{ entries {{ id '
            'occurredOn } } }' for i, m in enumerate(people)))
        entries = {m: [(e["id"], e["occurredOn"]) for e in got[f"m{i}"]["points"]["entries"]]
                   for i, m in enumerate(people)}
        days = {m: {day for _, day in e} for m, e in entries.items()}
        assert days[self.t] == days[self.u] == {self.before, self.after}, days
        assert days[self.c1] and days[self.c2] and days[self.a1], days
        return entries

    def _secrets(self):
        """What a bureau-one token must never be shown (ids, names, themes of
        bureau two, and the city above it), and what it must be shown."""
        hidden_orgs = {self.city: "矩阵市", self.bureau2: "二局", self.committee2: "二局党委",
                       self.branch_c: "二局丙支部", self.group_c: "二局丙支部一组"}
        self.outside_ids = set(hidden_orgs) | {self.c1, self.c2}
        self.outside_ids |= {a for a, _ in self.activities[2]}
        self.outside_ids |= {i["id"] for i in self.items if i["org"]["id"] in hidden_orgs}
        # points earned in bureau two: all of C's members', T's before and U's after
        for member_id, entries in self.entries.items():
            for entry_id, day in entries:
                in_two = member_id in (self.c1, self.c2) or \
                    (member_id == self.t and day < self.transfer) or \
                    (member_id == self.u and day >= self.transfer)
                if in_two:
                    self.outside_ids.add(entry_id)
        self.outside_words = set(hidden_orgs.values()) | {"二局丙一", "二局丙二"} | \
            {theme for _, theme in self.activities[2]}
        self.inside = {self.bureau1, self.committee1, self.branch_a, self.branch_b,
                       self.group_a, self.a1, self.a2, self.b1, self.t, "一局甲支部",
                       "一局乙支部", "调入者"} | {a for a, _ in self.activities[1]}
        self.inside |= {i["id"] for i in self.items if i["org"]["id"] in
                        (self.branch_a, self.branch_b)}

    def leaks(self, answer, allowed=()):
        """The bureau-two strings in ``answer`` (data or errors), bar ``allowed``
        (an id the caller named itself)."""
        text = json.dumps(answer, ensure_ascii=False)
        return sorted(s for s in (self.outside_ids | self.outside_words) - set(allowed)
                      if s in text)


# -- argument builders ---------------------------------------------------------------
#
# ROOTS["Type.field"](city, case) gives the variants to ask: for "in", a list
# of argument dicts inside bureau one; for "out", a list of (arguments, the
# bureau-two id they name). The id is replaced by one that does not exist
# for the "missing" case. An empty "out" list says the field names nothing
# (it answers the caller's own subtree).

def _activity(city, org=None, attendance=None, speaker=None, day=None):
    data = {"orgId": org or city.branch_a, "kind": "PARTY_LECTURE" if speaker else
            "ACTIVITY_DAY", "theme": unique("矩阵测试"), "heldOn": day or city.after,
            "attendance": [{"memberId": m, "status": "PRESENT"}
                           for m in (attendance or [city.a1])]}
    if speaker:
        data["speakerId"] = speaker
    return data


def _file(city, theme):
    out = io.StringIO()
    csv.writer(out).writerows([["组织", "类型", "主题", "日期", "出席", "请假", "缺席", "请假事由"],
                               ["一局甲支部", "党员集中活动日", theme, city.after, "一局甲一",
                                "", "", ""]])
    return base64.b64encode(out.getvalue().encode()).decode()


def _fresh_member(city):
    return city.client.register_member(unique("一局新人"), city.branch_a)["id"]


def _fresh_leader(city):
    """A bureau committee member of bureau one (may contact its branches)."""
    return city.client.register_member(unique("一局委员"), city.branch_a,
                                       ["bureau_committee"])["id"]


def _roster(theme):
    out = io.StringIO()
    csv.writer(out).writerows([["姓名", "支部", "职务"], [theme, "一局甲支部", "党员"]])
    return base64.b64encode(out.getvalue().encode()).decode()


def _plan(city, org):
    return {"orgId": org, "year": city.year, "kind": "STUDY",
            "items": [{"month": m, "kind": "ACTIVITY_DAY", "theme": unique("矩阵计划")}
                      for m in range(1, 13)]}


def _self_study_plan(city, member):
    return {"memberId": member, "year": city.year, "goals": "目标", "content": "内容",
            "schedule": "安排", "safeguards": "保障"}


def _self_study_entry(city, member):
    return {"memberId": member, "on": city.after, "kind": "READING",
            "title": unique("矩阵自学"), "minutes": 30, "evidence": "读书笔记"}


def _adjustment(city, member, day):
    return {"memberId": member, "points": 2, "category": "study",
            "reason": unique("矩阵调整"), "on": day}


def _write(city, query, variables):
    """An operator's write, retried while the service has not yet heard of the tree."""
    def attempt():
        try:
            return city.client.run(query, variables)
        except GraphQLFailed as exc:  # UNAVAILABLE until the service has heard of the tree
            assert exc.codes != ["UNAVAILABLE"], exc
            raise
    return eventually(attempt, timeout=30, what="the service knowing the tree")


def _study(city):
    """Study records in both bureaus (once), so the study reads have
    something to show and something to withhold."""
    if getattr(city, "studied", False):
        return city

    def write(query, variables):
        return _write(city, query, variables)
    for branch, member, committee, secret in ((city.branch_a, city.a1, city.committee1, False),
                                              (city.branch_c, city.c1, city.committee2, True)):
        theme = unique("二局点题" if secret else "一局点题")
        write("""mutation($i: AnnualPlanInput!) { fileAnnualPlan(input: $i) { id } }""",
              {"i": _plan(city, branch)})
        write("""mutation($i: SelfStudyPlanInput!) { fileSelfStudyPlan(input: $i) {
            year } }""", {"i": _self_study_plan(city, member)})
        entry = write("""mutation($i: SelfStudyEntryInput!) { logSelfStudy(input: $i) {
            id } }""", {"i": _self_study_entry(city, member)})["logSelfStudy"]
        proposal = write("""mutation($o: ID!, $m: ID!, $t: String!) { proposeTheme(orgId: $o,
            memberId: $m, theme: $t) { id } }""", {"o": committee, "m": member, "t": theme})
        if secret:
            city.outside_ids |= {entry["id"], proposal["proposeTheme"]["id"]}
            city.outside_words.add(theme)
    city.studied = True
    return city


def _pledge_year():
    """Pledges are due within their year and not before today: this year's."""
    return clock.today().year


def _talk(city, org, first, second):
    return {"orgId": org, "kind": "INDIVIDUAL", "heldOn": city.after,
            "participantIds": [first, second], "notes": unique("矩阵谈心")}


def _household(city, member):
    return {"memberId": member, "name": unique("矩阵联户"), "address": unique("矩阵路"),
            "phone": "13800000000", "inDifficulty": False}


def _pledge(city, member):
    year = _pledge_year()
    return {"memberId": member, "year": year, "area": "SERVICE",
            "content": unique("矩阵承诺"), "due": f"{year}-12-31"}


def _minutes(speaker):
    return {"topic": unique("矩阵议题"), "speakerIds": [speaker], "decisions": []}


def _new_wish(city, branch=None, claimer=None):
    """A wish just posted (OPEN), or claimed by ``claimer`` (CLAIMED)."""
    wish = _write(city, """mutation($i: WishInput!) { postWish(input: $i) { id } }""",
                  {"i": {"branchId": branch or city.branch_a, "kind": "MICRO_WISH",
                         "title": unique("矩阵心愿"), "requester": unique("矩阵群众")}})
    wish_id = wish["postWish"]["id"]
    if claimer:
        _write(city, """mutation($w: ID!, $m: ID!) { claimWish(id: $w, memberId: $m) {
            id } }""", {"w": wish_id, "m": claimer})
    return wish_id


def _new_pledge(city):
    """An OPEN pledge of a fresh member of bureau one."""
    return _write(city, """mutation($i: PledgeInput!) { makePledge(input: $i) { id } }""",
                  {"i": _pledge(city, _fresh_member(city))})["makePledge"]["id"]


def _practice(city):
    """Members' practice in both bureaus (once): a talk, a claimed wish, a
    household with a visit, a pledge and minutes, so the practice reads have
    something to show and something to withhold. Bureau one's records are
    a2's (a member's own token, a1's, may not write them)."""
    if getattr(city, "practised", False):
        return city
    city.practice = {}
    for bureau, branch, first, second in ((1, city.branch_a, city.a2, city.a1),
                                          (2, city.branch_c, city.c1, city.c2)):
        talk = _talk(city, branch, first, second)
        talk_id = _write(city, """mutation($i: TalkInput!) { recordTalk(input: $i) {
            id } }""", {"i": talk})["recordTalk"]["id"]
        wish_id = _new_wish(city, branch, claimer=first)
        household = _household(city, first)
        household_id = _write(city, """mutation($i: HouseholdInput!) { registerHousehold(
            input: $i) { id } }""", {"i": household})["registerHousehold"]["id"]
        visit_note = unique("矩阵走访")
        visit_id = _write(city, """mutation($h: ID!, $on: Date!, $n: String!) {
            logHouseholdVisit(householdId: $h, on: $on, note: $n) { id } }""",
                          {"h": household_id, "on": city.after, "n": visit_note}
                          )["logHouseholdVisit"]["id"]
        pledge = _pledge(city, first)
        pledge_id = _write(city, """mutation($i: PledgeInput!) { makePledge(input: $i) {
            id } }""", {"i": pledge})["makePledge"]["id"]
        activity_id = city.activities[bureau][0][0]
        minutes = _minutes(city.a1 if bureau == 1 else city.c1)  # present that day
        _write(city, """mutation($a: ID!, $i: MinutesInput!) { recordMinutes(activityId: $a,
            input: $i) { id } }""", {"a": activity_id, "i": minutes})
        city.practice[bureau] = {"talk": talk_id, "wish": wish_id, "household": household_id,
                                 "visit": visit_id, "pledge": pledge_id}
        if bureau == 1:
            city.inside |= set(city.practice[1].values())
        else:
            city.outside_ids |= {talk_id, wish_id, household_id, visit_id, pledge_id}
            city.outside_words |= {talk["notes"], household["name"], household["address"],
                                   visit_note, pledge["content"], minutes["topic"]}
    city.practised = True
    return city


def _checkup_input(city, member):
    """Every indicator of the member's post type scored 80."""
    found = city.client.run("""query($m: ID!, $y: Int!) { checkupIndicators(memberId: $m,
        year: $y) { key } }""", {"m": member, "y": city.year})["checkupIndicators"]
    return {"memberId": member, "year": city.year,
            "scores": [{"indicator": i["key"], "score": 80} for i in found]}


def _checkups(city):
    """A check-up in each bureau (once), so the check-up read has something
    to show and something to withhold."""
    if not getattr(city, "checked_up", False):
        for member in (city.a1, city.c1):
            city.client.run("""mutation($i: CheckupInput!) { recordCheckup(input: $i) {
                total } }""", {"i": _checkup_input(city, member)})
        city.checked_up = True
    return city


def _appraised(city):
    """Democratic appraisals of the year (once): branch A's, open and
    scored; branch B's, for finalizing; branch C's, scored, never shown to
    bureau one."""
    if getattr(city, "appraisals", None):
        return city
    opened = {}
    for branch in (city.branch_a, city.branch_b, city.branch_c):
        opened[branch] = _write(city, """mutation($b: ID!, $y: Int!) { openAppraisal(
            branchId: $b, year: $y) { id } }""", {"b": branch, "y": city.year}
                                )["openAppraisal"]["id"]
    for appraisal, member, rater in ((opened[city.branch_a], city.a1, city.a2),
                                     (opened[city.branch_c], city.c1, city.c2)):
        _write(city, """mutation($i: AppraisalScoreInput!) { scoreAppraisal(input: $i) {
            id } }""", {"i": {"appraisalId": appraisal, "memberId": member, "part": "PEER",
                              "raterId": rater, "score": 88}})
    city.appraisals = {"a": opened[city.branch_a], "b": opened[city.branch_b],
                       "c": opened[city.branch_c]}
    city.inside.add(city.appraisals["a"])
    city.outside_ids.add(city.appraisals["c"])
    return city


def _public_score(appraisal, member):
    return {"input": {"appraisalId": appraisal, "memberId": member, "part": "PUBLIC",
                      "score": 80}}


def _mutate(city, name, args, answer="id"):
    """The schema's mutation ``name`` run by the operator with ``args``
    (every one a variable of the type the schema gives it)."""
    field = SCHEMA.mutation_type.fields[name]
    types = ", ".join(f"${a}: {field.args[a].type}" for a in args)
    passed = ", ".join(f"{a}: ${a}" for a in args)
    return _write(city, f"mutation({types}) {{ {name}({passed}) {{ {answer} }} }}",
                  args)[name]


def _nomination(city, org, holder=None, bureau="一局"):
    """An INDIVIDUAL named with its holder, or a POST without one (never twice
    alike; a bureau's words are never part of the other's)."""
    data = {"category": "INDIVIDUAL" if holder else "POST", "name": unique(f"{bureau}先锋"),
            "orgId": org, "citation": unique(f"{bureau}事迹"), "year": city.year}
    return {**data, "holderId": holder} if holder else data


def _nominee(city):
    """A POST of branch A just nominated, for deciding."""
    return _mutate(city, "nominatePioneer", _nomination(city, city.branch_a))["id"]


def _pioneered(city):
    """Pioneers of the year (once): in each bureau an individual selected,
    rated in its committee's open review of the year and mentoring a member;
    bureau two's never shown to bureau one."""
    if getattr(city, "pioneer", None):
        return city
    city.pioneer = {}
    for bureau, branch, committee, holder, mentee in (
            (1, city.branch_a, city.committee1, city.a1, city.a2),
            (2, city.branch_c, city.committee2, city.c1, city.c2)):
        nomination = _nomination(city, branch, holder, ("一局", "二局")[bureau - 1])
        pioneer = _mutate(city, "nominatePioneer", nomination)["id"]
        _mutate(city, "decidePioneer", {"id": pioneer, "selected": True})
        review = _mutate(city, "openPioneerReview", {"committeeId": committee,
                                                     "year": city.year})["id"]
        _mutate(city, "ratePioneer", _rating(review, pioneer))
        _mutate(city, "pairMentor", {"mentorId": holder, "menteeId": mentee}, "since")
        city.pioneer[bureau] = {"pioneer": pioneer, "review": review}
        if bureau == 1:
            city.inside |= {pioneer, review}
        else:
            city.outside_ids |= {pioneer, review}
            city.outside_words |= {nomination["name"], nomination["citation"]}
    return city


def _rating(review, pioneer):
    return {"reviewId": review, "pioneerId": pioneer, "raterKind": "PUBLIC", "rating": "GOOD"}


def _review_to_close(city):
    """Bureau one's review of the year before, open again each time (after
    one is closed, opening makes the re-review); no title of it is rated."""
    return _mutate(city, "openPioneerReview", {"committeeId": city.committee1,
                                               "year": city.year - 1})["id"]


def _quarter(city):
    """The quarter of last month, which the city's close left branch B two
    misses in (A1 and A2-CM: it held nothing): a reminder talk is proposed."""
    year, month = city.period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def _talk_held(city, org):
    return {"orgId": org, "quarter": _quarter(city), "heldOn": clock.today().isoformat()}


def _listed(city, subject):
    return {"subjectId": subject, "year": city.year, "reason": unique("矩阵负面")}


def _rectification(city, org, owner, bureau="一局"):
    """An item of ``org``'s rectification list (问题整改清单) due in the city's
    year (never twice alike; a bureau's words are never part of the other's)."""
    return {"orgId": org, "problem": unique(f"{bureau}整改问题"),
            "measures": [unique(f"{bureau}整改措施")], "ownerId": owner,
            "due": f"{city.year}-12-31", "campaign": True}


def _new_rectification(city, closed=False):
    """An OPEN item of branch B just made (CLOSED with ``closed``)."""
    item = _mutate(city, "createRectification",
                   {"input": _rectification(city, city.branch_b, city.b1)})["id"]
    if closed:
        _mutate(city, "closeRectification", {"id": item, "outcome": unique("一局整改结果")})
    return item


def _rectified(city):
    """A closed item in each bureau's list (once), so the rectification
    read has something to show and something to withhold."""
    if getattr(city, "rectifications", None):
        return city
    city.rectifications = {}
    for bureau, branch, owner in ((1, city.branch_a, city.a1), (2, city.branch_c, city.c1)):
        words = ("一局", "二局")[bureau - 1]
        data = _rectification(city, branch, owner, words)
        item = _mutate(city, "createRectification", {"input": data})["id"]
        outcome = unique(f"{words}整改结果")
        _mutate(city, "closeRectification", {"id": item, "outcome": outcome})
        city.rectifications[bureau] = item
        if bureau == 1:
            city.inside.add(item)
        else:
            city.outside_ids.add(item)
            city.outside_words |= {data["problem"], *data["measures"], outcome}
    return city


def _assigned_items(city):
    """The ASSIGNED items of bureau one's committee and below no builder took yet."""
    used = city.__dict__.setdefault("items_taken", set())
    found = city.client.run("""query($o: ID!) { supervisionItems(orgId: $o, state: ASSIGNED)
        { id } }""", {"o": city.committee1})["supervisionItems"]
    return [i["id"] for i in found if i["id"] not in used]


def _fresh_item(city, reported=False):
    """An ASSIGNED item of bureau one that no builder moved yet (REPORTED by
    the operator with ``reported``); when they run out, a fresh branch of
    bureau one, short last month, opens more."""
    free = _assigned_items(city)
    if not free:
        branch = city.client.create_org(unique("一局督办支部"), "BRANCH", city.committee1)["id"]

        def opened():  # once supervision has heard of the branch
            _write(city, """mutation($o: ID!, $p: String!) { closePeriod(orgId: $o,
                period: $p) { orgId } }""", {"o": branch, "p": city.period})
            assert _assigned_items(city)
            return _assigned_items(city)
        free = eventually(opened, timeout=30, what="the fresh branch's items")
    item = free[0]
    city.items_taken.add(item)
    if reported:
        _mutate(city, "reportSupervisionItem", {"id": item, "report": unique("一局报告")})
    return item


def _item_of_two(city):
    return [i["id"] for i in city.items if i["org"]["id"] == city.branch_c][0]


def _survey_input(city, committee, words="一局问卷"):
    return {"committeeId": committee, "year": city.year, "questions": [unique(words)]}


def _fresh_survey(city):
    """A survey of committee one just opened, that no one has answered."""
    return _mutate(city, "openSurvey", _survey_input(city, city.committee1))["id"]


def _surveyed(city):
    """A thought survey in each committee (once); bureau two's, with its
    question, never shown to bureau one."""
    if getattr(city, "surveys", None):
        return city
    city.surveys = {}
    for bureau, committee, words in ((1, city.committee1, "一局问卷"),
                                     (2, city.committee2, "二局问卷")):
        opened = _survey_input(city, committee, words)
        city.surveys[bureau] = _mutate(city, "openSurvey", opened)["id"]
        if bureau == 1:
            city.inside.add(city.surveys[1])
        else:
            city.outside_ids.add(city.surveys[2])
            city.outside_words |= set(opened["questions"])
    return city


ROOTS = {
    "Query.organization": lambda c, case: [{"id": c.bureau1}, {"id": c.branch_a}]
    if case == "in" else [({"id": c.bureau2}, c.bureau2), ({"id": c.city}, c.city)],
    "Query.organizations": lambda c, case: [{}] if case == "in" else [],
    "Query.today": lambda c, case: [{}] if case == "in" else [],
    "Query.member": lambda c, case: [{"id": c.t}, {"id": c.a1}]
    if case == "in" else [({"id": c.u}, c.u), ({"id": c.c1}, c.c1)],
    "Query.activities": lambda c, case: [{"orgId": c.bureau1, "from": c.before, "to": c.after}]
    if case == "in" else [({"orgId": c.branch_c, "from": c.before, "to": c.after}, c.branch_c)],
    "Query.compliance": lambda c, case: [{"orgId": c.bureau1, "period": c.period}]
    if case == "in" else [({"orgId": c.bureau2, "period": c.period}, c.bureau2)],
    "Query.supervisionItems": lambda c, case: [{"orgId": c.bureau1}]
    if case == "in" else [({"orgId": c.bureau2}, c.bureau2)],
    "Query.branchRatings": lambda c, case: [{"orgId": c.bureau1, "year": c.year},
                                            {"orgId": c.branch_a, "year": c.year}]
    if case == "in" else [({"orgId": c.bureau2, "year": c.year}, c.bureau2),
                          ({"orgId": c.branch_c, "year": c.year}, c.branch_c)],
    "Query.report": lambda c, case: [
        {"orgId": c.bureau1, "kind": "ANNUAL", "period": str(c.year)},
        {"orgId": c.branch_a, "kind": "MONTHLY", "period": c.period}]
    if case == "in" else [
        ({"orgId": c.bureau2, "kind": "ANNUAL", "period": str(c.year)}, c.bureau2),
        ({"orgId": c.branch_c, "kind": "MONTHLY", "period": c.period}, c.branch_c)],
    "Mutation.createOrganization": lambda c, case: [
        {"input": {"name": unique("一局乙支部小组"), "kind": "GROUP", "parentId": c.branch_b}}]
    if case == "in" else [
        ({"input": {"name": unique("组"), "kind": "GROUP", "parentId": c.branch_c}},
         c.branch_c)],
    "Mutation.registerMember": lambda c, case: [
        {"input": {"name": unique("一局新人"), "branchId": c.branch_a, "groupId": c.group_a}}]
    if case == "in" else [
        ({"input": {"name": unique("新人"), "branchId": c.branch_c}}, c.branch_c),
        ({"input": {"name": unique("新人"), "branchId": c.branch_a, "groupId": c.group_c}},
         c.group_c)],
    "Mutation.transferMember": lambda c, case: [
        {"memberId": _fresh_member(c), "branchId": c.branch_b}]
    if case == "in" else [
        ({"memberId": c.c1, "branchId": c.branch_a}, c.c1),
        ({"memberId": c.u, "branchId": c.branch_a}, c.u),
        ({"memberId": c.a2, "branchId": c.branch_c}, c.branch_c),
        ({"memberId": c.a2, "branchId": c.branch_a, "groupId": c.group_c}, c.group_c)],
    "Mutation.setMemberRoles": lambda c, case: [
        {"memberId": _fresh_member(c), "roles": ["branch_committee"]}]
    if case == "in" else [({"memberId": c.c1, "roles": ["secretary"]}, c.c1)],
    "Mutation.assignContactBranch": lambda c, case: [
        {"memberId": _fresh_leader(c), "branchId": c.branch_b}]
    if case == "in" else [({"memberId": c.c1, "branchId": c.branch_a}, c.c1),
                          ({"memberId": _fresh_leader(c), "branchId": c.branch_c}, c.branch_c)],
    "Mutation.importRoster": lambda c, case: [
        {"orgId": c.bureau1, "file": _roster(unique("一局花名册")), "dryRun": False}]
    if case == "in" else [({"orgId": c.bureau2, "file": _roster(unique("名册"))}, c.bureau2)],
    "Mutation.recordActivity": lambda c, case: [{"input": _activity(c)}]
    if case == "in" else [
        ({"input": _activity(c, org=c.branch_c, attendance=[c.c1])}, c.branch_c),
        ({"input": _activity(c, attendance=[c.a1, c.c1])}, c.c1),
        ({"input": _activity(c, speaker=c.c2)}, c.c2),
        # U belonged to A before the transfer, to C after: named as of the day
        ({"input": _activity(c, attendance=[c.a1, c.u], day=c.after)}, c.u)],
    "Mutation.recordActivities": lambda c, case: [{"inputs": [_activity(c), _activity(c)]}]
    if case == "in" else [
        ({"inputs": [_activity(c), _activity(c, org=c.branch_c, attendance=[c.c1])]},
         c.branch_c),
        ({"inputs": [_activity(c), _activity(c, attendance=[c.c2])]}, c.c2)],
    "Mutation.importActivities": lambda c, case: [
        {"orgId": c.bureau1, "file": _file(c, unique("导入")), "dryRun": False}]
    if case == "in" else [({"orgId": c.bureau2, "file": _file(c, unique("导入"))}, c.bureau2)],
    "Mutation.closePeriod": lambda c, case: [{"orgId": c.branch_a, "period": c.period}]
    if case == "in" else [({"orgId": c.branch_c, "period": c.period}, c.branch_c)],
    "Query.annualPlan": lambda c, case: [
        {"orgId": _study(c).branch_a, "year": c.year, "kind": "STUDY"}]
    if case == "in" else [
        ({"orgId": _study(c).branch_c, "year": c.year, "kind": "STUDY"}, c.branch_c)],
    "Query.themeProposals": lambda c, case: [{"orgId": _study(c).bureau1, "year": c.year}]
    if case == "in" else [({"orgId": _study(c).bureau2, "year": c.year}, c.bureau2)],
    "Query.selfStudyPlan": lambda c, case: [{"memberId": _study(c).a1, "year": c.year}]
    if case == "in" else [({"memberId": _study(c).c1, "year": c.year}, c.c1)],
    "Query.selfStudyLog": lambda c, case: [
        {"memberId": _study(c).a1, "from": c.before, "to": c.after}]
    if case == "in" else [({"memberId": _study(c).c1, "from": c.before, "to": c.after}, c.c1)],
    # a member's own token may write these for itself: the builders name
    # another member (a2), so that a reader's token (a1's) is refused
    "Mutation.fileAnnualPlan": lambda c, case: [{"input": _plan(c, c.branch_a)}]
    if case == "in" else [({"input": _plan(c, c.branch_c)}, c.branch_c)],
    "Mutation.proposeTheme": lambda c, case: [
        {"orgId": c.committee1, "memberId": c.a2, "theme": unique("一局点题")}]
    if case == "in" else [
        ({"orgId": c.committee2, "memberId": c.a1, "theme": unique("点题")}, c.committee2),
        ({"orgId": c.committee1, "memberId": c.c1, "theme": unique("点题")}, c.c1)],
    "Mutation.fileSelfStudyPlan": lambda c, case: [{"input": _self_study_plan(c, c.a2)}]
    if case == "in" else [({"input": _self_study_plan(c, c.c1)}, c.c1)],
    "Mutation.logSelfStudy": lambda c, case: [{"input": _self_study_entry(c, c.a2)}]
    if case == "in" else [({"input": _self_study_entry(c, c.c1)}, c.c1)],
    # members' practice: bureau one's records are a2's, and the "(self)"
    # writes name a2 or a fresh member, so that a reader's token (a1's) is
    # refused; a state-changing write acts on an object made for it
    "Query.talks": lambda c, case: [{"orgId": _practice(c).bureau1, "year": c.year}]
    if case == "in" else [({"orgId": _practice(c).branch_c, "year": c.year}, c.branch_c)],
    "Query.wishes": lambda c, case: [{"orgId": _practice(c).bureau1},
                                     {"orgId": c.branch_a, "state": "CLAIMED"}]
    if case == "in" else [({"orgId": _practice(c).branch_c}, c.branch_c)],
    "Query.households": lambda c, case: [{"memberId": _practice(c).a2}]
    if case == "in" else [({"memberId": _practice(c).c1}, c.c1)],
    "Query.householdVisits": lambda c, case: [{"memberId": _practice(c).a2, "year": c.year}]
    if case == "in" else [({"memberId": _practice(c).c1, "year": c.year}, c.c1)],
    "Query.pledges": lambda c, case: [{"orgId": _practice(c).bureau1, "year": _pledge_year()}]
    if case == "in" else [({"orgId": _practice(c).bureau2, "year": _pledge_year()},
                           c.bureau2)],
    "Mutation.recordTalk": lambda c, case: [{"input": _talk(c, c.branch_a, c.a1, c.a2)}]
    if case == "in" else [({"input": _talk(c, c.branch_c, c.c1, c.c2)}, c.branch_c),
                          ({"input": _talk(c, c.branch_a, c.a1, c.c1)}, c.c1)],
    "Mutation.postWish": lambda c, case: [{"input": {
        "branchId": c.branch_b, "kind": "PROXY_SERVICE", "title": unique("矩阵代办"),
        "requester": unique("矩阵群众"), "contact": "13900000000"}}]
    if case == "in" else [({"input": {"branchId": c.branch_c, "kind": "MICRO_WISH",
                                      "title": unique("心愿"), "requester": unique("群众")}},
                           c.branch_c)],
    "Mutation.claimWish": lambda c, case: [{"id": _new_wish(c), "memberId": c.a2}]
    if case == "in" else [
        ({"id": _practice(c).practice[2]["wish"], "memberId": c.a2},
         c.practice[2]["wish"]),
        ({"id": _new_wish(c), "memberId": c.c1}, c.c1)],
    "Mutation.fulfilWish": lambda c, case: [
        {"id": _new_wish(c, claimer=c.a2), "on": clock.today().isoformat(), "note": "已办"}]
    if case == "in" else [
        ({"id": _practice(c).practice[2]["wish"], "on": clock.today().isoformat()},
         c.practice[2]["wish"])],
    "Mutation.cancelWish": lambda c, case: [{"id": _new_wish(c), "reason": "重复"}]
    if case == "in" else [
        ({"id": _practice(c).practice[2]["wish"], "reason": "重复"}, c.practice[2]["wish"])],
    "Mutation.recordMinutes": lambda c, case: [
        {"activityId": c.activities[1][0][0], "input": _minutes(c.a1)}]
    if case == "in" else [
        ({"activityId": c.activities[2][0][0], "input": _minutes(c.c1)},
         c.activities[2][0][0]),
        ({"activityId": c.activities[1][0][0], "input": _minutes(c.c1)}, c.c1)],
    "Mutation.registerHousehold": lambda c, case: [
        {"input": _household(c, _fresh_member(c))}]
    if case == "in" else [({"input": _household(c, c.c1)}, c.c1)],
    "Mutation.logHouseholdVisit": lambda c, case: [
        {"householdId": _practice(c).practice[1]["household"], "on": c.after,
         "note": unique("矩阵走访")}]
    if case == "in" else [
        ({"householdId": _practice(c).practice[2]["household"], "on": c.after,
          "note": unique("走访")}, c.practice[2]["household"])],
    "Mutation.makePledge": lambda c, case: [{"input": _pledge(c, _fresh_member(c))}]
    if case == "in" else [({"input": _pledge(c, c.c1)}, c.c1)],
    "Mutation.settlePledge": lambda c, case: [
        {"id": _new_pledge(c), "fulfilled": True, "on": clock.today().isoformat(),
         "note": "兑现"}]
    if case == "in" else [
        ({"id": _practice(c).practice[2]["pledge"], "fulfilled": True,
          "on": clock.today().isoformat()}, c.practice[2]["pledge"])],
    # evaluation: the party-spirit check-up (党性教育体检)
    "Query.checkupIndicators": lambda c, case: [{"memberId": c.a1, "year": c.year}]
    if case == "in" else [({"memberId": c.c1, "year": c.year}, c.c1)],
    "Query.checkup": lambda c, case: [{"memberId": _checkups(c).a1, "year": c.year}]
    if case == "in" else [({"memberId": _checkups(c).c1, "year": c.year}, c.c1)],
    "Mutation.recordCheckup": lambda c, case: [{"input": _checkup_input(c, c.a2)}]
    if case == "in" else [({"input": _checkup_input(c, c.c1)}, c.c1)],
    # democratic appraisal: A's is scored (PUBLIC, which a member's token may
    # not give), B's finalized, C's is bureau two's
    "Query.appraisal": lambda c, case: [{"branchId": _appraised(c).branch_a, "year": c.year}]
    if case == "in" else [({"branchId": _appraised(c).branch_c, "year": c.year}, c.branch_c)],
    "Mutation.openAppraisal": lambda c, case: [{"branchId": c.branch_b, "year": c.year}]
    if case == "in" else [({"branchId": c.branch_c, "year": c.year}, c.branch_c)],
    "Mutation.scoreAppraisal": lambda c, case: [
        _public_score(_appraised(c).appraisals["a"], c.a2)]
    if case == "in" else [
        (_public_score(_appraised(c).appraisals["c"], c.c1), c.appraisals["c"]),
        (_public_score(c.appraisals["a"], c.c1), c.c1)],
    "Mutation.finalizeAppraisal": lambda c, case: [{"id": _appraised(c).appraisals["b"]}]
    if case == "in" else [({"id": _appraised(c).appraisals["c"]}, c.appraisals["c"])],
    # scoring: the ledger (a fresh member's dues each time: a month is paid once)
    "Query.dualRecord": lambda c, case: [{"memberId": c.t, "year": c.year},
                                         {"memberId": c.a1, "year": c.year}]
    if case == "in" else [({"memberId": c.c1, "year": c.year}, c.c1),
                          ({"memberId": c.u, "year": c.year}, c.u)],
    "Query.fourQualified": lambda c, case: [{"memberId": c.t, "year": c.year},
                                            {"memberId": c.a1, "year": c.year}]
    if case == "in" else [({"memberId": c.c1, "year": c.year}, c.c1),
                          ({"memberId": c.u, "year": c.year}, c.u)],
    "Mutation.adjustPoints": lambda c, case: [{"input": _adjustment(c, c.a2, c.after)}]
    if case == "in" else [({"input": _adjustment(c, c.c1, c.after)}, c.c1),
                          # T belonged to bureau two before the transfer
                          ({"input": _adjustment(c, c.t, c.before)}, c.t)],
    "Mutation.recordDues": lambda c, case: [
        {"memberId": _fresh_member(c), "month": c.period, "amount": 30}]
    if case == "in" else [({"memberId": c.c1, "month": c.period, "amount": 30}, c.c1)],
    # the pioneer programme (时代先锋): bureau one's title (a1's) stays SELECTED
    # (its review is rated, never closed) so that a1 may mentor a fresh member
    "Query.pioneers": lambda c, case: [
        {"orgId": _pioneered(c).bureau1},
        {"orgId": c.branch_a, "year": c.year, "state": "SELECTED"}]
    if case == "in" else [({"orgId": _pioneered(c).bureau2}, c.bureau2)],
    "Query.pioneerReview": lambda c, case: [{"id": _pioneered(c).pioneer[1]["review"]}]
    if case == "in" else [({"id": _pioneered(c).pioneer[2]["review"]},
                           c.pioneer[2]["review"])],
    "Query.talentPool": lambda c, case: [{"orgId": _pioneered(c).bureau1}]
    if case == "in" else [({"orgId": _pioneered(c).branch_c}, c.branch_c)],
    "Query.mentoringPairs": lambda c, case: [{"orgId": _pioneered(c).bureau1}]
    if case == "in" else [({"orgId": _pioneered(c).bureau2}, c.bureau2)],
    "Mutation.nominatePioneer": lambda c, case: [_nomination(c, c.branch_b)]
    if case == "in" else [(_nomination(c, c.branch_c), c.branch_c),
                          (_nomination(c, c.branch_a, holder=c.c1), c.c1)],
    "Mutation.decidePioneer": lambda c, case: [{"id": _nominee(c), "selected": True}]
    if case == "in" else [({"id": _pioneered(c).pioneer[2]["pioneer"], "selected": False},
                           c.pioneer[2]["pioneer"])],
    "Mutation.openPioneerReview": lambda c, case: [{"committeeId": c.committee1,
                                                    "year": c.year}]
    if case == "in" else [({"committeeId": c.committee2, "year": c.year}, c.committee2)],
    "Mutation.ratePioneer": lambda c, case: [
        _rating(_pioneered(c).pioneer[1]["review"], c.pioneer[1]["pioneer"])]
    if case == "in" else [
        (_rating(_pioneered(c).pioneer[2]["review"], c.pioneer[2]["pioneer"]),
         c.pioneer[2]["review"]),
        (_rating(c.pioneer[1]["review"], c.pioneer[2]["pioneer"]), c.pioneer[2]["pioneer"])],
    "Mutation.closePioneerReview": lambda c, case: [{"id": _review_to_close(c)}]
    if case == "in" else [({"id": _pioneered(c).pioneer[2]["review"]},
                           c.pioneer[2]["review"])],
    "Mutation.pairMentor": lambda c, case: [
        {"mentorId": _pioneered(c).a1, "menteeId": _fresh_member(c)}]
    if case == "in" else [({"mentorId": _pioneered(c).c1, "menteeId": c.a2}, c.c1),
                          ({"mentorId": c.a1, "menteeId": c.c2}, c.c2)],
    # supervision: reminder talks (约谈提醒) and the negative list (负面清单); the
    # writes belong to the organisations above their subject (bureau one's)
    "Query.reminderProposals": lambda c, case: [{"orgId": c.bureau1, "quarter": _quarter(c)}]
    if case == "in" else [({"orgId": c.bureau2, "quarter": _quarter(c)}, c.bureau2)],
    "Query.negativeList": lambda c, case: [{"orgId": c.bureau1, "year": c.year}]
    if case == "in" else [({"orgId": c.bureau2, "year": c.year}, c.bureau2)],
    "Mutation.recordReminderTalk": lambda c, case: [_talk_held(c, c.branch_b)]
    if case == "in" else [(_talk_held(c, c.branch_c), c.branch_c)],
    "Mutation.addToNegativeList": lambda c, case: [_listed(c, c.branch_b)]
    if case == "in" else [(_listed(c, c.branch_c), c.branch_c), (_listed(c, c.c1), c.c1)],
    # supervision: rectification lists (问题整改清单); a state-changing write
    # acts on an item of branch B made for it
    "Query.rectifications": lambda c, case: [
        {"orgId": _rectified(c).bureau1, "year": c.year},
        {"orgId": c.branch_a, "year": c.year, "state": "CLOSED"}]
    if case == "in" else [({"orgId": _rectified(c).bureau2, "year": c.year}, c.bureau2),
                          ({"orgId": c.branch_c, "year": c.year, "state": "OPEN"},
                           c.branch_c)],
    "Mutation.createRectification": lambda c, case: [
        {"input": _rectification(c, c.branch_b, c.b1)}]
    if case == "in" else [
        ({"input": _rectification(c, c.branch_c, c.c1, "二局")}, c.branch_c),
        ({"input": _rectification(c, c.branch_a, c.c1)}, c.c1)],
    "Mutation.closeRectification": lambda c, case: [
        {"id": _new_rectification(c), "outcome": unique("一局整改结果")}]
    if case == "in" else [({"id": _rectified(c).rectifications[2], "outcome": "已整改"},
                           c.rectifications[2])],
    "Mutation.publishRectification": lambda c, case: [
        {"id": _new_rectification(c, closed=True)}]
    if case == "in" else [({"id": _rectified(c).rectifications[2]}, c.rectifications[2])],
    # supervision items (督办): bureau one's scope is strictly above its
    # committee's and branches' items, so it reports, closes and escalates them
    "Mutation.reportSupervisionItem": lambda c, case: [
        {"id": _fresh_item(c), "report": unique("一局整改报告")}]
    if case == "in" else [({"id": _item_of_two(c), "report": "报告"}, _item_of_two(c))],
    "Mutation.closeSupervisionItem": lambda c, case: [
        {"id": _fresh_item(c, reported=True), "note": unique("一局销号")}]
    if case == "in" else [({"id": _item_of_two(c), "note": "销号"}, _item_of_two(c))],
    "Mutation.escalateSupervisionItem": lambda c, case: [
        {"id": _fresh_item(c), "note": unique("一局追责")}]
    if case == "in" else [({"id": _item_of_two(c), "note": "追责"}, _item_of_two(c))],
    # the thought survey (思想政治状况调查): answerSurvey is "(self)", so the
    # builders name a2 (a reader's token is a1's) and a survey just opened
    "Query.surveys": lambda c, case: [{"orgId": _surveyed(c).bureau1, "year": c.year},
                                      {"orgId": c.committee1, "year": c.year}]
    if case == "in" else [({"orgId": _surveyed(c).bureau2, "year": c.year}, c.bureau2)],
    "Mutation.openSurvey": lambda c, case: [_survey_input(c, c.committee1)]
    if case == "in" else [(_survey_input(c, c.committee2, "问卷"), c.committee2)],
    "Mutation.answerSurvey": lambda c, case: [
        {"surveyId": _fresh_survey(c), "memberId": c.a2, "answers": [3]}]
    if case == "in" else [
        ({"surveyId": _surveyed(c).surveys[2], "memberId": c.a2, "answers": [3]},
         c.surveys[2]),
        ({"surveyId": _fresh_survey(c), "memberId": c.c1, "answers": [3]}, c.c1)],
}
# Arguments of nested fields, by name.
NESTED_ARGS = {"year": lambda c: c.year}


# -- the walk --------------------------------------------------------------------------

def _unwrap(type_):
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _required(field):
    return [name for name, arg in field.args.items()
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is None]


def selection(city, type_, covered, trail):
    """Every field of ``type_``, object fields walked in turn (to MAX_DEPTH, a
    type at most MAX_RECURRENCE times on a path); ``covered`` collects the
    ``Type.field`` names selected."""
    parts = []
    for name, field in type_.fields.items():
        target = _unwrap(field.type)
        if isinstance(target, GraphQLObjectType) and (
                len(trail) >= MAX_DEPTH or trail.count(target.name) >= MAX_RECURRENCE):
            continue
        missing = [a for a in _required(field) if a not in NESTED_ARGS]
        assert not missing, (f"{type_.name}.{name}({missing[0]}:) is required and has no "
                             "builder; add one to NESTED_ARGS")
        args = ", ".join(f"{a}: {json.dumps(NESTED_ARGS[a](city))}"
                         for a in field.args if a in NESTED_ARGS)
        text = f"{name}({args})" if args else name
        covered.add(f"{type_.name}.{name}")
        if isinstance(target, GraphQLObjectType):
            text += f" {{ {selection(city, target, covered, trail + (target.name,))} }}"
        parts.append(text)
    return " ".join(parts)


def reachable(type_, seen):
    if type_.name not in seen:
        seen.add(type_.name)
        for field in type_.fields.values():
            target = _unwrap(field.type)
            if isinstance(target, GraphQLObjectType):
                reachable(target, seen)
    return seen


def roots(operation):
    """(``Type.field``, field name, field) of every root field of an operation."""
    root = SCHEMA.query_type if operation == "query" else SCHEMA.mutation_type
    return [(f"{root.name}.{name}", name, field) for name, field in root.fields.items()]


def document(city, operation, asks, covered=None):
    """One request asking ``asks``: [(alias, root field name, field, args)];
    every argument goes as a variable. Returns (text, variables)."""
    covered = set() if covered is None else covered
    definitions, parts, variables = [], [], {}
    for alias, name, field, args in asks:
        missing = [a for a in _required(field) if a not in args]
        assert not missing, (f"{name}({missing[0]}:) is required and its builder in ROOTS "
                             "does not give it")
        passed = []
        for arg, value in args.items():
            variable = f"{alias}_{arg}"
            definitions.append(f"${variable}: {field.args[arg].type}")
            variables[variable] = value
            passed.append(f"{arg}: ${variable}")
        text = f"{alias}: {name}" + (f"({', '.join(passed)})" if passed else "")
        target = _unwrap(field.type)
        if isinstance(target, GraphQLObjectType):
            text += f" {{ {selection(city, target, covered, (target.name,))} }}"
        parts.append(text)
    head = operation + (f"({', '.join(definitions)})" if definitions else "")
    return f"{head} {{ {' '.join(parts)} }}", variables


def asks_of(city, operation, case):
    """[(alias, name, field, args, named id)] of every variant of every root
    field of ``operation`` for ``case`` ("in", "out" or "missing")."""
    out = []
    for key, name, field in roots(operation):
        assert key in ROOTS, f"{key} has no argument builder in ROOTS; add one"
        variants = ROOTS[key](city, "in" if case == "in" else "out")
        for i, variant in enumerate(variants):
            args, named = (variant, None) if case == "in" else variant
            if case == "missing":
                fake = secrets.token_hex(16)
                args = json.loads(json.dumps(args).replace(named, fake))
                named = fake
            out.append((f"{name}_{i}", name, field, args, named))
    return out


# -- the world -------------------------------------------------------------------------

# The matrix asks for every field of every reachable type in one request per
# case, far more than a portal's screen: it runs on the platform whose query
# limits are raised (conftest's ROOMY_LIMITS; the defaults are tested in
# tests/e2e/test_hostile.py), so that what is judged is scope alone. Its city
# is its own, and every judgement is about that city.
@pytest.fixture(scope="module")
def platform(roomy_platform):
    return roomy_platform


@pytest.fixture(scope="module")
def city(platform):
    return City(admin(platform))


@pytest.fixture(scope="module")
def http(platform):
    return Client(platform.url)


def bearer(city, role):
    """A token of bureau one; a member's token is a member's own."""
    return token(city.bureau1, (role,), sub=city.a1 if role == "member" else f"{role}-of-one")


def ask(http, city, operation, asks, bearer_token):
    text, variables = document(city, operation, [a[:4] for a in asks])
    response = http.post(text, variables, token=bearer_token)
    assert response.status_code == 200, response.text
    return response.json()


SNAPSHOT = """query($c: ID!) {
    organization(id: $c) { ...o children { ...o children { ...o children { ...o
        children { ...o } } } } }
    activities(orgId: $c, from: "1921-01-01", to: "2999-12-31") { id theme org { id }
        speaker { id } attendance { member { id } status } }
    supervisionItems(orgId: $c) { id org { id } rule period state } }
fragment o on Organization { id name kind members { id name roles branch { id } } }"""


def snapshot(http, city):
    """Everything a mutation could have written, as an operator sees it."""
    return http.run(SNAPSHOT, {"c": city.city}, token=token())


def at(data, path):
    for key in path:
        if data is None:
            return None
        data = data[key]
    return data


def _dicts(data):
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _dicts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _dicts(value)


def withheld(reference, answer, path):
    """What the operator's ``reference`` answer holds where ``answer`` was
    withheld: at the same path, and at the same field of every object with
    the id of the nearest ancestor that has one (a root that answers the
    caller's own subtree differs between callers)."""
    found = [at(reference, path)]
    for cut in range(len(path) - 1, 0, -1):
        ancestor = at(answer, path[:cut])
        if isinstance(ancestor, dict) and "id" in ancestor:
            rest = path[cut:]
            found += [at(d, rest) for d in _dicts(reference)
                      if d.get("id") == ancestor["id"] and rest[0] in d]
            break
    return found


def codes(answer):
    return [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]


def same_words(message, named):
    return message.replace(named, "<id>")


# -- the tests -------------------------------------------------------------------------

class Stub:
    """Argument builders' inputs, for judging the schema without a platform."""
    year = 2017

    def __getattr__(self, name):
        return f"stub-{name}"


def test_every_root_field_and_required_argument_has_a_builder_and_every_field_is_walked():
    covered, types = set(), set()
    for operation in ("query", "mutation"):
        for key, name, field in roots(operation):
            assert key in ROOTS, f"{key} has no argument builder in ROOTS; add one"
            target = _unwrap(field.type)
            if isinstance(target, GraphQLObjectType):
                selection(Stub(), target, covered, (target.name,))
                reachable(target, types)
    every = {f"{t}.{f}" for t in types for f in SCHEMA.type_map[t].fields}
    assert every - covered == set(), "fields the walk never selects"
    assert {"Member.points", "PointEntry.id", "Attendance.member", "Activity.speaker",
            "SupervisionItem.org", "QuotaResult.subjectId"} <= covered


@pytest.mark.parametrize("role", ROLES)
def test_every_read_inside_the_subtree_answers_in_full_and_shows_nothing_outside(
        city, http, role):
    asks = asks_of(city, "query", "in")
    answer = ask(http, city, "query", asks, bearer(city, role))
    reference = ask(http, city, "query", asks, token())
    assert "errors" not in reference, reference["errors"]
    assert city.leaks(answer) == []
    assert answer["data"] is not None, answer["errors"]
    for alias, *_ in asks:
        assert answer["data"][alias] is not None, alias
    # what is withheld is an object outside bureau one, null with FORBIDDEN there
    for error in answer.get("errors", []):
        assert error["extensions"]["code"] == "FORBIDDEN", error
        assert at(answer["data"], error["path"]) is None, error
        assert city.leaks(withheld(reference["data"], answer["data"], error["path"])), error
    # and nothing of bureau one that the operator sees is missing
    shown = json.dumps(answer["data"], ensure_ascii=False)
    wanted = json.dumps(reference["data"], ensure_ascii=False)
    assert sorted(s for s in city.inside if s in wanted and s not in shown) == []
    # both transferred members are shown (T today, U at bureau one's meetings
    # before the transfer), without what they did in bureau two
    assert city.t in shown and city.u in shown


@pytest.mark.parametrize("role", ROLES)
def test_every_read_outside_the_subtree_or_of_an_unknown_id_is_forbidden_alike(
        city, http, role):
    outside = asks_of(city, "query", "out")
    missing = asks_of(city, "query", "missing")
    assert len(outside) >= 6
    for there, nowhere in zip(outside, missing):
        answers = [ask(http, city, "query", [a], bearer(city, role)) for a in (there, nowhere)]
        for answer, (alias, *_rest, named) in zip(answers, (there, nowhere)):
            assert codes(answer) == ["FORBIDDEN"], (alias, answer)
            assert answer["errors"][0]["path"] == [alias]
            assert at(answer["data"], [alias]) is None
            assert city.leaks(answer, allowed={named}) == [], alias
        words = [same_words(a["errors"][0]["message"], ask_[-1])
                 for a, ask_ in zip(answers, (there, nowhere))]
        assert words[0] == words[1], words
        assert answers[0]["errors"][0].get("extensions") == \
            answers[1]["errors"][0].get("extensions")
    # a field that names nothing answers the caller's own subtree
    named_nothing = [k for k, _, _ in roots("query") if not ROOTS[k](city, "out")]
    assert sorted(named_nothing) == ["Query.organizations", "Query.today"]


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_readers_change_nothing_inside_or_outside(city, http, role):
    asks = asks_of(city, "mutation", "in") + asks_of(city, "mutation", "out")
    before = snapshot(http, city)  # after the builders, which may prepare a member
    for alias, *rest in asks:
        answer = ask(http, city, "mutation", [(alias, *rest)], bearer(city, role))
        assert codes(answer) == ["FORBIDDEN"], (alias, answer)
        assert answer["data"] is None
        assert city.leaks(answer, allowed={rest[-1]}) == [], alias
    assert snapshot(http, city) == before


@pytest.mark.parametrize("role", sorted(WRITERS))
def test_writers_change_nothing_outside_and_an_unknown_id_is_answered_alike(
        city, http, role):
    outside = asks_of(city, "mutation", "out")
    missing = asks_of(city, "mutation", "missing")
    before = snapshot(http, city)
    assert len(outside) >= 12
    for there, nowhere in zip(outside, missing):
        answers = [ask(http, city, "mutation", [a], bearer(city, role))
                   for a in (there, nowhere)]
        for answer, (alias, *_rest, named) in zip(answers, (there, nowhere)):
            assert codes(answer) == ["FORBIDDEN"], (alias, named, answer)
            assert answer["data"] is None
            assert city.leaks(answer, allowed={named}) == [], alias
        words = [same_words(a["errors"][0]["message"], ask_[-1])
                 for a, ask_ in zip(answers, (there, nowhere))]
        assert words[0] == words[1], words
    # a member of bureau one who did not belong to the branch is the caller's
    # to know about: still BAD_INPUT, naming them
    (field,) = [f for _, name, f in roots("mutation") if name == "recordActivity"]
    stranger = ("stranger", "recordActivity", field,
                {"input": _activity(city, attendance=[city.a1, city.b1])}, None)
    answer = ask(http, city, "mutation", [stranger], bearer(city, role))
    assert codes(answer) == ["BAD_INPUT"] and city.b1 in answer["errors"][0]["message"]
    assert snapshot(http, city) == before


@pytest.mark.parametrize("role", sorted(WRITERS))
def test_writers_change_what_is_inside_and_are_shown_nothing_outside(city, http, role):
    for alias, *rest in asks_of(city, "mutation", "in"):
        answer = ask(http, city, "mutation", [(alias, *rest)], bearer(city, role))
        if role != "admin" and rest[0] in ADMIN_ONLY:
            assert codes(answer) == ["FORBIDDEN"], (alias, answer)
            continue
        assert "errors" not in answer, (alias, answer)
        assert answer["data"][alias] is not None
        assert city.leaks(answer) == [], alias
