"""The constant-cost ledger on SQLite and PostgreSQL: running totals kept with
each posting equal what the ledger sums to, the migration fills them from an
existing ledger, one points_posted per activity over the real broker, the
batch read answers as the single one does, and the ledger read is indexed."""
import datetime as dt
import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

import eventlet
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, insert, inspect, select, text

from services.scoring import views
from services.scoring.domain.points import POINT_RULES, YearTotals, candidates_for_activity, post
from services.scoring.handlers import apply_activity, rebuild_running_totals
from services.scoring.models import (member_year_totals, member_years, metadata,
                                     point_entries)
from services.scoring.service import MIGRATIONS, ScoringService
from shared.consumer import consume
from shared.db import Database, make_engine
from shared.errors import BadInput
from shared.events import Envelope
from tests.conftest import Databases
from tests.integration.conftest import drain, event_queue, publish, wait_for

INITIAL_REVISION = "dd18c55dd4b5"

# A rule set whose caps are reached within a few activities, with half points,
# a category cap below the sum of its rules' caps, a speaker, and a deduction.
TIGHT_RULES = """
kind: points
versions:
  - version: 1
    effective_from: 2016-01-01
    category_caps: {organisational-life: 10, study: 9}
    category_dimensions: {organisational-life: DISCIPLINE, study: POLITICAL,
                          discipline: DISCIPLINE}
    rules:
      - key: attend-activity-day
        category: organisational-life
        points: 2
        cap: 7
        when: {event: activity_recorded, kinds: [ACTIVITY_DAY], status: PRESENT}
      - key: attend-meeting
        category: organisational-life
        points: 1.5
        cap: 6
        when: {event: activity_recorded, kinds: [GENERAL_MEETING], status: PRESENT}
      - key: attend-lecture
        category: study
        points: 2
        when: {event: activity_recorded, kinds: [PARTY_LECTURE], status: PRESENT}
      - key: give-lecture
        category: study
        points: 5
        cap: 12
        when: {event: activity_recorded, kinds: [PARTY_LECTURE], role: speaker}
      - key: absent-without-leave
        category: discipline
        points: -3
        when:
          event: activity_recorded
          status: ABSENT
          kinds: [ACTIVITY_DAY, GENERAL_MEETING, PARTY_LECTURE]
"""
TIGHT_BUREAU = "bureau-tight"
KINDS = ("ACTIVITY_DAY", "GENERAL_MEETING", "PARTY_LECTURE", "VOLUNTEER_SERVICE")


@pytest.fixture
def db(databases):
    scoring = Database("scoring", metadata, MIGRATIONS).open(databases.urls["scoring"])
    yield scoring
    scoring.engine.dispose()


@pytest.fixture
def tight_rules(tmp_path, monkeypatch):
    (tmp_path / "points").mkdir()
    (tmp_path / "points" / f"{TIGHT_BUREAU}.yaml").write_text(TIGHT_RULES)
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))


def activity_event(attendance, held_on="2017-06-03", kind="ACTIVITY_DAY",
                   bureau="bureau-1", speaker_id=None):
    return Envelope.new("activity_recorded", bureau, {
        "activity_id": uuid.uuid4().hex, "org_id": "branch-1",
        "org_path": ["city", bureau, "committee-1", "branch-1"], "kind": kind,
        "theme": "学党章", "held_on": held_on, "speaker_id": speaker_id,
        "attendance": [{"member_id": m, "status": s} for m, s in attendance]})


def random_year(rng, members, count, bureau):
    """``count`` activities of a year (and a few of the year before) with a
    random mix of kinds, attendance and speakers."""
    events = []
    for i in range(count):
        year = 2017 if i % 5 else 2016
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(360))
        kind = rng.choice(KINDS)
        attendance = [(m, rng.choice(("PRESENT", "PRESENT", "PRESENT", "ABSENT", "EXCUSED")))
                      for m in rng.sample(members, rng.randint(1, len(members)))]
        speaker = rng.choice(members) if kind == "PARTY_LECTURE" and rng.random() < .6 else None
        events.append(activity_event(attendance, day.isoformat(), kind, bureau, speaker))
    return events


