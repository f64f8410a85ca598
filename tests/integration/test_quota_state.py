"""The quota state that supervision keeps as facts arrive, against the real
broker and each backend: a late fact after a close, a rule-set change
deriving the rows again, two replicas moving the same row, a member-level
quota, a recorded year compared with counting it from scratch, and the
indexes the subtree reads use."""
import datetime as dt
import random
import uuid
from pathlib import Path

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select, text

from services.supervision import domain
from services.supervision.models import (activity_facts, orgs, quota_derivations, quota_state,
                                         supervision_items)
from services.supervision.service import SupervisionService
from shared import clock
from shared.events import Envelope
from shared.periods import MONTH, QUARTER, YEAR, Period
from shared.tree import ids_of
from shared.vocabulary import ACTIVITY_KINDS, BRANCH, BUREAU, COMMITTEE, GROUP
from tests.integration.conftest import publish, wait_for

SHIPPED = (Path(__file__).parents[2] / "rules" / "quota" / "default.yaml").read_text()
MEMBER_RULE = """
      - key: M-DAYS
        title: activity days attended by each member
        subject: member
        period: month
        counts: {activity_kinds: [ACTIVITY_DAY]}
        minimum: 1
"""


class City:
    """A tree told to supervision as organization_created events."""

    def __init__(self, uri):
        self.uri = uri
        self.paths = {}
        self.city = self.org("CITY")

    def org(self, kind, parent=None):
        org_id = uuid.uuid4().hex
        path = (self.paths[parent] if parent else []) + [org_id]
        self.paths[org_id] = path
        bureau = path[1] if len(path) > 1 else org_id
        publish(self.uri, Envelope.new("organization_created", bureau, {
            "org_id": org_id, "name": org_id[:6], "kind": kind, "parent_id": parent,
            "path": path, "created_on": clock.today().isoformat()}),
            source="organization", routing_key="organization_created")
        return org_id

    def member(self, branch):
        member_id = uuid.uuid4().hex
        publish(self.uri, Envelope.new("member_registered", self.paths[branch][1], {
            "member_id": member_id, "name": member_id[:6], "branch_id": branch,
            "group_id": None, "roles": ["member"]}),
            source="organization", routing_key="member_registered")
        return member_id

    def activity(self, holder, kind, day, present=(), absent=(), activity_id=None):
        envelope = Envelope.new("activity_recorded", self.paths[holder][1], {
            "activity_id": activity_id or uuid.uuid4().hex, "org_id": holder,
            "org_path": self.paths[holder], "kind": kind, "theme": "学", "held_on": day,
            "attendance": [{"member_id": m, "status": "PRESENT"} for m in present]
            + [{"member_id": m, "status": "ABSENT"} for m in absent]})
        publish(self.uri, envelope)
        return envelope


