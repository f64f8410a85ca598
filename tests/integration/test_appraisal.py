"""The democratic appraisal (民主评议党员) across processes, on SQLite and
PostgreSQL over the real broker: opened once per branch and year, scored
(one score per rater and part, by the unique constraint even when two come
at once), finalized with appraisal_finalized told through the outbox, and
frozen after: every later score is CONFLICT and nothing is written. Scores
and the finalizing in flight together take turns: a second score of one
rater meets the unique constraint, the finalizing counts a score committed
before it and refuses one that comes while it runs."""
import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select

from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from services.scoring import appraisal_handlers, appraisal_views
from services.scoring.models import appraisal_results, appraisal_scores, appraisals
from services.scoring.models import metadata as scoring_metadata
from services.scoring.models import outbox
from services.scoring.service import MIGRATIONS, ScoringService
from shared import clock
from shared.db import Database
from shared.errors import BadInput, Conflict, NotFound
from shared.events import Envelope
from tests.integration.conftest import branch_chain, drain, event_queue, wait_for


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_an_appraisal_is_opened_scored_finalized_told_and_frozen(
        services, rpc, vhost, engine_of):
    told = event_queue(vhost.uri, "scoring", "appraisal_finalized")
    services(OrganizationService, ActivityService, ScoringService)
    _city, _bureau, committee, branch = branch_chain(rpc)

    def member(name):
        return rpc.organization.register_member(
            {"name": name, "branch_id": branch["id"], "roles": ["member"]})["id"]
    ann, bob, cai = member("安"), member("柏"), member("蔡")
    today = clock.today()
    year = today.year
    # Cai earns 2 points at an activity day: his ORG is derived from them
    rpc.activity.record_activity({
        "org_id": branch["id"], "kind": "ACTIVITY_DAY", "theme": "主题党日",
        "held_on": today.isoformat(),
        "attendance": [{"member_id": cai, "status": "PRESENT"}]}, "secretary")
    wait_for(lambda: rpc.scoring.points_summary(cai, year)["total"] == 2.0,
             what="Cai's points posted")
    engine = engine_of("scoring")

    # -- opened once per branch and year, only for a branch, not for next year --------
    opened = rpc.scoring.open_appraisal(branch["id"], year, "secretary")
    assert rpc.scoring.open_appraisal(branch["id"], year, "another")["id"] == opened["id"]
    assert count(engine, appraisals) == 1
    assert opened["state"] == "OPEN" and opened["year"] == year
    assert opened["branch_path"] == branch["path"]
    for org_id, bad_year, field in ((committee["id"], year, "branchId"),
                                    (branch["id"], year + 1, "year"),
                                    (branch["id"], 1900, "year")):
        with pytest.raises(BadInput) as err:
            rpc.scoring.open_appraisal(org_id, bad_year, "secretary")
        assert err.value.field == field
    with pytest.raises(NotFound):
        rpc.scoring.open_appraisal("no-such-branch", year, "secretary")
    assert rpc.scoring.appraisal(branch["id"], year - 1) is None
    assert count(engine, appraisals) == 1

    def give(member_id, part, value, rater=None):
        return rpc.scoring.score_appraisal(
            {"appraisal_id": opened["id"], "member_id": member_id, "part": part,
             "rater_id": rater, "score": value}, "secretary")

    # -- scores ----------------------------------------------------------------------
    give(ann, "SELF", 95, rater=ann)
    give(ann, "PEER", 90, rater=bob)
    give(ann, "PEER", 96, rater=cai)
    give(ann, "PUBLIC", 88)
    give(ann, "PUBLIC", 92)
    give(ann, "ORG", 94)
    give(bob, "PEER", 70, rater=ann)
    answer = give(bob, "ORG", 80)
    # one score per rater and part, and one ORG per member
    for args in ((ann, "PEER", 50, bob), (ann, "SELF", 50, ann), (bob, "ORG", 60, None)):
        with pytest.raises(Conflict):
            give(*args)
    # nobody rates themselves as PEER; only the branch's members rate and are rated
    stranger = rpc.organization.register_member(
        {"name": "外人", "branch_id": rpc.organization.create_organization(
            {"name": "第二支部", "kind": "BRANCH", "parent_id": committee["id"]})["id"]})["id"]
    for args, field in (((bob, "PEER", 80, bob), "raterId"), ((bob, "PEER", 80, stranger),
                                                              "raterId"),
                        ((stranger, "ORG", 80, None), "memberId"),
                        ((bob, "PUBLIC", 80, ann), "raterId"), ((bob, "SELF", 101, bob),
                                                                "score")):
        with pytest.raises(BadInput) as err:
            give(*args)
        assert err.value.field == field
    assert count(engine, appraisal_scores) == 8

    # the results as they stand: Ann (20·95 + 40·93 + 20·90 + 20·94) / 100 = 93.00;
    # Bob (40·70 + 20·80) / 60 = 73.33; Cai only his derived ORG, 100 × 2 / 100
    results = {r["member_id"]: r for r in answer["results"]}
    assert (results[ann]["score"], results[ann]["grade"]) == (93.0, "EXCELLENT")
    assert [(p["part"], p["score"], p["raters"]) for p in results[ann]["parts"]] == [
        ("SELF", 95.0, 1), ("PEER", 93.0, 2), ("PUBLIC", 90.0, 2), ("ORG", 94.0, 1)]
    assert (results[bob]["score"], results[bob]["grade"]) == (73.33, "BASICALLY_QUALIFIED")
    assert results[cai]["parts"] == [{"part": "ORG", "score": 2.0, "raters": 0}]
    assert (results[cai]["grade"], results[cai]["needs_review"]) == ("UNQUALIFIED", True)
    assert [r["member_id"] for r in answer["results"]] == [ann, bob, cai]

    # -- two scores of one rater at once (each over its own connection): one is
    # written, whichever comes second meets the unique constraint ---------------------
    outcomes = []

    def race():
        with ClusterRpcProxy({"AMQP_URI": vhost.uri, "serializer": "json"},
                             timeout=15) as own:
            try:
                own.scoring.score_appraisal(
                    {"appraisal_id": opened["id"], "member_id": cai, "part": "PEER",
                     "rater_id": bob, "score": 77}, "secretary")
                outcomes.append("written")
            except Conflict:
                outcomes.append("CONFLICT")
    threads = [eventlet.spawn(race) for _ in range(2)]
    for thread in threads:
        thread.wait()
    assert sorted(outcomes) == ["CONFLICT", "written"]
    assert count(engine, appraisal_scores) == 9

    # -- finalized: stored, told, frozen ----------------------------------------------
    done = rpc.scoring.finalize_appraisal(opened["id"], "secretary")
    assert done["state"] == "FINALIZED" and done["as_of"] == today.isoformat()
    assert [r["member_id"] for r in done["results"]] == [ann, bob, cai]
    cai_result = done["results"][2]
    # Cai: (40·77 + 20·2) / 60 = 52.00
    assert (cai_result["score"], cai_result["grade"]) == (52.0, "UNQUALIFIED")
    [event] = wait_for(lambda: drain(vhost.uri, told), what="appraisal_finalized told")
    envelope = Envelope.from_dict(event)
    assert envelope.bureau_id == branch["bureau_id"]
    assert envelope.payload["appraisal_id"] == opened["id"]
    assert envelope.payload["branch_id"] == branch["id"] and envelope.payload["year"] == year
    assert envelope.payload["results"] == [
        {"member_id": r["member_id"], "score": r["score"], "grade": r["grade"],
         "needs_review": r["needs_review"]} for r in done["results"]]

    # finalizing again answers the same and tells nothing more
    assert rpc.scoring.finalize_appraisal(opened["id"], "admin") == done
    for args in ((bob, "PUBLIC", 80, None), (cai, "SELF", 80, cai)):
        with pytest.raises(Conflict) as err:
            give(*args)
        assert err.value.field == "appraisalId"
    assert count(engine, appraisal_scores) == 9
    # a member who joins later is not in the frozen results
    member("迟到")
    assert rpc.scoring.appraisal(branch["id"], year) == done
    assert rpc.scoring.open_appraisal(branch["id"], year, "secretary") == done
    assert count(engine, appraisal_results) == 3
    # told once: the outbox holds one appraisal_finalized
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.event_type == "appraisal_finalized")).scalar() == 1


