"""Idempotency-Key, the pure parts (shared/idempotency.py): the key a client
may send, the fingerprint of a command's arguments, the request a service
receives; and the gateway giving every mutation field of the schema its own
request, in-process against a recording stand-in for the services (the
database side is in tests/integration/test_idempotency.py, the crash in
tests/e2e/test_idempotency.py)."""
import base64
import io
import json

import pytest

from gateway.app import Gateway
from gateway.auth import make_token
from gateway.schema import schema
from shared.errors import BadInput
from shared.idempotency import MAX_KEY, Request, client_key, field_key, fingerprint
from tests.unit.test_gateway import SECRET, FakeServices

ACTIVITY = {"org_id": "br", "kind": "ACTIVITY_DAY", "theme": "学党章", "held_on": "2017-06-03",
            "speaker_id": None, "attendance": [{"member_id": "m1", "status": "PRESENT"},
                                               {"member_id": "m2", "status": "ABSENT"}]}


# -- the key a client sends ----------------------------------------------------------

def test_without_a_header_every_request_gets_a_key_of_its_own():
    first, second = client_key(None), client_key(None)
    assert first != second and len(first) == 32


@pytest.mark.parametrize("key", ["a", "retry-2017-06-03/7", "x" * MAX_KEY, " ~!\"#$%&'()*+"])
def test_a_key_of_1_to_128_printable_ascii_characters_is_taken_as_it_is(key):
    assert client_key(key) == key


@pytest.mark.parametrize("tried, words", [
    ("x" * (MAX_KEY + 1), "129 characters"),
    ("x" * 10_000, "10000 characters"),
    ("", "empty"),
    ("tab\there", "character 4"),
    ("nul\x00", "character 4"),
    ("del\x7f", "character 4"),
    ("钥匙", "character 1"),
    ("caf\xc3\xa9", "character 4"),  # UTF-8 "café" as a WSGI server decodes the header
])
def test_a_key_too_long_empty_or_not_printable_ascii_is_bad_input_naming_the_limit(tried, words):
    with pytest.raises(BadInput) as caught:
        client_key(tried)
    assert caught.value.field == "Idempotency-Key"
    assert words in caught.value.message and str(MAX_KEY) in caught.value.message


# -- the fingerprint of a command ----------------------------------------------------

def test_the_fingerprint_ignores_the_order_of_keys():
    shuffled = dict(reversed(list(ACTIVITY.items())))
    assert fingerprint([shuffled, "sec"]) == fingerprint([ACTIVITY, "sec"])


@pytest.mark.parametrize("change", [
    lambda a: a.update(theme="学党章 "),
    lambda a: a.update(held_on="2017-06-04"),
    lambda a: a["attendance"].reverse(),  # the order the secretary listed is kept
    lambda a: a["attendance"][0].update(status="ABSENT"),
    lambda a: a.update(speaker_id="m1"),
    lambda a: a.pop("speaker_id"),  # absent is not the same as null
])
def test_any_change_of_the_body_changes_the_fingerprint(change):
    changed = json.loads(json.dumps(ACTIVITY))
    change(changed)
    assert fingerprint([changed, "sec"]) != fingerprint([ACTIVITY, "sec"])


def test_the_fingerprint_tells_callers_and_argument_positions_apart():
    assert fingerprint([ACTIVITY, "sec"]) != fingerprint([ACTIVITY, "admin"])
    assert fingerprint(["a", "b"]) != fingerprint(["b", "a"])
    assert fingerprint(["ab", ""]) != fingerprint(["a", "b"])


def test_the_fingerprint_takes_any_text_a_request_may_carry():
    assert fingerprint(["党员\ud800"]) != fingerprint(["党员\ud801"])  # lone surrogates
    assert fingerprint(["a\x00b"]) != fingerprint(["ab"])
    assert len(fingerprint([{"file": "x" * 100_000}])) == 64


# -- the request a service receives --------------------------------------------------

