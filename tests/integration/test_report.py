"""Reports (U5) in supervision, on each backend, with the scoring service
answering the members' year totals over the real broker (in batches of one
member here, so that every batch counts): a bureau's MONTHLY, QUARTERLY,
MIDYEAR and ANNUAL reports, one row per branch, each number read back
through the services' other answers (compliance per period, the items, the
members' totals), never from the tables the report reads; the details the
workbook shows add up to the rows; a period of another kind's shape is
BAD_INPUT."""
import uuid

import pytest
from sqlalchemy import update

from services.scoring.models import processed_events as scoring_events
from services.scoring.service import ScoringService
from services.supervision import service as supervision_service
from services.supervision.models import members, supervision_items
from services.supervision.service import SupervisionService
from shared.errors import BadInput
from shared.periods import ALL_KINDS, parse_period
from tests.integration.conftest import wait_for
from tests.integration.test_branch_ratings import DatedCity
from tests.integration.test_quota_state import count_of, known, result


def expected(rpc, org_id, branch, label, member_ids):
    """A row as the other answers tell it."""
    statuses = {"MET": 0, "MISSED": 0, "PENDING": 0}
    for part in parse_period(label, kinds=ALL_KINDS).within():
        for r in rpc.supervision.compliance(branch, part.label)["results"]:
            statuses[r["status"]] += 1
    labels = {p.label for p in parse_period(label, kinds=ALL_KINDS).within()}
    items = [i for i in rpc.supervision.supervision_items(org_id)
             if branch in i["org_path"] and i["period"] in labels]
    totals = rpc.scoring.member_year_totals(member_ids, int(label[:4])) if member_ids else {}
    return {"org_id": branch, "quotas_met": statuses["MET"],
            "quotas_missed": statuses["MISSED"], "quotas_pending": statuses["PENDING"],
            "items_open": sum(i["state"] in ("ASSIGNED", "REPORTED") for i in items),
            "items_closed": sum(i["state"] == "CLOSED" for i in items),
            "items_escalated": sum(i["state"] == "ESCALATED" for i in items),
            "average_points": round(sum(totals.values()) / len(totals), 2) if totals else 0.0}


def numbers(row):
    return {k: v for k, v in row.items() if k not in ("org_path", "name")}


def test_a_bureaus_reports_of_each_kind_count_what_the_other_answers_say(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", "2017-08-10")
    monkeypatch.setattr(supervision_service, "TOTALS_BATCH", 1)
    services(SupervisionService, ScoringService)
    city = DatedCity(vhost.uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    busy, idle = city.org("BRANCH", committee), city.org("BRANCH", committee)
    group = city.org("GROUP", busy)
    db = engine_of("supervision")
    wait_for(known(db, 6), what="the read model")
    a1, a2, b1 = city.member(busy), city.member(busy), city.member(idle)
    wait_for(lambda: count_of(db, members) == 3, what="the members")

    # June: the busy branch holds two activity days, a committee and a group
    # meeting; the idle branch one activity day
    told = [city.activity(busy, "ACTIVITY_DAY", "2017-06-03", present=[a1, a2]),
            city.activity(busy, "ACTIVITY_DAY", "2017-06-17", present=[a1]),
            city.activity(busy, "COMMITTEE_MEETING", "2017-06-05", present=[a1]),
            city.activity(group, "GROUP_MEETING", "2017-06-06", present=[a2]),
            city.activity(idle, "ACTIVITY_DAY", "2017-06-10", present=[b1])]
    wait_for(lambda: (result(rpc, busy, "2017-06", "A1", busy) or {}).get("actual") == 2
             and (result(rpc, idle, "2017-06", "A1", idle) or {}).get("actual") == 1,
             what="June counted")
    scoring = engine_of("scoring")
    wait_for(lambda: count_of(scoring, scoring_events, scoring_events.c.event_id.in_(
        [e.id for e in told])) == len(told), what="every activity posted by scoring")
    assert all(t > 0 for t in rpc.scoring.member_year_totals([a1, a2, b1], 2017).values())
    # June and the second quarter close (their items open); then the items
    # move as the lifecycle would write them
    rpc.supervision.close_period(bureau, "2017-06", "tester", False)
    rpc.supervision.close_period(bureau, "2017-Q2", "tester", False)
    with db.begin() as conn:
        i = supervision_items.c
        rows = conn.execute(supervision_items.select().where(i.org_id == idle)
                            .order_by(i.period, i.rule)).mappings().all()
        assert len(rows) >= 3
        for row, state in zip(rows, ("REPORTED", "ESCALATED", "CLOSED")):
            conn.execute(update(supervision_items).where(i.id == row["id"]).values(state=state))

    people = {busy: [a1, a2], idle: [b1]}
    for kind, label in (("MONTHLY", "2017-06"), ("QUARTERLY", "2017-Q2"),
                        ("MIDYEAR", "2017-H1"), ("ANNUAL", "2017"), ("MONTHLY", "2017-05")):
        answer = rpc.supervision.report(bureau, kind, label)
        assert answer["period"] == label
        rows = [numbers(r) for r in answer["rows"]]
        assert sorted(rows, key=lambda r: r["org_id"]) == sorted(
            (expected(rpc, bureau, b, label, people[b]) for b in (busy, idle)),
            key=lambda r: r["org_id"]), (kind, label)
    june = {r["org_id"]: r for r in rpc.supervision.report(bureau, "MONTHLY", "2017-06")["rows"]}
    assert june[idle]["quotas_missed"] > 0 and june[idle]["items_escalated"] == 1
    assert june[idle]["items_open"] >= 1 and june[busy]["quotas_met"] > 0
    assert june[busy]["org_path"] == city.paths[busy]
    assert rpc.supervision.report(bureau, "MIDYEAR", "2017-H1")["rows"][0]["quotas_met"] >= \
        rpc.supervision.report(bureau, "QUARTERLY", "2017-Q2")["rows"][0]["quotas_met"]

    # what the workbook shows adds up to the rows
    detailed = rpc.supervision.report(bureau, "ANNUAL", "2017", True)
    assert [numbers(r) for r in detailed["rows"]] == \
        [numbers(r) for r in rpc.supervision.report(bureau, "ANNUAL", "2017")["rows"]]
    for row in detailed["rows"]:
        results = [r for r in detailed["results"] if r["branch_id"] == row["org_id"]]
        items = [i for i in detailed["items"] if i["branch_id"] == row["org_id"]]
        assert sum(r["status"] == "MISSED" for r in results) == row["quotas_missed"]
        assert sum(r["status"] == "MET" for r in results) == row["quotas_met"]
        assert len(results) == row["quotas_met"] + row["quotas_missed"] + row["quotas_pending"]
        assert len(items) == row["items_open"] + row["items_closed"] + row["items_escalated"]

    # a branch's report is its own row; an organisation not known here has none
    assert [r["org_id"] for r in rpc.supervision.report(idle, "ANNUAL", "2017")["rows"]] == [idle]
    assert rpc.supervision.report(group, "ANNUAL", "2017")["rows"] == []
    assert rpc.supervision.report(uuid.uuid4().hex, "ANNUAL", "2017")["rows"] == []
    for kind, label, field in (("ANNUAL", "2017-H1", "period"), ("MIDYEAR", "2017", "period"),
                               ("WEEKLY", "2017", "kind")):
        with pytest.raises(BadInput) as caught:
            rpc.supervision.report(bureau, kind, label)
        assert caught.value.field == field