BRANCH = {"id": "br", "kind": "BRANCH", "path": ["c", "b1", "k", "br"], "bureau_id": "b1"}


def members_of(_branch_id):
    return [{"id": "m1", "name": "甲"}, {"id": "m2", "name": "乙"}]


@pytest.fixture
def db(databases):
    scoring = Database("scoring", scoring_metadata, MIGRATIONS,
                       relay=False).open(databases.urls["scoring"])
    yield scoring
    scoring.engine.dispose()


def held_open(monkeypatch, module, name):
    """Make the first call of ``module.name`` (made inside a unit of work)
    hold its transaction open a moment, so that a second command starts
    meanwhile; the outcome asserted is the same whichever way they meet."""
    original = getattr(module, name)
    first = []

    def slow(*args, **kwargs):
        out = original(*args, **kwargs)
        if not first:
            first.append(True)
            eventlet.sleep(0.5)
        return out
    monkeypatch.setattr(module, name, slow)


def side_by_side(*commands):
    """Run the commands at once (each started 0.1 s after the one before);
    what each answered, or the Conflict it raised."""
    outcomes = [None] * len(commands)

    def run(i):
        try:
            outcomes[i] = commands[i]()
        except Conflict as exc:
            outcomes[i] = exc
    threads = []
    for i in range(len(commands)):
        threads.append(eventlet.spawn(run, i))
        eventlet.sleep(0.1)
    for thread in threads:
        thread.wait()
    return outcomes