@pytest.mark.parametrize("tried", [
    "k", ["k", "sub"], {"subject": "sub"}, {"key": "", "subject": "sub"},
    {"key": 7, "subject": "sub"}, {"key": "k"}, {"key": "k", "subject": None}])
def test_a_malformed_request_is_bad_input(tried):
    with pytest.raises(BadInput) as caught:
        Request.of(tried, [ACTIVITY])
    assert caught.value.field == "request"


def test_no_request_is_a_command_without_a_key_and_one_subjects_key_is_not_anothers():
    assert Request.of(None, [ACTIVITY]) is None
    mine = Request.of({"key": "k/recordActivity", "subject": "sec-1"}, [ACTIVITY])
    theirs = Request.of({"key": "k/recordActivity", "subject": "sec-2"}, [ACTIVITY])
    again = Request.of({"key": "k/recordActivity", "subject": "sec-1"}, [ACTIVITY])
    assert mine.request_id == again.request_id != theirs.request_id
    assert mine.fingerprint == theirs.fingerprint
    assert field_key("k", "a") != field_key("k", "b") != field_key("k/a", "")


# -- the gateway: every mutation carries its request ---------------------------------

class Recording(FakeServices):
    """The fake city, answering every mutation and keeping what each was sent."""

    def __init__(self):
        super().__init__(1, 1, 2)
        self.requests = []

    def _keep(self, method, request):
        self.requests.append((method, request))

    def create_organization(self, data, actor, request):
        self._keep("create_organization", request)
        return {**self.orgs["bureau0-branch0"], "name": data["name"]}

    def register_member(self, data, actor, request):
        self._keep("register_member", request)
        return self.members["bureau0-branch0-m0"]

    def transfer_member(self, data, actor, request, roles=None):
        self._keep("transfer_member", request)
        return self.members[data["member_id"]]

    def record_activity(self, data, actor, request, roles=None):
        self._keep("record_activity", request)
        return {"id": "a1", **data}

    def record_activities(self, datas, actor, request, roles=None):
        self._keep("record_activities", request)
        return [{"id": f"a{i}", **d} for i, d in enumerate(datas)]

    def import_activities(self, org_id, file, dry_run, actor, request, roles=None):
        self._keep("import_activities", request)
        return {"dry_run": dry_run, "created": 1, "errors": []}

    def set_member_roles(self, data, actor, request, roles=None):
        self._keep("set_member_roles", request)
        return self.members[data["member_id"]]

    def assign_contact_branch(self, data, actor, request):
        self._keep("assign_contact_branch", request)
        return self.members[data["member_id"]]

    def import_roster(self, org_id, file, dry_run, actor, request):
        self._keep("import_roster", request)
        return {"dry_run": dry_run, "created": 1, "updated": 0, "errors": []}

    def close_period(self, org_id, period, actor, early, request):
        self._keep("close_period", request)
        return {"org_id": org_id, "period": period, "results": []}

    def file_annual_plan(self, data, actor, request, roles=None):
        self._keep("file_annual_plan", request)
        return {"id": "p1", **data}

    def propose_theme(self, org_id, member_id, theme, actor, request, roles=None):
        self._keep("propose_theme", request)
        return {"id": "t1", "org_id": org_id, "member_id": member_id, "theme": theme}

    def file_self_study_plan(self, data, actor, request, roles=None):
        self._keep("file_self_study_plan", request)
        return dict(data)

    def log_self_study(self, data, actor, request, roles=None):
        self._keep("log_self_study", request)
        return {"id": "e1", **data}

    # -- members' practice: talks, minutes and wishes --

    WISH = {"id": "w1", "kind": "MICRO_WISH", "branch_id": "bureau0-branch0",
            "branch_path": ["city", "bureau0", "bureau0-branch0"], "bureau_id": "bureau0",
            "title": "修水管", "requester": "王阿姨", "posted_on": "2017-06-01", "state": "OPEN",
            "claimed_by": None, "claimed_on": None, "fulfilled_on": None, "note": None}

    def record_talk(self, data, actor, request, roles=None):
        self._keep("record_talk", request)
        return {"id": "t1", "org_path": ["city", "bureau0", data["org_id"]], **data}

    def get_activity(self, activity_id):
        return {"id": activity_id, "org_id": "bureau0-branch0", "kind": "GENERAL_MEETING",
                "theme": "学", "held_on": "2017-06-03", "attendance": [], "guest_ids": [],
                "org_path": ["city", "bureau0", "bureau0-branch0"]}

    def record_minutes(self, activity_id, data, actor, request, roles=None):
        self._keep("record_minutes", request)
        return {**self.get_activity(activity_id), "minutes": data}

    def get_wish(self, wish_id):
        return {**self.WISH, "id": wish_id}

    def post_wish(self, data, actor, request, roles=None):
        self._keep("post_wish", request)
        return self.WISH

    def claim_wish(self, wish_id, member_id, actor, request, roles=None):
        self._keep("claim_wish", request)
        return {**self.WISH, "state": "CLAIMED", "claimed_by": member_id}

    def fulfil_wish(self, wish_id, on, note, actor, request, roles=None):
        self._keep("fulfil_wish", request)
        return {**self.WISH, "state": "FULFILLED", "fulfilled_on": on}

    def cancel_wish(self, wish_id, reason, actor, request, roles=None):
        self._keep("cancel_wish", request)
        return {**self.WISH, "state": "CANCELLED", "note": reason}

    HOUSEHOLD = {"id": "h1", "member_id": "bureau0-branch0-m0", "branch_id": "bureau0-branch0",
                 "branch_path": ["city", "bureau0", "bureau0-branch0"]}
    PLEDGE = {"id": "p1", "member_id": "bureau0-branch0-m0", "state": "OPEN",
              "branch_path": ["city", "bureau0", "bureau0-branch0"]}

    def get_households(self, ids):
        return [self.HOUSEHOLD]

    def get_pledges(self, ids):
        return [self.PLEDGE]

    def register_household(self, data, actor, request, roles=None):
        self._keep("register_household", request)
        return {**self.HOUSEHOLD, **data}

    def log_household_visit(self, household_id, on, note, actor, request, roles=None):
        self._keep("log_household_visit", request)
        return {"id": "v1", "household_id": household_id, "on": on, "note": note}

    def make_pledge(self, data, actor, request, roles=None):
        self._keep("make_pledge", request)
        return {**self.PLEDGE, **data}

    def settle_pledge(self, pledge_id, fulfilled, on, note, actor, request, roles=None):
        self._keep("settle_pledge", request)
        return {**self.PLEDGE, "state": "FULFILLED" if fulfilled else "UNFULFILLED"}

    # -- evaluation: the party-spirit check-up --

    def record_checkup(self, data, actor, request, roles=None):
        self._keep("record_checkup", request)
        return {"member_id": data["member_id"], "year": data["year"], "post_type": "member",
                "scores": data["scores"], "total": 90.0, "health": "HEALTHY",
                "by_dimension": []}

    # -- evaluation: the democratic appraisal --

    APPRAISAL = {"id": "ap1", "branch_id": "bureau0-branch0", "year": 2017, "state": "OPEN",
                 "branch_path": ["city", "bureau0", "bureau0-branch0"], "as_of": None,
                 "results": []}

    def get_appraisal(self, appraisal_id):
        return {**self.APPRAISAL, "id": appraisal_id}

    def open_appraisal(self, branch_id, year, actor, request):
        self._keep("open_appraisal", request)
        return self.APPRAISAL

    def score_appraisal(self, data, actor, request):
        self._keep("score_appraisal", request)
        return self.APPRAISAL

    def finalize_appraisal(self, appraisal_id, actor, request):
        self._keep("finalize_appraisal", request)
        return {**self.APPRAISAL, "state": "FINALIZED"}

    # -- evaluation: adjustments and dues --

    ENTRY = {"id": "e1", "rule": "manual-adjustment", "category": "study", "points": 2.0,
             "source_event": None, "occurred_on": "2017-06-03", "reason": "r",
             "dimension": "POLITICAL", "adjusted_by": "sec-1"}

    def adjust_points(self, data, actor, request):
        self._keep("adjust_points", request)
        return {**self.ENTRY, "occurred_on": data["on"]}

    def record_dues(self, data, actor, request):
        self._keep("record_dues", request)
        return {**self.ENTRY, "rule": "dues-paid", "occurred_on": "2017-06-30"}

    # -- the pioneer programme --

    PIONEER = {"id": "pn1", "category": "INDIVIDUAL", "name": "王", "org_id": "bureau0-branch0",
               "org_path": ["city", "bureau0", "bureau0-branch0"], "holder_id": None,
               "citation": "c", "year": 2017, "state": "NOMINATED", "rectify_by": None,
               "selected_on": None, "reviews": []}
    REVIEW = {"id": "rv1", "committee_id": "bureau0-branch0", "year": 2017, "open": True,
              "committee_path": ["city", "bureau0", "bureau0-branch0"], "results": []}

    def get_pioneer(self, pioneer_id):
        return {**self.PIONEER, "id": pioneer_id}

    def get_review(self, review_id):
        return {**self.REVIEW, "id": review_id}

    def nominate(self, data, actor, request):
        self._keep("nominate", request)
        return {**self.PIONEER, "name": data["name"]}

    def decide(self, pioneer_id, selected, actor, request):
        self._keep("decide", request)
        return {**self.PIONEER, "state": "SELECTED" if selected else "REJECTED"}

    def open_review(self, committee_id, year, actor, request):
        self._keep("open_review", request)
        return self.REVIEW

    def rate(self, data, actor, request):
        self._keep("rate", request)
        return self.REVIEW

    def close_review(self, review_id, actor, request):
        self._keep("close_review", request)
        return {**self.REVIEW, "open": False}

    def pair_mentor(self, mentor_id, mentee_id, actor, request):
        self._keep("pair_mentor", request)
        return {"id": "pair1", "mentor_id": mentor_id, "mentee_id": mentee_id,
                "since": "2017-06-03", "ended_on": None}

    # -- supervision: reminder talks and the negative list --

    def record_reminder_talk(self, org_id, quarter, held_on, actor, request):
        self._keep("record_reminder_talk", request)
        return {"org_id": org_id, "org_path": self.orgs[org_id]["path"], "quarter": quarter,
                "missed": [], "talk_held_on": held_on}

    def add_to_negative_list(self, subject_id, year, reason, actor, request):
        self._keep("add_to_negative_list", request)
        return {"subject_id": subject_id, "subject_path": self.orgs[subject_id]["path"],
                "year": year, "reasons": [reason], "manual": True}
    # -- supervision: rectification lists (问题整改清单) --

    RECTIFICATION = {"id": "rc1", "org_id": "bureau0-branch0", "bureau_id": "bureau0",
                     "org_path": ["city", "bureau0", "bureau0-branch0"], "problem": "p",
                     "measures": ["m"], "owner_id": "bureau0-branch0-m0", "due": "2017-06-30",
                     "campaign": False, "state": "OPEN", "outcome": None, "closed_on": None,
                     "published": False, "made_on": "2017-06-03"}

    def get_rectification(self, item_id):
        return {**self.RECTIFICATION, "id": item_id}

    def create_rectification(self, data, actor, request):
        self._keep("create_rectification", request)
        return {**self.RECTIFICATION, "problem": data["problem"]}

    def close_rectification(self, item_id, outcome, actor, request):
        self._keep("close_rectification", request)
        return {**self.RECTIFICATION, "state": "CLOSED", "outcome": outcome,
                "closed_on": "2017-06-03"}

    def publish_rectification(self, item_id, actor, request):
        self._keep("publish_rectification", request)
        return {**self.RECTIFICATION, "state": "CLOSED", "outcome": "o", "published": True}
    # -- supervision items' lifecycle --

    ITEM = {"id": "it1", "org_id": "bureau0-branch0", "rule": "A1", "period": "2017-06",
            "org_path": ["city", "bureau0", "bureau0-branch0"], "state": "ASSIGNED",
            "opened_at": "2017-07-01T00:00:00+08:00", "due_on": "2017-07-16", "report": None,
            "note": None, "history": []}

    def supervision_item(self, item_id):
        return {**self.ITEM, "id": item_id}

    def report_supervision_item(self, item_id, report, actor, request):
        self._keep("report_supervision_item", request)
        return {**self.ITEM, "state": "REPORTED", "report": report}

    def close_supervision_item(self, item_id, note, actor, request):
        self._keep("close_supervision_item", request)
        return {**self.ITEM, "state": "CLOSED"}

    def escalate_supervision_item(self, item_id, note, actor, request):
        self._keep("escalate_supervision_item", request)
        return {**self.ITEM, "state": "ESCALATED"}
    # -- the thought survey (思想政治状况调查) --

    SURVEY = {"id": "sv1", "committee_id": "bureau0", "committee_path": ["city", "bureau0"],
              "year": 2017, "questions": ["q"], "responses": 0, "results": None}

    def get_survey(self, survey_id):
        return {**self.SURVEY, "id": survey_id}

    def open_survey(self, committee_id, year, questions, actor, request):
        self._keep("open_survey", request)
        return {**self.SURVEY, "questions": questions}

    def answer_survey(self, survey_id, member_id, answers, request):
        self._keep("answer_survey", request)
        return {**self.SURVEY, "responses": 1}


