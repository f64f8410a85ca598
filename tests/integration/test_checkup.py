"""Party-spirit check-ups (党性教育体检) across processes, on SQLite and
PostgreSQL over the real broker: the post type from the roles held on the
judging day, a check-up recorded with its total and health, a refused one
writing nothing, a second one of the same year replacing the first (kept in
the history), checkup_recorded told for each, and supervision counting the
member's year once for quota P5 (and the same when derived again)."""
import pytest
from sqlalchemy import func, select

from services.organization.service import OrganizationService
from services.scoring.models import checkup_history, checkups, outbox
from services.scoring.service import ScoringService
from services.supervision.models import checkup_facts, processed_events
from services.supervision.service import SupervisionService
from shared.errors import BadInput
from tests.integration.conftest import branch_chain, drain, event_queue, wait_for
from tests.integration.test_quota_state import result

TODAY = "2018-06-15"
# the shipped member indicators scored so that the total is 84.75 (by hand:
# positive 20·90 + 15·80 + 15·100 + 10·90 + 15·85 + 25·80 = 8675, negative
# 10·10 + 5·20 = 200, over the positive weights 100)
FIRST = {"ideals-and-convictions": 90, "theory-study": 80, "organisational-life": 100,
         "rules-and-discipline": 90, "integrity-and-conduct": 85, "post-performance": 80,
         "discipline-violations": 10, "public-complaints": 20}


def scores(by_key):
    return [{"indicator": k, "score": v} for k, v in by_key.items()]


def count(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def told(engine):
    with engine.connect() as conn:
        return [row.envelope for row in conn.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == "checkup_recorded")
            .order_by(outbox.c.seq))]


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("XF_TODAY", TODAY)