def small_city(uri):
    city = City(uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    branch = city.org("BRANCH", committee)
    return city, bureau, committee, branch


def count_of(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def result(rpc, org_id, period, rule, subject):
    found = [r for r in rpc.supervision.compliance(org_id, period)["results"]
             if r["rule"] == rule and r["subject_id"] == subject]
    return found[0] if found else None


def held(engine):
    """The tree and the facts supervision holds, as the pure rules take them."""
    with engine.connect() as conn:
        tree = [domain.Org(r["id"], r["kind"], r["parent_id"], r["bureau_id"],
                           ids_of(r["path"]), r["created_on"])
                for r in conn.execute(select(orgs)).mappings()]
        facts = [domain.ActivityFact(r["activity_id"], ids_of(r["org_path"]), r["kind"],
                                     r["held_on"])
                 for r in conn.execute(select(activity_facts)).mappings()]
    return tree, facts


def known(engine, n):
    return lambda: count_of(engine, orgs) == n


def test_a_late_fact_after_a_close_meets_the_quota_and_opens_nothing_new(
        services, rpc, vhost, engine_of):
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    city.activity(branch, "ACTIVITY_DAY", "2017-06-03")
    wait_for(lambda: (result(rpc, branch, "2017-06", "A1", branch) or {}).get("actual") == 1,
             what="the first day counted")

    closed = rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    a1 = [r for r in closed["results"] if r["rule"] == "A1"][0]
    assert (a1["actual"], a1["status"]) == (1, "MISSED")
    assert count_of(db, supervision_items, supervision_items.c.rule == "A1") == 1

    city.activity(branch, "ACTIVITY_DAY", "2017-06-24")  # recorded late, from paper
    wait_for(lambda: result(rpc, branch, "2017-06", "A1", branch)["status"] == "MET",
             what="the late day counted")
    with db.connect() as conn:
        row = conn.execute(select(quota_state).where(
            quota_state.c.rule == "A1", quota_state.c.period == "2017-06")).mappings().one()
    assert (row["actual"], row["status"], row["closed"]) == (2, "MET", True)
    rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    assert count_of(db, supervision_items) == 4  # A1, A2-CM, A2-GR, S2 once each
    # a third late day in a closed month still counts, and the row stays closed
    city.activity(branch, "ACTIVITY_DAY", "2017-06-25")
    wait_for(lambda: result(rpc, branch, "2017-06", "A1", branch)["actual"] == 3,
             what="the third day")


def test_a_rule_set_change_derives_the_rows_again(services, rpc, vhost, engine_of, tmp_path,
                                                  monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    container = services(SupervisionService, extra={})
    city, bureau, committee, branch = small_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    for day in ("2017-06-03", "2017-06-17"):
        city.activity(branch, "ACTIVITY_DAY", day)
    wait_for(lambda: result(rpc, branch, "2017-06", "A1", branch)["status"] == "MET",
             what="A1 met")
    with entrypoint_hook(container, "auto_close") as tick:
        tick()  # records the rule set each bureau was derived with
    assert rpc.supervision.rederive_quotas()["bureaus"] == []

    (tmp_path / "quota").mkdir()
    (tmp_path / "quota" / f"{bureau}.yaml").write_text(SHIPPED.replace(
        "counts: {activity_kinds: [ACTIVITY_DAY]}\n        minimum: 2",
        "counts: {activity_kinds: [ACTIVITY_DAY]}\n        minimum: 3"))
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    # the answer follows the new rule set at once ...
    assert result(rpc, branch, "2017-06", "A1", branch)["status"] == "PENDING"
    # ... and the stored rows when the bureau's state is derived again
    answer = rpc.supervision.rederive_quotas()
    assert answer["bureaus"] == [bureau] and answer["rows"] >= 1
    with db.connect() as conn:
        row = conn.execute(select(quota_state).where(
            quota_state.c.rule == "A1", quota_state.c.subject_id == branch,
            quota_state.c.period == "2017-06")).mappings().one()
    assert (row["required"], row["actual"], row["status"]) == (3, 2, "PENDING")
    assert rpc.supervision.rederive_quotas()["bureaus"] == []

    # the periodic round notices a change by itself
    (tmp_path / "quota" / f"{bureau}.yaml").write_text(SHIPPED)
    with entrypoint_hook(container, "auto_close") as tick:
        tick()
    with db.connect() as conn:
        required = conn.execute(select(quota_state.c.required).where(
            quota_state.c.rule == "A1", quota_state.c.subject_id == branch)).scalar()
    assert required == 2
    assert count_of(db, quota_derivations) == 2  # the city and the bureau


def test_two_replicas_moving_the_same_row_lose_nothing_and_count_nothing_twice(
        services, rpc, vhost, engine_of):
    services(SupervisionService, SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    sent = [city.activity(branch, "ACTIVITY_DAY", f"2017-06-{d:02d}") for d in range(1, 29)]
    for envelope in sent[::3]:  # some delivered twice
        publish(vhost.uri, envelope)

    def counted():
        with db.connect() as conn:
            return conn.execute(select(quota_state.c.actual).where(
                quota_state.c.rule == "A1", quota_state.c.subject_id == branch,
                quota_state.c.period == "2017-06")).scalar() == 28
    wait_for(counted, timeout=30, what="28 days counted by two replicas")
    assert count_of(db, activity_facts) == 28
    with db.connect() as conn:
        row = conn.execute(select(quota_state.c.actual).where(
            quota_state.c.rule == "A1", quota_state.c.period == "2017")).first()
    assert row is None  # A1 is monthly: no other period moved


def test_a_member_level_quota_holds_every_member_of_the_subtree(
        services, rpc, vhost, engine_of, tmp_path, monkeypatch):
    (tmp_path / "quota").mkdir()
    (tmp_path / "quota" / "default.yaml").write_text(SHIPPED.rstrip() + "\n" + MEMBER_RULE)
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    other = city.org("BRANCH", committee)
    db = engine_of("supervision")
    wait_for(known(db, 5), what="the read model")
    here = [city.member(branch) for _ in range(3)]
    there = city.member(other)
    from services.supervision.models import members
    wait_for(lambda: count_of(db, members) == 4, what="the members")

    city.activity(branch, "ACTIVITY_DAY", "2017-06-03", present=here[:2], absent=here[2:])
    wait_for(lambda: (result(rpc, branch, "2017-06", "M-DAYS", here[0]) or {}).get("actual") == 1,
             what="the member-level count")
    results = {r["subject_id"]: r for r in rpc.supervision.compliance(branch, "2017-06")["results"]
               if r["rule"] == "M-DAYS"}
    assert set(results) == set(here)  # the branch's members, not the other branch's
    assert [results[m]["status"] for m in here] == ["MET", "MET", "PENDING"]
    bureau_view = [r for r in rpc.supervision.compliance(bureau, "2017-06")["results"]
                   if r["rule"] == "M-DAYS"]
    assert {r["subject_id"] for r in bureau_view} == set(here) | {there}

    closed = rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    statuses = {r["subject_id"]: r["status"] for r in closed["results"] if r["rule"] == "M-DAYS"}
    assert statuses == {here[0]: "MET", here[1]: "MET", here[2]: "MISSED", there: "MISSED"}
    with db.connect() as conn:
        opened = conn.execute(select(supervision_items.c.org_id).where(
            supervision_items.c.rule == "M-DAYS")).scalars().all()
    assert sorted(opened) == sorted([branch, other])  # once per branch, on the branch


def test_a_recorded_year_equals_counting_it_from_scratch(services, rpc, vhost, engine_of):
    """A random year of activities for a bureau with groups, applied as
    events; every compliance answer of every period equals the pure
    evaluation over the facts and the tree supervision holds."""
    services(SupervisionService)
    rng = random.Random(7)
    city = City(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    branches = [city.org("BRANCH", committee) for _ in range(4)]
    groups = [city.org("GROUP", branches[0]), city.org("GROUP", branches[0]),
              city.org("GROUP", branches[1])]
    db = engine_of("supervision")
    wait_for(known(db, 10), what="the read model")
    holders = branches + groups + [committee, bureau]
    for _ in range(250):
        day = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(365))
        city.activity(rng.choice(holders), rng.choice(ACTIVITY_KINDS), day.isoformat())
    wait_for(lambda: count_of(db, activity_facts) == 250, timeout=60, what="every fact")

    tree, facts = held(db)
    rules = domain.QUOTA_RULES.for_day(bureau, dt.date(2017, 1, 1))
    periods = [Period(dt.date(2017, m, 1), MONTH) for m in range(1, 13)] \
        + [Period(dt.date(2017, m, 1), QUARTER) for m in (1, 4, 7, 10)] \
        + [Period(dt.date(2017, 1, 1), YEAR)]
    compared = 0
    for period in periods:
        expected = [(r.rule, r.subject_id, r.required, r.actual, r.status)
                    for r in domain.evaluate(rules, tree, facts, period)]
        got = [(r["rule"], r["subject_id"], r["required"], r["actual"], r["status"])
               for r in rpc.supervision.compliance(city.city, period.label)["results"]]
        assert got == expected, period.label
        compared += len(got)
    assert compared > 150


@pytest.fixture
def populated(services, rpc, vhost, engine_of):
    """Enough rows that a planner prefers an index to a scan."""
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 4), what="the read model")
    with db.begin() as conn:
        conn.execute(quota_state.insert(), [
            {"rule": "A1", "subject_id": f"s{i}", "period": f"20{10 + i % 10}-{i % 12 + 1:02d}",
             "member": False, "bureau_id": f"b{i % 50}",
             "subject_path": f"/c/b{i % 50}/k/s{i}/", "period_end": dt.date(2017, 1, 31),
             "required": 2, "actual": 1, "status": "PENDING", "closed": False}
            for i in range(20000)])
        conn.execute(orgs.insert(), [
            {"id": f"o{i}", "name": "x", "kind": BRANCH, "parent_id": "k",
             "bureau_id": f"b{i % 50}", "path": f"/c/b{i % 50}/k/o{i}/",
             "created_on": dt.date(2017, 1, 1)} for i in range(5000)])
        if db.dialect.name == "postgresql":
            conn.execute(text("ANALYZE quota_state"))
            conn.execute(text("ANALYZE orgs"))
        else:
            conn.execute(text("ANALYZE"))
    return db


def plan(db, query):
    sql = str(query.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True}))
    with db.connect() as conn:
        if db.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN " + sql).scalars().all()
        else:
            rows = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    return "\n".join(rows)