def post_activity(db, envelope):
    return consume(db, envelope.to_dict(), "activity_recorded", apply_activity)


def replay(events):
    """The postings the pure rules make for ``events`` in order, with the
    totals kept in memory: what the ledger must hold."""
    totals = defaultdict(YearTotals.empty)
    out = []
    for envelope in events:
        held_on = dt.date.fromisoformat(envelope.payload["held_on"])
        rule_set = POINT_RULES.for_day(envelope.bureau_id, held_on)
        by_member = defaultdict(list)
        for candidate in candidates_for_activity(rule_set, envelope.payload):
            by_member[candidate.member_id].append(candidate)
        for member_id in sorted(by_member):
            for candidate in by_member[member_id]:
                posting = post(rule_set, totals[(member_id, held_on.year)], candidate)
                if posting:
                    out.append((envelope.id, member_id, posting.rule, posting.points))
    return sorted(out)


def ledger_rows(conn):
    e = point_entries
    return sorted((s, m, r, Decimal(p)) for s, m, r, p in conn.execute(
        select(e.c.source_event, e.c.member_id, e.c.rule, e.c.points)))


def ledger_sums(conn):
    """What member_year_totals must hold, summed from the ledger."""
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    e = point_entries
    for member_id, year, rule, category, dimension, points, source in conn.execute(
            select(e.c.member_id, e.c.year, e.c.rule, e.c.category, e.c.dimension,
                   e.c.points, e.c.source_event)):
        points = Decimal(points)
        scopes = [("rule", rule), ("category", category), ("year", "")]
        if dimension is not None:
            scopes.append(("dimension", dimension))
        for scope, name in scopes:
            tally = sums[(member_id, year, scope, name)]
            # a manual adjustment (no source event) uses up no cap
            tally[0] += max(points, Decimal(0)) if source is not None else Decimal(0)
            tally[1] += points
    return {k: tuple(v) for k, v in sums.items()}


def running_totals(conn):
    t = member_year_totals
    return {(m, y, s, n): (Decimal(earned), Decimal(net)) for m, y, s, n, earned, net in
            conn.execute(select(t.c.member_id, t.c.year, t.c.scope, t.c.name,
                                t.c.earned, t.c.net))}


