"""The practice quotas in supervision (A5, A5-PAIR, A6, A6-SEC, A6-COM, A8),
fed with the activity service's events over the real broker, on each
backend: each thing counted once however often told, roles on the day,
A6 and A6-COM judged against who is there on the judging day (a branch with
nobody but its secretary requires nothing: MET), the same counts derived
again from scratch, and a close judging each quota once, a member's missed
A5 or A8 being their branch's item once per rule, the closed period keeping
the minimum it was judged against; a backdated role derived again by the
closing round."""
import uuid

from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.supervision.models import (household_contacts, members, pledge_facts,
                                         quota_closures, quota_marks, supervision_items,
                                         talk_facts)
from services.supervision.service import SupervisionService
from tests.integration.conftest import publish, wait_for
from tests.integration.test_quota_state import count_of, known, result
from tests.integration.test_study_quotas import StudyCity, state


class PracticeCity(StudyCity):
    """The study city, told members' practice too (the activity service's events)."""

    def talk(self, org, a, b, day):
        return self.tell("talk_recorded", self.paths[org][1], {
            "talk_id": uuid.uuid4().hex, "org_id": org, "org_path": self.paths[org],
            "kind": "INDIVIDUAL", "held_on": day, "participant_ids": [a, b]}, "activity")

    def household(self, member, branch, day, in_difficulty=False, cadre=None):
        household_id = uuid.uuid4().hex
        self.tell("household_registered", self.paths[branch][1], {
            "household_id": household_id, "member_id": member, "branch_id": branch,
            "in_difficulty": in_difficulty, "paired_cadre_id": cadre, "registered_on": day},
            "activity")
        return household_id

    def visit(self, household, member, branch, day, in_difficulty=False, cadre=None):
        return self.tell("household_visited", self.paths[branch][1], {
            "visit_id": uuid.uuid4().hex, "household_id": household, "member_id": member,
            "on": day, "in_difficulty": in_difficulty, "paired_cadre_id": cadre}, "activity")

    def pledge(self, member, branch, year, day):
        return self.tell("pledge_made", self.paths[branch][1], {
            "pledge_id": uuid.uuid4().hex, "member_id": member, "branch_id": branch,
            "year": year, "area": "SERVICE", "due": f"{year}-12-31", "made_on": day},
            "activity")

    def again(self, envelope):
        """The same event told once more (a redelivery)."""
        publish(self.uri, envelope, source="activity", routing_key=envelope.type)


def judged(rpc, org, period, rule, subject):
    found = result(rpc, org, period, rule, subject)
    return found and (found["actual"], found["required"], found["status"])


def marks(db):
    with db.connect() as conn:
        return set(conn.execute(select(quota_marks)).all())