def give(db, appraisal, member, part, value, rater=None):
    return lambda: appraisal_handlers.score_appraisal(
        db, {"appraisal_id": appraisal["id"], "member_id": member, "part": part,
             "rater_id": rater, "score": value}, "secretary", members_of)


def test_two_scores_of_one_rater_in_flight_together_write_one(db, monkeypatch):
    """The second passes every check before the first commits; the unique
    constraint refuses it."""
    appraisal = appraisal_handlers.open_appraisal(db, BRANCH, clock.today().year, "s",
                                                  members_of)
    held_open(monkeypatch, appraisal_handlers, "_answer")
    first, second = side_by_side(give(db, appraisal, "m1", "PEER", 80, "m2"),
                                 give(db, appraisal, "m1", "PEER", 60, "m2"))
    assert first["state"] == "OPEN" and isinstance(second, Conflict)
    assert second.field == "raterId"
    with db.connect() as conn:
        assert conn.execute(select(appraisal_scores.c.score)).scalars().all() == [80]


def test_finalizing_waits_for_a_score_in_flight_and_counts_it(db, monkeypatch):
    appraisal = appraisal_handlers.open_appraisal(db, BRANCH, clock.today().year, "s",
                                                  members_of)
    held_open(monkeypatch, appraisal_handlers, "_answer")
    scored, done = side_by_side(
        give(db, appraisal, "m1", "ORG", 80),
        lambda: appraisal_handlers.finalize_appraisal(db, appraisal["id"], "s", members_of))
    assert scored["state"] == "OPEN" and done["state"] == "FINALIZED"
    [m1] = [r for r in done["results"] if r["member_id"] == "m1"]
    assert m1["parts"] == [{"part": "ORG", "score": 80.0, "raters": 1}]


def test_a_score_in_flight_while_finalizing_is_conflict(db, monkeypatch):
    appraisal = appraisal_handlers.open_appraisal(db, BRANCH, clock.today().year, "s",
                                                  members_of)
    held_open(monkeypatch, appraisal_views, "live_results")
    done, late = side_by_side(
        lambda: appraisal_handlers.finalize_appraisal(db, appraisal["id"], "s", members_of),
        give(db, appraisal, "m1", "ORG", 80))
    assert done["state"] == "FINALIZED" and isinstance(late, Conflict)
    assert late.field == "appraisalId"
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(appraisal_scores)).scalar() == 0