@contextmanager
def statements_of(engine):
    """A list that fills with the SQL statements ``engine`` runs meanwhile."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# -- running totals ------------------------------------------------------------------

def test_running_totals_equal_the_ledger_after_many_postings_with_caps_and_clipping(
        db, tight_rules):
    rng = random.Random(5)
    members = [f"m{i:02d}" for i in range(12)]
    events = random_year(rng, members, 60, TIGHT_BUREAU) + \
        random_year(rng, [f"s{i:02d}" for i in range(12)], 20, "bureau-1")
    for envelope in events:
        assert post_activity(db, envelope)

    with db.connect() as conn:
        ledger = ledger_rows(conn)
        assert ledger == replay(events)           # the same postings as the pure rules
        assert running_totals(conn) == ledger_sums(conn)
        totals = running_totals(conn)
    full = {"attend-activity-day": 2, "attend-meeting": Decimal("1.5"), "give-lecture": 5}
    clipped = [(m, r, p) for _, m, r, p in ledger if r in full and 0 < p < full[r]]
    assert clipped                                  # some postings were clipped
    caps = {("rule", "attend-activity-day"): 7, ("rule", "attend-meeting"): 6,
            ("rule", "give-lecture"): 12, ("category", "organisational-life"): 10,
            ("category", "study"): 9}
    tight = {(m, y, s, n): earned for (m, y, s, n), (earned, _) in totals.items()
             if m.startswith("m")}
    for (m, y, s, n), earned in tight.items():
        assert earned <= caps.get((s, n), earned)
    assert 10 in [e for (_, _, s, n), e in tight.items() if n == "organisational-life"]

    # a redelivered event changes nothing
    assert post_activity(db, events[3]) is False
    with db.connect() as conn:
        assert ledger_rows(conn) == ledger
        assert running_totals(conn) == ledger_sums(conn)
    # and summing the ledger again, set-based, gives the same totals
    with db.uow() as uow:
        rebuild_running_totals(uow.session)
    with db.connect() as conn:
        assert running_totals(conn) == totals


def test_a_summary_totals_equal_the_sum_of_its_entries_after_caps_and_deductions(
        db, tight_rules):
    rng = random.Random(11)
    members = [f"m{i:02d}" for i in range(6)]
    for envelope in random_year(rng, members, 40, TIGHT_BUREAU):
        post_activity(db, envelope)
    with db.connect() as conn:
        summaries = views.points_summaries(conn, members, 2017)
    deducted = capped = 0
    for member_id in members:
        summary = summaries[member_id]
        entries = summary["entries"]
        assert summary["total"] == pytest.approx(sum(e["points"] for e in entries))
        by_category = defaultdict(float)
        for entry in entries:
            by_category[entry["category"]] += entry["points"]
        assert summary["by_category"] == [
            {"category": c, "points": pytest.approx(p)} for c, p in sorted(by_category.items())]
        deducted += any(e["points"] < 0 for e in entries)
        capped += by_category.get("organisational-life", 0) == 10
    assert deducted and capped


def test_concurrent_postings_of_shared_members_neither_deadlock_nor_break_caps(db):
    """Two consumers post activities of the same 20 members at once, listed
    in opposite orders: the member-years are locked in one order."""
    members = [f"m{i:02d}" for i in range(20)]
    days = [dt.date(2017, 1, 1) + dt.timedelta(days=7 * i) for i in range(30)]
    first = [activity_event([(m, "PRESENT") for m in members], d.isoformat())
             for d in days[::2]]
    second = [activity_event([(m, "PRESENT") for m in reversed(members)], d.isoformat())
              for d in days[1::2]]

    def run(events):
        for envelope in events:
            post_activity(db, envelope)
    threads = [eventlet.spawn(run, first), eventlet.spawn(run, second)]
    for thread in threads:
        thread.wait()
    with db.connect() as conn:
        totals = running_totals(conn)
        assert totals == ledger_sums(conn)
    for member_id in members:   # the 24 first of 30 activity days count: cap 48
        assert totals[(member_id, 2017, "rule", "attend-activity-day")] == (48, 48)


def test_posting_an_activity_takes_the_same_statements_for_2_or_20_attendees(db):
    def count(size, day):
        with statements_of(db.engine) as seen:
            post_activity(db, activity_event(
                [(f"m{day}-{i}", "PRESENT" if i % 3 else "ABSENT") for i in range(size)],
                f"2017-06-{day:02d}"))
        return len(seen)
    assert count(2, 3) == count(20, 4) == count(20, 5)


# -- the migration ---------------------------------------------------------------------

def test_the_migration_fills_the_running_totals_from_an_existing_ledger(backend, tmp_path):
    # a database of its own, without any schema yet (the shared ones are migrated)
    own = Databases(backend, tmp_path)
    try:
        migrate_an_old_ledger(own.create(["scoring"])["scoring"])
    finally:
        own.drop()


def migrate_an_old_ledger(url):
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def upgrade(to):
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, to)

    upgrade(INITIAL_REVISION)
    assert "member_year_totals" not in inspect(engine).get_table_names()
    rng = random.Random(3)
    rules = [("attend-activity-day", "organisational-life", "2"),
             ("attend-meeting", "organisational-life", "1"),
             ("self-study-log-entry", "study", "0.5"),
             ("absent-without-leave", "discipline", "-3")]
    rows = []
    for i in range(400):
        rule, category, points = rng.choice(rules)
        year = rng.choice((2016, 2017))
        rows.append({"id": uuid.uuid4().hex, "member_id": f"m{rng.randrange(25):02d}",
                     "bureau_id": "bureau-1", "year": year, "rule": rule,
                     "category": category, "points": Decimal(points),
                     "source_event": f"e{i}", "occurred_on": dt.date(year, 3, 1)})
    with engine.begin() as conn:
        conn.execute(insert(point_entries), rows)
        # the old code made a lock row for every posting; leave some out all the same
        conn.execute(insert(member_years), [
            {"member_id": m, "year": y} for m, y in sorted({(r["member_id"], r["year"])
                                                            for r in rows})][::2])

    upgrade("head")
    with engine.connect() as conn:
        assert running_totals(conn) == ledger_sums(conn)
        assert len(running_totals(conn)) > 100
        # every entry has its category's default dimension, and the totals by dimension
        defaults = {"organisational-life": "DISCIPLINE", "study": "POLITICAL",
                    "discipline": "DISCIPLINE"}
        e = point_entries
        assert {(c, d) for c, d in conn.execute(select(e.c.category, e.c.dimension))} == \
            set(defaults.items())
        assert {n for _, _, s, n in running_totals(conn) if s == "dimension"} == \
            {"DISCIPLINE", "POLITICAL"}
        locked = set(conn.execute(select(member_years.c.member_id, member_years.c.year)))
        assert locked == {(r["member_id"], r["year"]) for r in rows}
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("point_entries")}
    assert indexes["ix_point_entries_member_year"] == ["member_id", "year"]
    engine.dispose()

    # and postings go on from the filled totals, caps included
    db = Database("scoring", metadata, MIGRATIONS).open(url)
    for day in range(1, 29):
        post_activity(db, activity_event([("m01", "PRESENT"), ("m02", "ABSENT")],
                                         f"2017-02-{day:02d}"))
    with db.connect() as conn:
        assert running_totals(conn) == ledger_sums(conn)
        assert running_totals(conn)[("m01", 2017, "rule", "attend-activity-day")][0] == 48
    db.engine.dispose()


# -- the event --------------------------------------------------------------------------

def test_one_points_posted_event_per_activity_over_the_broker(services, vhost, engine_of):
    queue = event_queue(vhost.uri, "scoring", "points_posted")
    services(ScoringService)
    members = [f"m{i:02d}" for i in range(20)]
    statuses = ("PRESENT", "ABSENT", "EXCUSED", "PRESENT")
    lecture = activity_event([(m, statuses[i % 4]) for i, m in enumerate(members)],
                             kind="PARTY_LECTURE", speaker_id="m00")
    excused = activity_event([(m, "EXCUSED") for m in members], held_on="2017-06-10")
    marker = activity_event([("m99", "PRESENT")], held_on="2017-06-17")
    publish(vhost.uri, lecture)
    publish(vhost.uri, lecture)       # redelivered: no second event
    publish(vhost.uri, excused)       # nothing posted: no event
    publish(vhost.uri, marker)

    got = []
    wait_for(lambda: got.extend(drain(vhost.uri, queue)) or len(got) >= 2,
             what="the points_posted events")
    eventlet.sleep(0.5)
    got.extend(drain(vhost.uri, queue))
    assert [e["type"] for e in got] == ["points_posted", "points_posted"]
    # the consumer's workers may take the events in any order
    by_source = {e["payload"]["source_event"]: Envelope.from_dict(e, "points_posted")
                 for e in got}
    assert set(by_source) == {lecture.id, marker.id}
    first, second = by_source[lecture.id], by_source[marker.id]
    assert first.payload["activity_id"] == lecture.payload["activity_id"]
    assert first.payload["year"] == 2017 and first.bureau_id == "bureau-1"
    posted = {m["member_id"]: m["entries"] for m in first.payload["members"]}
    assert list(posted) == sorted(posted)
    expected = {m for i, m in enumerate(members) if statuses[i % 4] != "EXCUSED"}
    assert set(posted) == expected
    assert posted["m00"] == [
        {"rule": "attend-lecture-or-study", "category": "study", "points": "2"},
        {"rule": "give-lecture", "category": "contribution", "points": "5"}]
    assert posted["m01"] == [
        {"rule": "absent-without-leave", "category": "discipline", "points": "-3"}]
    assert second.payload["members"] == [{"member_id": "m99", "entries": [
        {"rule": "attend-activity-day", "category": "organisational-life", "points": "2"}]}]

    with engine_of("scoring").connect() as conn:
        assert len(ledger_rows(conn)) == sum(len(v) for v in posted.values()) + 1


# -- the batch read -----------------------------------------------------------------------

def test_points_summaries_answers_as_points_summary_does(services, vhost, rpc):
    services(ScoringService)
    members = [f"m{i:02d}" for i in range(8)]
    events = random_year(random.Random(7), members, 12, "bureau-1")
    for envelope in events:
        publish(vhost.uri, envelope)
    wait_for(lambda: sum(len(rpc.scoring.points_summary(m, y)["entries"])
                         for m in members for y in (2016, 2017)) == len(replay(events)),
             what="every posting")
    for year in (2016, 2017):
        batch = rpc.scoring.points_summaries(members + ["nobody", members[0]], year)
        assert batch == {m: rpc.scoring.points_summary(m, year) for m in members + ["nobody"]}
        assert batch["nobody"] == {"member_id": "nobody", "year": year, "total": 0.0,
                                   "by_category": [], "entries": []}
    assert rpc.scoring.points_summaries([], 2017) == {}
    with pytest.raises(BadInput) as err:
        rpc.scoring.points_summaries(members, "2017")
    assert err.value.field == "year"
    with pytest.raises(BadInput) as err:
        rpc.scoring.points_summaries(["m00", 7], 2017)
    assert err.value.field == "member_ids[1]"
    with pytest.raises(BadInput):
        rpc.scoring.points_summaries("m00", 2017)
    with pytest.raises(BadInput) as err:
        rpc.scoring.points_summaries([f"m{i}" for i in range(10_001)], 2017)
    assert "at most 10000" in str(err.value)


def test_points_summaries_read_in_two_queries_however_many_members(db):
    for day in range(1, 8):
        post_activity(db, activity_event([(f"m{i:03d}", "PRESENT" if i % 4 else "ABSENT")
                                          for i in range(60)], f"2017-03-{day:02d}"))
    members = [f"m{i:03d}" for i in range(60)]
    counts = []
    most = members + [f"nobody-{i}" for i in range(10_000 - len(members))]
    for ids in (members[:1], members[:10], members + ["nobody"], most):
        with statements_of(db.engine) as seen, db.connect() as conn:
            answer = views.points_summaries(conn, ids, 2017)
        assert set(answer) == set(ids)
        counts.append(len([s for s in seen if s.lstrip().upper().startswith("SELECT")]))
    assert counts == [2, 2, 2, 2]


# -- the index ----------------------------------------------------------------------------

def test_the_ledger_read_of_a_summary_uses_the_member_year_index(db):
    """With a city's worth of ledger (2,000 members, three years), EXPLAIN on
    the summary's ledger read names the (member_id, year) index."""
    rng = random.Random(1)
    rows = [{"id": uuid.uuid4().hex, "member_id": f"m{rng.randrange(2000):04d}",
             "bureau_id": f"b{rng.randrange(10)}", "year": rng.choice((2015, 2016, 2017)),
             "rule": "attend-meeting", "category": "organisational-life",
             "points": Decimal(1), "source_event": f"e{i}",
             "occurred_on": dt.date(2017, 1, 1) + dt.timedelta(days=i % 365)}
            for i in range(30000)]
    with db.connect(write=True) as conn:
        conn.execute(insert(point_entries), rows)
        conn.exec_driver_sql("ANALYZE")
    plans = []
    with db.connect() as conn:
        for ids in (["m0001"], [f"m{i:04d}" for i in range(0, 2000, 40)]):
            query = views.entries_query(ids, 2017).compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            if conn.dialect.name == "postgresql":
                plan = "\n".join(conn.execute(text(f"EXPLAIN {query}")).scalars())
            else:
                plan = "\n".join(r[-1] for r in conn.execute(
                    text(f"EXPLAIN QUERY PLAN {query}")))
            plans.append(plan)
        assert conn.execute(select(func.count()).select_from(point_entries)).scalar() == 30000
    for plan in plans:
        assert "ix_point_entries_member_year" in plan, plan