def test_a_check_up_is_scored_by_post_replaced_once_and_counted_once_for_p5(
        services, rpc, vhost, engine_of, pinned):
    queue = event_queue(vhost.uri, "scoring", "checkup_recorded")
    services(OrganizationService, ScoringService, SupervisionService)
    scoring, supervision = engine_of("scoring"), engine_of("supervision")
    _, bureau, _, branch = branch_chain(rpc)

    def member(name, roles=None):
        data = {"name": name, "branch_id": branch["id"]}
        if roles:
            data["roles"] = roles
        return rpc.organization.register_member(data)["id"]

    plain = member("普通党员")
    other = member("另一党员")
    cadre = member("县处级干部", ["member", "secretary", "county_cadre"])
    newly = member("新任书记")  # secretary from Mar 1 of this year
    rpc.organization.set_member_roles({"member_id": newly, "roles": ["member", "secretary"],
                                       "on": "2018-03-01"})

    def post_of(member_id, year):
        return rpc.scoring.checkup_indicators(member_id, year)["post_type"]

    assert post_of(plain, 2018) == "member"
    assert post_of(cadre, 2018) == "leading_cadre"
    assert post_of(newly, 2018) == "branch_secretary"   # today
    assert post_of(newly, 2017) == "member"             # Dec 31, 2017
    indicators = rpc.scoring.checkup_indicators(plain, 2018)["indicators"]
    assert [i["key"] for i in indicators] == list(FIRST)
    assert [i["negative"] for i in indicators] == [False] * 6 + [True] * 2

    # refused: a year to come, an unknown member, a score out of range, a
    # missing indicator, an indicator of another post; nothing is written
    refusals = [({"member_id": plain, "year": 2019, "scores": scores(FIRST)}, "year"),
                ({"member_id": "nobody", "year": 2018, "scores": scores(FIRST)}, "memberId"),
                ({"member_id": plain, "year": 2018,
                  "scores": scores({**FIRST, "theory-study": 101})}, "scores[1].score"),
                ({"member_id": plain, "year": 2018, "scores": scores(FIRST)[:-1]}, "scores"),
                ({"member_id": cadre, "year": 2018, "scores": scores(FIRST)},
                 "scores[0].indicator")]
    for data, field in refusals:
        with pytest.raises(BadInput) as refused:
            rpc.scoring.record_checkup(data, "sec-1")
        assert f"{field}:" in str(refused.value), (field, refused.value)
    assert count(scoring, checkups) == 0 and told(scoring) == []
    assert rpc.scoring.checkup(plain, 2018) is None

    first = rpc.scoring.record_checkup({"member_id": plain, "year": 2018,
                                        "scores": scores(FIRST)}, "sec-1")
    assert (first["post_type"], first["total"], first["health"]) == \
        ("member", 84.75, "SUB_HEALTHY")
    assert {d["dimension"]: d["score"] for d in first["by_dimension"]} == {
        "POLITICAL": pytest.approx(3000 / 35, abs=1e-4), "DISCIPLINE": 92.0,
        "CONDUCT": pytest.approx(1175 / 15, abs=1e-4), "CONTRIBUTION": 80.0}
    assert rpc.scoring.checkup(plain, 2018) == first

    year = "2018"
    wait_for(lambda: (result(rpc, bureau["id"], year, "P5", plain) or {}).get("status") == "MET",
             what="P5 met for the member")
    # the other member is PENDING once supervision has heard of them (their
    # registration may still be waiting for their branch's creation to arrive)
    wait_for(lambda: (result(rpc, bureau["id"], year, "P5", other) or {}).get("status")
             == "PENDING", what="P5 pending for the other member")

    # the same year again: replaces the first, which is kept; P5 stays at 1
    best = {k: (0 if k in ("discipline-violations", "public-complaints") else 100)
            for k in FIRST}
    second = rpc.scoring.record_checkup({"member_id": plain, "year": 2018,
                                         "scores": scores(best)}, "sec-2")
    assert (second["total"], second["health"]) == (100.0, "HEALTHY")
    assert rpc.scoring.checkup(plain, 2018) == second
    assert count(scoring, checkups) == 1
    with scoring.connect() as conn:
        kept = conn.execute(select(checkup_history)).mappings().all()
    assert [(k["member_id"], float(k["total"]), k["health"], k["recorded_by"], k["replaced_by"])
            for k in kept] == [(plain, 84.75, "SUB_HEALTHY", "sec-1", "sec-2")]

    envelopes = told(scoring)
    assert [(e["payload"]["total"], e["payload"]["health"], e["payload"]["replaced"])
            for e in envelopes] == [(84.75, "SUB_HEALTHY", False), (100.0, "HEALTHY", True)]
    assert envelopes[0]["payload"] == {
        "member_id": plain, "year": 2018, "post_type": "member", "total": 84.75,
        "health": "SUB_HEALTHY", "on": TODAY, "branch_id": branch["id"], "replaced": False,
        "rule_set_version": 1}
    assert envelopes[0]["bureau_id"] == bureau["id"]
    # over the broker: both were published
    published = []
    wait_for(lambda: published.extend(drain(vhost.uri, queue)) or len(published) == 2,
             what="both events published")
    assert [b["id"] for b in published] == [e["id"] for e in envelopes]

    ids = [e["id"] for e in envelopes]
    wait_for(lambda: count(supervision, processed_events, processed_events.c.event_id.in_(ids))
             == 2, what="supervision handling both check-ups")
    assert count(supervision, checkup_facts) == 1
    got = result(rpc, bureau["id"], year, "P5", plain)
    assert (got["required"], got["actual"], got["status"]) == (1, 1, "MET")
    # derived again from the facts (as after a rule set change): the same
    rpc.supervision.rederive_quotas(bureau["id"])
    assert result(rpc, bureau["id"], year, "P5", plain) == got
    assert result(rpc, bureau["id"], year, "P5", other)["status"] == "PENDING"
    # the cadre's year: a check-up on the leading cadre's indicators
    cadre_keys = [i["key"] for i in rpc.scoring.checkup_indicators(cadre, 2018)["indicators"]]
    done = rpc.scoring.record_checkup({"member_id": cadre, "year": 2018, "scores": [
        {"indicator": k, "score": 60} for k in cadre_keys]}, "sec-1")
    # (60·100 − 60·20) / 100
    assert (done["post_type"], done["total"], done["health"]) == \
        ("leading_cadre", 48.0, "UNHEALTHY")
