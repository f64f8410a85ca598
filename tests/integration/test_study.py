"""The study service over the real broker and each backend: its read models
fed by the organisation and activity services' events (the months a plan
holds turn held, a redelivered activity changes nothing), and its own
events (annual_plan_filed, theme_proposed, self_study_plan_filed,
self_study_logged) leaving through the outbox as the contract says."""
import datetime as dt

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select

from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from services.study.models import (annual_plans, held_months, members, orgs, plan_items,
                                   self_study_entries, self_study_plans, theme_proposals)
from services.study.service import StudyService
from shared import clock
from shared.errors import BadInput
from shared.events import Envelope
from tests.integration.conftest import branch_chain, publish, wait_for


class Listener:
    """Every event the study service publishes, as the broker delivers it."""

    def __init__(self, uri):
        self.connection = Connection(uri)
        exchange = Exchange("study.events", type="topic", durable=True)
        self.queue = Queue("test-study-listener", exchange=exchange, routing_key="#",
                           auto_delete=False)
        self.queue(self.connection.default_channel).declare()
        self.seen = []

    def events(self, event_type=None, count=1):
        """The events of ``event_type`` once ``count`` of them have come."""
        def enough():
            bound = self.queue(self.connection.default_channel)
            while True:
                message = bound.get(no_ack=True)
                if message is None:
                    break
                self.seen.append(Envelope.from_dict(message.decode()))
            return len([e for e in self.seen if e.type == event_type]) >= count
        wait_for(enough, what=f"{count} {event_type}")
        return [e for e in self.seen if e.type == event_type]

    def close(self):
        self.connection.release()


@pytest.fixture
def listener(vhost):
    listening = Listener(vhost.uri)
    yield listening
    listening.close()


def build(rpc, engine):
    _city, bureau, committee, branch = branch_chain(rpc)
    group = rpc.organization.create_organization(
        {"name": "第一小组", "kind": "GROUP", "parent_id": branch["id"]})
    member = rpc.organization.register_member({"name": "甲", "branch_id": branch["id"],
                                               "group_id": group["id"]})

    def known():
        with engine.connect() as conn:
            return conn.execute(select(members.c.id)).scalar() == member["id"]
    wait_for(known, what="study learning the tree and the member")
    return bureau, committee, branch, group, member


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def study_items(theme="学习", months=range(1, 13), source="SUPERIOR", kind="ACTIVITY_DAY"):
    return [{"month": m, "kind": kind, "theme": f"{theme}{m}", "source": source}
            for m in months]


