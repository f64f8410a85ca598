"""The gateway's part of reminder talks and the negative list (gateway/schema/
reminders.py), against a fake city: the reads checked against the caller's
subtree (the organisation asked for, and each proposal, result and entry
shown), the writes only by a writer strictly above their subject, and an
unknown id answered like one outside the scope."""
import pytest

from tests.unit.test_gateway import FakeServices, run

BUREAU, OTHER = "bureau0", "bureau1"
BRANCH, ELSEWHERE = "bureau0-branch0", "bureau1-branch0"
MEMBER = f"{BRANCH}-m0"


class City(FakeServices):
    """Two bureaus of two branches; supervision answers every branch of the
    subtree asked for (or, with ``leak``, every branch of the city)."""

    def __init__(self, leak=False):
        super().__init__(2, 2, 1)
        self.leak = leak
        self.sent = []

    def _branches(self, org_id):
        return [o for o in self.orgs.values() if o["kind"] == "BRANCH"
                and (self.leak or org_id in o["path"])]

    def reminder_proposals(self, org_id, quarter):
        return [{"org_id": o["id"], "org_path": o["path"], "quarter": quarter,
                 "talk_held_on": None,
                 "missed": [{"rule": "A1", "subject_id": o["id"], "period": "2017-04",
                             "required": 1, "actual": 0, "status": "MISSED",
                             "subject_path": o["path"]}]}
                for o in self._branches(org_id)]

    def negative_list(self, org_id, year):
        return [{"subject_id": o["id"], "subject_path": o["path"], "year": year,
                 "reasons": ["3 quotas MISSED"], "manual": False}
                for o in self._branches(org_id)]

    def record_reminder_talk(self, org_id, quarter, held_on, actor, request):
        self.sent.append(("record_reminder_talk", org_id, quarter, held_on, actor))
        return {**self.reminder_proposals(org_id, quarter)[0], "talk_held_on": held_on}

    def add_to_negative_list(self, subject_id, year, reason, actor, request):
        self.sent.append(("add_to_negative_list", subject_id, year, reason, actor))
        path = (self.orgs[subject_id]["path"] if subject_id in self.orgs
                else self.members[subject_id]["branch_path"] + [subject_id])
        return {"subject_id": subject_id, "subject_path": path, "year": year,
                "reasons": [reason], "manual": True}


PROPOSALS = """query($o: ID!) { reminderProposals(orgId: $o, quarter: "2017-Q2") {
    org { id } quarter talkHeldOn missed { rule subjectId status } } }"""
LIST = """query($o: ID!) { negativeList(orgId: $o, year: 2017) { subjectId year reasons
    manual } }"""
TALK = """mutation($o: ID!) { recordReminderTalk(orgId: $o, quarter: "2017-Q2",
    heldOn: "2017-07-01") { org { id } talkHeldOn } }"""
ADD = """mutation($s: ID!) { addToNegativeList(subjectId: $s, year: 2017, reason: "台账缺失") {
    subjectId reasons manual } }"""


def codes(body):
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_the_reads_answer_the_subtree_asked_for():
    services = City()
    _, body = run(services, PROPOSALS, {"o": BUREAU}, scope=BUREAU, roles=("viewer",))
    assert [p["org"]["id"] for p in body["data"]["reminderProposals"]] == [
        BRANCH, "bureau0-branch1"]
    assert body["data"]["reminderProposals"][0]["missed"] == [
        {"rule": "A1", "subjectId": BRANCH, "status": "MISSED"}]
    _, body = run(services, LIST, {"o": BRANCH}, scope=BUREAU, roles=("member",))
    assert body["data"]["negativeList"] == [
        {"subjectId": BRANCH, "year": 2017, "reasons": ["3 quotas MISSED"], "manual": False}]


@pytest.mark.parametrize("query", [PROPOSALS, LIST])
def test_an_organisation_outside_the_scope_or_unknown_is_forbidden_alike(query):
    services = City()
    answers = [run(services, query, {"o": o}, scope=BUREAU)[1] for o in (OTHER, "nowhere")]
    assert [codes(a) for a in answers] == [["FORBIDDEN"], ["FORBIDDEN"]]
    words = [a["errors"][0]["message"].replace(o, "<id>") for a, o in
             zip(answers, (OTHER, "nowhere"))]
    assert words[0] == words[1]
    assert not any(k.startswith("supervision.") for k in services.calls)


@pytest.mark.parametrize("query, field", [(PROPOSALS, "reminderProposals"),
                                          (LIST, "negativeList")])
def test_what_the_service_answers_outside_the_scope_is_withheld(query, field):
    _, body = run(City(leak=True), query, {"o": BUREAU}, scope=BUREAU)
    assert codes(body) == ["FORBIDDEN"] and body["data"] is None
    assert ELSEWHERE not in str(body)


def test_a_talk_is_recorded_by_a_writer_above_the_organisation():
    services = City()
    _, body = run(services, TALK, {"o": BRANCH}, scope=BUREAU, roles=("secretary",))
    assert body["data"]["recordReminderTalk"] == {"org": {"id": BRANCH},
                                                  "talkHeldOn": "2017-07-01"}
    assert services.sent == [("record_reminder_talk", BRANCH, "2017-Q2", "2017-07-01", "t")]


@pytest.mark.parametrize("scope, roles, org", [
    (BRANCH, ("secretary",), BRANCH),      # its own branch
    (BUREAU, ("viewer",), BRANCH),
    (BUREAU, ("member",), BRANCH),
    (BUREAU, ("admin",), ELSEWHERE),
    (BUREAU, ("admin",), "nowhere"),
])
def test_a_talk_is_refused_to_anyone_else_and_nothing_is_sent(scope, roles, org):
    services = City()
    _, body = run(services, TALK, {"o": org}, scope=scope, roles=roles)
    assert codes(body) == ["FORBIDDEN"]
    assert services.sent == []


@pytest.mark.parametrize("scope, subject", [
    (BUREAU, BRANCH), (BUREAU, MEMBER), ("*", BRANCH), ("*", "nowhere")])
def test_a_writer_above_the_subject_puts_it_on_the_list(scope, subject):
    services = City()
    run(services, ADD, {"s": subject}, scope=scope, roles=("admin",))
    assert services.sent == [("add_to_negative_list", subject, 2017, "台账缺失", "t")]


@pytest.mark.parametrize("scope, roles, subject", [
    (BRANCH, ("secretary",), BRANCH),      # its own branch
    (BRANCH, ("secretary",), MEMBER),      # a member of its own branch
    (BUREAU, ("viewer",), BRANCH),
    (BUREAU, ("admin",), ELSEWHERE),
    (BUREAU, ("admin",), f"{ELSEWHERE}-m0"),
    (BUREAU, ("admin",), "nowhere"),
])
def test_the_list_is_refused_to_anyone_else_and_nothing_is_sent(scope, roles, subject):
    services = City()
    _, body = run(services, ADD, {"s": subject}, scope=scope, roles=roles)
    assert codes(body) == ["FORBIDDEN"]
    assert services.sent == []


def test_a_subject_outside_and_an_unknown_one_are_refused_in_the_same_words():
    answers = [run(City(), ADD, {"s": s}, scope=BUREAU)[1] for s in (ELSEWHERE, "nowhere")]
    words = [a["errors"][0]["message"].replace(s, "<id>")
             for a, s in zip(answers, (ELSEWHERE, "nowhere"))]
    assert words[0] == words[1] and "subjectId" in words[0]