BRANCH = "bureau0-branch0"
ACTIVITY_INPUT = f"""{{orgId: "{BRANCH}", kind: ACTIVITY_DAY, theme: "学", heldOn: "2017-06-03",
    attendance: [{{memberId: "{BRANCH}-m0", status: PRESENT}}]}}"""
# one request per mutation of the schema (the test below fails when one is missing)
MUTATIONS = {
    "createOrganization": ("create_organization", f"""createOrganization(input: {{name: "新支部",
        kind: BRANCH, parentId: "bureau0"}}) {{ id }}"""),
    "registerMember": ("register_member", f"""registerMember(input: {{name: "甲",
        branchId: "{BRANCH}"}}) {{ id }}"""),
    "transferMember": ("transfer_member", f"""transferMember(memberId: "{BRANCH}-m1",
        branchId: "{BRANCH}") {{ id }}"""),
    "recordActivity": ("record_activity", f"recordActivity(input: {ACTIVITY_INPUT}) {{ id }}"),
    "recordActivities": ("record_activities",
                         f"recordActivities(inputs: [{ACTIVITY_INPUT}]) {{ id }}"),
    "importActivities": ("import_activities", f"""importActivities(orgId: "{BRANCH}",
        file: "{base64.b64encode(b"a,b").decode()}") {{ created }}"""),
    "setMemberRoles": ("set_member_roles", f"""setMemberRoles(memberId: "{BRANCH}-m1",
        roles: ["secretary"]) {{ id }}"""),
    "assignContactBranch": ("assign_contact_branch", f"""assignContactBranch(
        memberId: "{BRANCH}-m1", branchId: "{BRANCH}") {{ id }}"""),
    "importRoster": ("import_roster", f"""importRoster(orgId: "{BRANCH}",
        file: "{base64.b64encode(b"a,b").decode()}") {{ created }}"""),
    "closePeriod": ("close_period", 'closePeriod(orgId: "bureau0", period: "2017-06") { orgId }'),
    "fileAnnualPlan": ("file_annual_plan", f"""fileAnnualPlan(input: {{orgId: "{BRANCH}",
        year: 2017, kind: STUDY, items: [{{month: 1, kind: ACTIVITY_DAY, theme: "学"}}]}})
        {{ id }}"""),
    "proposeTheme": ("propose_theme", f"""proposeTheme(orgId: "{BRANCH}",
        memberId: "{BRANCH}-m0", theme: "学") {{ id }}"""),
    "fileSelfStudyPlan": ("file_self_study_plan", f"""fileSelfStudyPlan(input: {{
        memberId: "{BRANCH}-m0", year: 2017, goals: "g", content: "c", schedule: "s",
        safeguards: "x"}}) {{ year }}"""),
    "logSelfStudy": ("log_self_study", f"""logSelfStudy(input: {{memberId: "{BRANCH}-m0",
        on: "2017-06-03", kind: READING, title: "读", minutes: 30}}) {{ id }}"""),
    "recordTalk": ("record_talk", f"""recordTalk(input: {{orgId: "{BRANCH}", kind: INDIVIDUAL,
        heldOn: "2017-06-03", participantIds: ["{BRANCH}-m0", "{BRANCH}-m1"]}}) {{ id }}"""),
    "recordMinutes": ("record_minutes", f"""recordMinutes(activityId: "a1", input: {{
        topic: "议", speakerIds: ["{BRANCH}-m0"], decisions: []}}) {{ id }}"""),
    "postWish": ("post_wish", f"""postWish(input: {{branchId: "{BRANCH}", kind: MICRO_WISH,
        title: "修水管", requester: "王阿姨"}}) {{ id }}"""),
    "claimWish": ("claim_wish", f'claimWish(id: "w1", memberId: "{BRANCH}-m0") {{ id }}'),
    "fulfilWish": ("fulfil_wish", 'fulfilWish(id: "w1", on: "2017-06-03") { id }'),
    "cancelWish": ("cancel_wish", 'cancelWish(id: "w1", reason: "已解决") { id }'),
    "registerHousehold": ("register_household", f"""registerHousehold(input: {{
        memberId: "{BRANCH}-m0", name: "张家", address: "一路1号"}}) {{ id }}"""),
    "logHouseholdVisit": ("log_household_visit", """logHouseholdVisit(householdId: "h1",
        on: "2017-06-03", note: "走访") { id }"""),
    "makePledge": ("make_pledge", f"""makePledge(input: {{memberId: "{BRANCH}-m0", year: 2017,
        area: SERVICE, content: "帮", due: "2017-12-31"}}) {{ id }}"""),
    "settlePledge": ("settle_pledge", """settlePledge(id: "p1", fulfilled: true,
        on: "2017-06-03") { id }"""),
    "recordCheckup": ("record_checkup", f"""recordCheckup(input: {{memberId: "{BRANCH}-m0",
        year: 2017, scores: [{{indicator: "p", score: 90}}]}}) {{ total health }}"""),
    "openAppraisal": ("open_appraisal",
                      f'openAppraisal(branchId: "{BRANCH}", year: 2017) {{ id }}'),
    "scoreAppraisal": ("score_appraisal", f"""scoreAppraisal(input: {{appraisalId: "ap1",
        memberId: "{BRANCH}-m0", part: PUBLIC, score: 88}}) {{ id }}"""),
    "finalizeAppraisal": ("finalize_appraisal", 'finalizeAppraisal(id: "ap1") { id state }'),
    "adjustPoints": ("adjust_points", f"""adjustPoints(input: {{memberId: "{BRANCH}-m0",
        points: 2, category: "study", reason: "r", on: "2017-06-03"}}) {{ id }}"""),
    "recordDues": ("record_dues", f"""recordDues(memberId: "{BRANCH}-m0", month: "2017-06",
        amount: 30) {{ id }}"""),
    "nominatePioneer": ("nominate", f"""nominatePioneer(category: INDIVIDUAL, name: "王",
        orgId: "{BRANCH}", citation: "c", year: 2017) {{ id }}"""),
    "decidePioneer": ("decide", 'decidePioneer(id: "pn1", selected: true) { id state }'),
    "openPioneerReview": ("open_review",
                          f'openPioneerReview(committeeId: "{BRANCH}", year: 2017) {{ id }}'),
    "ratePioneer": ("rate", """ratePioneer(reviewId: "rv1", pioneerId: "pn1", raterKind: PUBLIC,
        rating: GOOD) { id }"""),
    "closePioneerReview": ("close_review", 'closePioneerReview(id: "rv1") { id open }'),
    "pairMentor": ("pair_mentor", f"""pairMentor(mentorId: "{BRANCH}-m0",
        menteeId: "{BRANCH}-m1") {{ since }}"""),
    "recordReminderTalk": ("record_reminder_talk", f"""recordReminderTalk(orgId: "{BRANCH}",
        quarter: "2017-Q2", heldOn: "2017-07-01") {{ quarter }}"""),
    "addToNegativeList": ("add_to_negative_list", f"""addToNegativeList(subjectId: "{BRANCH}",
        year: 2017, reason: "台账缺失") {{ subjectId }}"""),
    "createRectification": ("create_rectification", f"""createRectification(input: {{
        orgId: "{BRANCH}", problem: "学习不够", measures: ["补课"], ownerId: "{BRANCH}-m0",
        due: "2017-06-30", campaign: true}}) {{ id }}"""),
    "closeRectification": ("close_rectification",
                           'closeRectification(id: "rc1", outcome: "已整改") { id state }'),
    "publishRectification": ("publish_rectification",
                             'publishRectification(id: "rc1") { id published }'),
    "reportSupervisionItem": ("report_supervision_item",
                              'reportSupervisionItem(id: "it1", report: "已整改") { id state }'),
    "closeSupervisionItem": ("close_supervision_item",
                             'closeSupervisionItem(id: "it1", note: "销号") { id state }'),
    "escalateSupervisionItem": ("escalate_supervision_item",
                                'escalateSupervisionItem(id: "it1", note: "逾期") { id state }'),
    "openSurvey": ("open_survey",
                   'openSurvey(committeeId: "bureau0", year: 2017, questions: ["q"]) { id }'),
    "answerSurvey": ("answer_survey", f"""answerSurvey(surveyId: "sv1", memberId: "{BRANCH}-m0",
        answers: [3]) {{ id responses }}"""),
}