def test_plans_are_filed_refiled_and_their_months_held_by_the_activities(
        services, rpc, engine_of, listener, vhost):
    services(OrganizationService, ActivityService, StudyService)
    study = engine_of("study")
    bureau, committee, branch, group, member = build(rpc, study)
    year = clock.today().year

    filed = rpc.study.file_annual_plan(
        {"org_id": branch["id"], "year": year, "kind": "STUDY", "items": study_items()},
        "secretary")
    assert filed["filed_on"] == clock.today().isoformat() and filed["org_id"] == branch["id"]
    assert [i["held"] for i in filed["items"]] == [False] * 12

    # the party group's day in January is its branch's (and committee's) too
    recorded = rpc.activity.record_activity({
        "org_id": group["id"], "kind": "ACTIVITY_DAY", "theme": "小组学习",
        "held_on": f"{year}-01-09",
        "attendance": [{"member_id": member["id"], "status": "PRESENT"}]}, "secretary")
    wait_for(lambda: rpc.study.annual_plan(branch["id"], year, "STUDY")["items"][0]["held"],
             what="January held")
    plan = rpc.study.annual_plan(branch["id"], year, "STUDY")
    assert [i["held"] for i in plan["items"]] == [True] + [False] * 11
    rows = count(study, held_months)
    assert rows == 5  # the city, the bureau, the committee, the branch, the group

    # told again (a republish, a replay under a new id): nothing changes
    again = Envelope.new("activity_recorded", bureau["id"], {
        "activity_id": recorded["id"], "org_id": group["id"],
        "org_path": [bureau["parent_id"], bureau["id"], committee["id"], branch["id"],
                     group["id"]],
        "kind": "ACTIVITY_DAY", "theme": "小组学习", "held_on": f"{year}-01-09",
        "attendance": []})
    publish(vhost.uri, again)
    publish(vhost.uri, again)
    wait_for(lambda: count(study, held_months) == rows, what="the replay handled")

    # refiled: the first day kept, the items replaced
    refiled = rpc.study.file_annual_plan(
        {"org_id": branch["id"], "year": year, "kind": "STUDY",
         "items": study_items("新", kind="PARTY_LECTURE")[:1] + study_items("再")}, "admin")
    assert refiled["id"] == filed["id"] and refiled["filed_on"] == filed["filed_on"]
    assert len(refiled["items"]) == 13 and refiled["items"][0]["theme"] == "新1"
    assert [i["held"] for i in refiled["items"][:2]] == [False, True]
    assert count(study, plan_items) == 13 and count(study, annual_plans) == 1

    events = listener.events("annual_plan_filed", 2)
    first, second = (e.payload for e in events)
    assert events[0].bureau_id == bureau["id"]
    assert first["plan_id"] == second["plan_id"] == filed["id"]
    assert (first["refiled"], second["refiled"]) == (False, True)
    assert first["filed_on"] == second["filed_on"] == filed["filed_on"]
    assert first["org_path"] == [bureau["parent_id"], bureau["id"], committee["id"],
                                 branch["id"]]
    assert (first["year"], first["kind"], first["org_id"]) == (year, "STUDY", branch["id"])
    assert first["items"][0] == {"month": 1, "kind": "ACTIVITY_DAY", "theme": "学习1",
                                 "source": "SUPERIOR"}
    assert len(second["items"]) == 13

    # refused: a committee's meetings plan, a branch's plan missing a month;
    # nothing written, nothing told
    with pytest.raises(BadInput) as err:
        rpc.study.file_annual_plan({"org_id": committee["id"], "year": year,
                                    "kind": "MEETINGS", "items": study_items()}, "admin")
    assert err.value.field in ("orgId", "items[0].kind")
    with pytest.raises(BadInput) as err:
        rpc.study.file_annual_plan({"org_id": branch["id"], "year": year, "kind": "STUDY",
                                    "items": study_items(months=range(1, 12))}, "admin")
    assert "month 12 (December) has no item" in str(err.value)
    assert rpc.study.annual_plan(committee["id"], year, "MEETINGS") is None
    assert count(study, plan_items) == 13 and count(study, annual_plans) == 1
    assert rpc.study.annual_plan(branch["id"], year, "STUDY")["items"][0]["theme"] == "新1"