def test_subtree_reads_of_supervision_use_an_index(populated):
    from shared.tree import under
    # the queries of handlers.stored_counts and handlers.scope_orgs
    for query in (
            select(quota_state.c.rule, quota_state.c.subject_id, quota_state.c.actual,
                   quota_state.c.closed)
            .where(quota_state.c.period == "2013-04",
                   under(quota_state.c.subject_path, "/c/b3/")),
            select(orgs).where(under(orgs.c.path, "/c/b3/"))):
        shown = plan(populated, query)
        print(shown)
        assert "Seq Scan" not in shown and "SCAN " not in shown, shown
        assert "ix_quota_state_period_path" in shown or "ix_orgs_path" in shown, shown


def test_the_quota_gauge_counts_what_a_full_evaluation_counts(services, rpc, vhost, engine_of,
                                                               monkeypatch):
    """xianfeng_quotas{bureau,status}: the current month, quarter and year by
    status (quotas with no row yet are PENDING) and the missed quotas of the
    periods that ended last."""
    from sqlalchemy.orm import Session
    from services.supervision.views import QuotaGauge
    monkeypatch.setenv("XF_TODAY", "2017-06-20")
    services(SupervisionService)
    city, bureau, committee, branch = small_city(vhost.uri)
    lone = city.org("BRANCH", committee)
    group = city.org("GROUP", branch)
    db = engine_of("supervision")
    wait_for(known(db, 6), what="the read model")
    for day in ("2017-06-03", "2017-06-17"):
        city.activity(branch, "ACTIVITY_DAY", day)
    city.activity(group, "GROUP_MEETING", "2017-06-05")
    city.activity(committee, "CENTRAL_GROUP_STUDY", "2017-06-06")
    wait_for(lambda: count_of(db, activity_facts) == 4, what="the facts")
    rpc.supervision.close_period(bureau, "2017-05", "tester", False)

    today = dt.date(2017, 6, 20)
    tree, facts = held(db)
    rules = domain.QUOTA_RULES.for_day(bureau, today)
    expected = {}
    for period in domain.current_periods(today):
        for r in domain.evaluate(rules, [o for o in tree if o.bureau_id == bureau], facts, period):
            expected[(bureau, r.status)] = expected.get((bureau, r.status), 0) + 1
    may = Period(dt.date(2017, 5, 1), MONTH)
    expected[(bureau, "MISSED")] = len(domain.evaluate(rules, tree, [], may))
    # 3 counted; A6 of both branches and A6-COM: nobody there, nothing required
    assert expected[(bureau, "MET")] == 3 + 3 and expected[(bureau, "PENDING")] > 3

    with Session(db) as session:
        assert QuotaGauge().counts(session, today) == expected