def post(services, query, key=None, sub="sec-1"):
    gateway = Gateway(rpc=services, secret=SECRET)
    body = json.dumps({"query": query}).encode()
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, sub, "*", ("admin",)),
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if key is not None:
        environ["HTTP_IDEMPOTENCY_KEY"] = key
    status = {}
    out = gateway(environ, lambda s, h, e=None: status.setdefault("status", s))
    return status["status"], json.loads(b"".join(out))


def test_the_list_of_mutations_is_the_schemas():
    assert set(MUTATIONS) == set(schema.graphql_schema.mutation_type.fields)


@pytest.mark.parametrize("field", sorted(MUTATIONS))
def test_every_mutation_passes_the_key_and_the_callers_subject_to_its_service(field):
    services = Recording()
    method, selection = MUTATIONS[field]
    status, body = post(services, "mutation { " + selection + " }", key="retry-7", sub="sec-1")
    assert status.startswith("200") and "errors" not in body, body
    assert services.requests == [(method, {"key": f"retry-7/{field}", "subject": "sec-1"})]


def test_each_field_of_a_request_has_a_key_of_its_own():
    services = Recording()
    status, body = post(services, f"""mutation {{
        first: recordActivity(input: {ACTIVITY_INPUT}) {{ id }}
        second: recordActivity(input: {ACTIVITY_INPUT}) {{ id }} }}""", key="k")
    assert "errors" not in body, body
    assert [r["key"] for _, r in services.requests] == ["k/first", "k/second"]


def test_without_a_header_each_request_is_a_new_one():
    services = Recording()
    for _ in range(2):
        post(services, "mutation { " + MUTATIONS["recordActivity"][1] + " }")
    first, second = (r["key"] for _, r in services.requests)
    assert first != second and first.endswith("/recordActivity")


@pytest.mark.parametrize("tried", ["x" * 129, "", "bad\x01key"])
def test_a_bad_header_is_refused_before_anything_is_asked(tried):
    services = Recording()
    status, body = post(services, "mutation { " + MUTATIONS["recordActivity"][1] + " }",
                        key=tried)
    assert status.startswith("400")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "Idempotency-Key"}
    assert "128" in error["message"]
    assert not services.calls