def test_themes_and_self_study_tell_the_platform_and_refusals_write_nothing(
        services, rpc, engine_of, listener):
    services(OrganizationService, StudyService)
    study = engine_of("study")
    bureau, committee, branch, _group, member = build(rpc, study)
    today = clock.today()
    year = today.year

    proposal = rpc.study.propose_theme(committee["id"], member["id"], "  学习新思想 ",
                                       member["id"])
    assert proposal["theme"] == "学习新思想" and proposal["adopted"] is False
    assert [p["id"] for p in rpc.study.theme_proposals(bureau["id"], year)] == [proposal["id"]]
    assert rpc.study.theme_proposals(branch["id"], year) == []  # made to the committee
    assert rpc.study.theme_proposals(bureau["id"], year - 1) == []
    # adopted once the committee's plan holds it as a member's theme
    items = study_items(kind="CENTRAL_GROUP_STUDY")
    items[5] = {"month": 6, "kind": "CENTRAL_GROUP_STUDY", "theme": "学习新思想",
                "source": "SUPERIOR"}
    rpc.study.file_annual_plan({"org_id": committee["id"], "year": year, "kind": "STUDY",
                                "items": items}, "admin")
    assert rpc.study.theme_proposals(bureau["id"], year)[0]["adopted"] is False
    items[5]["source"] = "MEMBER"
    rpc.study.file_annual_plan({"org_id": committee["id"], "year": year, "kind": "STUDY",
                                "items": items}, "admin")
    assert rpc.study.theme_proposals(bureau["id"], year)[0]["adopted"] is True
    (told,) = listener.events("theme_proposed")
    assert told.payload == {"proposal_id": proposal["id"], "org_id": committee["id"],
                            "member_id": member["id"], "theme": "学习新思想",
                            "proposed_on": today.isoformat()}

    # a theme to a party group, or to a branch the member is not in: refused
    other = rpc.organization.create_organization(
        {"name": "第二支部", "kind": "BRANCH", "parent_id": committee["id"]})
    wait_for(lambda: _known_org(study, other["id"]), what="study learning the branch")
    with pytest.raises(BadInput) as err:
        rpc.study.propose_theme(other["id"], member["id"], "别的", "admin")
    assert err.value.field == "memberId"
    with pytest.raises(BadInput) as err:
        rpc.study.propose_theme(_group["id"], member["id"], "别的", "admin")
    assert err.value.field == "orgId"
    assert count(study, theme_proposals) == 1

    plan = {"member_id": member["id"], "year": year, "goals": "学懂", "content": "党章",
            "schedule": "每周", "safeguards": "督促"}
    first = rpc.study.file_self_study_plan(plan, member["id"])
    second = rpc.study.file_self_study_plan({**plan, "goals": "弄通"}, "admin")
    assert first["filed_on"] == second["filed_on"] == today.isoformat()
    assert rpc.study.self_study_plan(member["id"], year)["goals"] == "弄通"
    assert rpc.study.self_study_plan(member["id"], year - 1) is None
    on_time = today <= dt.date(year, 3, 31)
    told = [e.payload for e in listener.events("self_study_plan_filed", 2)]
    assert told == [{"member_id": member["id"], "branch_id": branch["id"], "year": year,
                     "filed_on": today.isoformat(), "on_time": on_time, "refiled": refiled}
                    for refiled in (False, True)]
    # next year's plan filed now is on time
    rpc.study.file_self_study_plan({**plan, "year": year + 1}, member["id"])
    assert listener.events("self_study_plan_filed", 3)[2].payload["on_time"] is True

    entries = [rpc.study.log_self_study(
        {"member_id": member["id"], "on": on.isoformat(), "kind": kind, "title": title,
         "minutes": 30, "evidence": evidence}, member["id"])
        for on, kind, title, evidence in (
            (today, "VIDEO", "看视频", "  "), (today - dt.timedelta(days=3), "READING", "读书",
                                            "笔记 p.12"))]
    assert entries[0]["evidence"] is None and entries[1]["evidence"] == "笔记 p.12"
    log = rpc.study.self_study_log(member["id"], (today - dt.timedelta(days=7)).isoformat(),
                                   today.isoformat())
    assert [e["title"] for e in log] == ["读书", "看视频"]  # oldest first
    told = [e.payload for e in listener.events("self_study_logged", 2)]
    assert told[1] == {"entry_id": entries[1]["id"], "member_id": member["id"],
                       "on": (today - dt.timedelta(days=3)).isoformat(), "kind": "READING",
                       "minutes": 30, "evidence": True}
    assert told[0]["evidence"] is False

    for bad, field in (({"on": (today + dt.timedelta(days=1)).isoformat()}, "on"),
                       ({"minutes": 601}, "minutes"), ({"minutes": 0}, "minutes"),
                       ({"title": " "}, "title")):
        with pytest.raises(BadInput) as err:
            rpc.study.log_self_study({"member_id": member["id"], "on": today.isoformat(),
                                      "kind": "READING", "title": "读", "minutes": 10,
                                      **bad}, member["id"])
        assert err.value.field == field
    with pytest.raises(BadInput):
        rpc.study.self_study_log(member["id"], today.isoformat(),
                                 (today - dt.timedelta(days=1)).isoformat())
    with pytest.raises(BadInput):
        rpc.study.file_self_study_plan({**plan, "safeguards": ""}, member["id"])
    assert count(study, self_study_entries) == 2 and count(study, self_study_plans) == 2
    assert rpc.study.self_study_plan(member["id"], year)["safeguards"] == "督促"



def _known_org(engine, org_id):
    with engine.connect() as conn:
        return conn.execute(select(orgs.c.id).where(orgs.c.id == org_id)).scalar()