def test_practice_facts_count_each_thing_once_derive_again_alike_and_close_once(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", "2018-06-30")
    container = services(SupervisionService)
    city = PracticeCity(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    branch, organ, lone = (city.org("BRANCH", committee) for _ in range(3))
    db = engine_of("supervision")
    wait_for(known(db, 6), what="the read model")
    sec = city.leader(branch, ["secretary"])
    ann, bob = city.member(branch), city.member(branch)
    boss = city.leader(organ, ["bureau_secretary"])
    com = city.leader(organ, ["bureau_committee"])
    cadre = city.leader(organ, ["county_cadre"])
    city.leader(lone, ["secretary"])  # nobody else in the branch
    wait_for(lambda: count_of(db, members) == 7, what="the members")

    # A6: ann twice, either way round; a talk of two members does not count
    city.talk(branch, sec, ann, "2018-02-01")
    city.talk(branch, ann, sec, "2018-03-01")
    city.talk(branch, ann, bob, "2018-03-02")
    # A6-SEC: with the bureau secretary under the branch, twice; once elsewhere
    city.talk(branch, boss, sec, "2018-04-01")
    city.talk(branch, sec, boss, "2018-05-01")
    city.talk(committee, sec, boss, "2018-05-02")
    # A6-COM: the one pair of leaders talks twice, once each way round
    city.talk(committee, boss, com, "2018-02-10")
    pair_again = city.talk(committee, com, boss, "2018-04-10")
    # the cadre talks with the bureau secretary twice: not (yet) a committee member
    city.talk(committee, cadre, boss, "2018-02-11")
    city.talk(committee, boss, cadre, "2018-02-12")
    # A5: one household registered and visited (once), one in difficulty paired
    h1 = city.household(ann, branch, "2018-02-01")
    seen = city.visit(h1, ann, branch, "2018-03-01")
    city.household(ann, branch, "2018-03-05", in_difficulty=True, cadre=cadre)
    city.household(bob, branch, "2018-03-05", in_difficulty=False, cadre=cadre)
    # A8: ann pledges for 2018
    made = city.pledge(ann, branch, 2018, "2018-01-15")
    city.again(seen)
    city.again(made)
    city.again(pair_again)
    wait_for(lambda: count_of(db, talk_facts) == 10 and count_of(db, household_contacts) == 4
             and count_of(db, pledge_facts) == 1, what="the practice facts")

    year = "2018"
    wait_for(lambda: judged(rpc, bureau, year, "A8", ann) == (1, 1, "MET"), what="A8")
    assert judged(rpc, bureau, year, "A8", bob) == (0, 1, "PENDING")
    assert judged(rpc, bureau, year, "A5", ann) == (2, 3, "PENDING")
    assert judged(rpc, bureau, year, "A5", bob) == (1, 3, "PENDING")
    assert judged(rpc, bureau, year, "A5-PAIR", cadre) == (1, 1, "MET")
    assert result(rpc, bureau, year, "A5-PAIR", ann) is None  # not a county-level cadre
    assert judged(rpc, bureau, year, "A6", branch) == (1, 2, "PENDING")    # ann, not bob
    assert judged(rpc, bureau, year, "A6", organ) == (0, 3, "PENDING")     # no secretary
    assert judged(rpc, bureau, year, "A6", lone) == (0, 0, "MET")          # nobody to talk to
    assert judged(rpc, bureau, year, "A6-SEC", branch) == (2, 2, "MET")
    assert judged(rpc, bureau, year, "A6-SEC", organ) == (0, 2, "PENDING")
    assert judged(rpc, bureau, year, "A6-COM", committee) == (1, 1, "MET")
    # a branch's compliance holds its members' A5 and A8
    assert judged(rpc, branch, year, "A5", ann) == (2, 3, "PENDING")
    assert result(rpc, organ, year, "A5", ann) is None

    # backdated: the cadre was on the committee since January; the next
    # closing round derives the bureau's practice counts again
    city.roles(cadre, organ, ["county_cadre", "bureau_committee"], "2018-01-01")
    wait_for(lambda: judged(rpc, bureau, year, "A6-COM", committee) == (1, 3, "PENDING"),
             what="three leaders on the judging day")
    with entrypoint_hook(container, "auto_close") as run:
        run()
    assert judged(rpc, bureau, year, "A6-COM", committee) == (2, 3, "PENDING")
    assert judged(rpc, bureau, year, "A5-PAIR", cadre) == (1, 1, "MET")

    # incremental == derived again from the facts (the marks too)
    before, marked = state(db), marks(db)
    assert rpc.supervision.rederive_quotas(bureau)["bureaus"] == [bureau]
    assert state(db) == before and marks(db) == marked
    assert before[("A6-COM", committee, year)][0] == 2   # two talks a pair, two pairs
    assert before[("A5", ann, year)][0] == 2              # registered and visited: once

    # closing: each quota once; a member's missed A5 or A8 is their branch's item
    closed = rpc.supervision.close_period(bureau, year, "tester", True)
    status = {(r["rule"], r["subject_id"]): (r["required"], r["status"])
              for r in closed["results"]}
    assert status[("A6", branch)] == (2, "MISSED") and status[("A6", lone)] == (0, "MET")
    assert status[("A5", ann)] == (3, "MISSED") and status[("A8", ann)] == (1, "MET")
    assert status[("A6-COM", committee)] == (3, "MISSED")

    def items():
        with db.connect() as conn:
            return sorted(conn.execute(select(supervision_items.c.rule,
                                              supervision_items.c.org_id)
                                       .where(supervision_items.c.rule.in_(
                                           ["A5", "A5-PAIR", "A6", "A6-SEC", "A6-COM", "A8"])))
                          .all())

    assert items() == sorted([("A5", branch), ("A5", organ), ("A5", lone), ("A8", branch),
                              ("A8", organ), ("A8", lone), ("A6", branch), ("A6", organ),
                              ("A6-SEC", organ), ("A6-SEC", lone), ("A6-COM", committee)])
    with db.connect() as conn:
        a6 = dict(conn.execute(select(quota_closures.c.subject_id, quota_closures.c.required)
                               .where(quota_closures.c.rule == "A6")).all())
    assert a6 == {branch: 2, organ: 3, lone: 0}
    opened, closures = count_of(db, supervision_items), count_of(db, quota_closures)
    rpc.supervision.close_period(bureau, year, "tester", True)
    assert (count_of(db, supervision_items), count_of(db, quota_closures)) == (opened, closures)

    # a member joining after the close: the closed A6 keeps what it was judged against
    city.member(branch)
    wait_for(lambda: count_of(db, members) == 8, what="the new member")
    assert judged(rpc, bureau, year, "A6", branch) == (1, 2, "MISSED")
    before = state(db)
    rpc.supervision.rederive_quotas(bureau)
    assert state(db) == before
