"""Role history, contact branches (联系点) and the roster import of the
organisation service over the real broker, on SQLite and PostgreSQL: what is
stored, and the events that reach RabbitMQ (member_roles_set,
contact_branch_assigned, member_registered)."""
import base64

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select

from services.organization.models import contact_branches, member_roles, members
from services.organization.service import OrganizationService
from shared import clock
from shared.errors import BadInput
from tests.integration.conftest import wait_for


@pytest.fixture
def heard(vhost):
    """Every event the organisation service publishes: ``heard()`` is the
    list of (event type, envelope) received so far."""
    exchange = Exchange("organization.events", type="topic", durable=True)
    received = []
    with Connection(vhost.uri) as conn:
        queue = Queue("test-org-events", exchange=exchange, routing_key="#",
                      channel=conn.default_channel)
        queue.declare()

        def drain():
            while True:
                message = queue.get(no_ack=True)
                if message is None:
                    return received
                body = message.payload
                received.append((body["type"], body))
        yield drain


@pytest.fixture
def tree(services, rpc):
    services(OrganizationService)
    org = rpc.organization

    def make(name, kind, parent=None):
        return org.create_organization({"name": name, "kind": kind,
                                        "parent_id": parent["id"] if parent else None})
    city = make("市", "CITY")
    bureaus = [make(n, "BUREAU", city) for n in ("科技局", "交通局")]
    committees = [make("局党委", "COMMITTEE", b) for b in bureaus]
    branches = [make("第一支部", "BRANCH", committees[0]), make("第二支部", "BRANCH", committees[0]),
                make("第一支部", "BRANCH", committees[1])]
    leader = org.register_member({"name": "局领导", "branch_id": branches[0]["id"],
                                  "roles": ["bureau_committee"], "joined_on": "2010-01-01"})
    plain = org.register_member({"name": "甲", "branch_id": branches[1]["id"]})
    return {"bureaus": bureaus, "branches": branches, "leader": leader, "plain": plain}


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def of_type(events, name):
    return [e for t, e in events if t == name]


def test_set_member_roles_keeps_history_and_tells_it(tree, rpc, heard, engine_of):
    org, plain = rpc.organization, tree["plain"]
    today = clock.today()
    day = today.replace(day=1) if today.day > 1 else today
    answer = org.set_member_roles({"member_id": plain["id"], "roles": ["secretary"],
                                   "on": day.isoformat()})
    assert answer["roles"] == ["member", "secretary"]
    assert [p["roles"] for p in answer["role_history"]] == [["member"], ["member", "secretary"]]
    assert answer["role_history"][0]["valid_to"] == day.isoformat()
    # the same roles again change nothing and tell nothing
    org.set_member_roles({"member_id": plain["id"], "roles": ["secretary", "member"]})
    before = org.roles_of_members([plain["id"], "nobody"], "2000-01-01")
    assert before == {plain["id"]: ["member"]}
    assert org.roles_of_members([plain["id"]]) == {plain["id"]: ["member", "secretary"]}

    events = wait_for(lambda: of_type(heard(), "member_roles_set") and heard(),
                      what="member_roles_set")
    told = of_type(events, "member_roles_set")
    assert [e["payload"] for e in told] == [{
        "member_id": plain["id"], "branch_id": tree["branches"][1]["id"],
        "roles": ["member", "secretary"], "on": day.isoformat()}]
    assert told[0]["bureau_id"] == tree["bureaus"][0]["id"]

    engine = engine_of("organization")
    rows = count(engine, member_roles)
    with pytest.raises(BadInput) as err:
        org.set_member_roles({"member_id": plain["id"], "roles": ["member"],
                              "on": "2001-01-01"})
    assert err.value.field == "on"
    with pytest.raises(BadInput):
        org.set_member_roles({"member_id": plain["id"], "roles": ["chairman"]})
    assert count(engine, member_roles) == rows


def test_assign_contact_branch_once_and_only_in_the_own_bureau(tree, rpc, heard, engine_of):
    org, leader, branches = rpc.organization, tree["leader"], tree["branches"]
    first = org.assign_contact_branch({"member_id": leader["id"], "branch_id": branches[1]["id"]})
    assert first["id"] == leader["id"]
    again = org.assign_contact_branch({"member_id": leader["id"], "branch_id": branches[1]["id"]})
    assert again == first
    assert org.contact_branches_of([leader["id"]])[leader["id"]][0]["id"] == branches[1]["id"]
    assert [m["id"] for m in org.contacts_of([branches[1]["id"]])[branches[1]["id"]]] == \
        [leader["id"]]

    engine = engine_of("organization")
    for member, branch in ((leader, branches[2]), (tree["plain"], branches[0])):
        with pytest.raises(BadInput):
            org.assign_contact_branch({"member_id": member["id"], "branch_id": branch["id"]})
    assert count(engine, contact_branches) == 1

    events = wait_for(lambda: of_type(heard(), "contact_branch_assigned") and heard(),
                      what="contact_branch_assigned")
    told = of_type(events, "contact_branch_assigned")
    assert len(told) == 1  # the repeat told nothing
    assert told[0]["payload"] == {
        "member_id": leader["id"], "branch_id": branches[1]["id"],
        "branch_path": branches[1]["path"], "on": clock.today().isoformat()}


def roster(*rows):
    text = "\n".join(["姓名,支部,职务,转入日期", *rows]) + "\n"
    return base64.b64encode(text.encode()).decode()


def test_import_roster_registers_and_updates_all_or_nothing(tree, rpc, heard, engine_of):
    org, committee_of = rpc.organization, tree["bureaus"][0]
    engine = engine_of("organization")
    people = count(engine, members)
    bad = org.import_roster(committee_of["id"], roster(
        "乙,第一支部,支委,2015-01-01", "丙,第九支部,,", "丁,第一支部,组长,"), False)
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(3, "支部"), (4, "职务")]
    assert count(engine, members) == people

    file = roster("乙,第一支部,支委,2015-01-01", "甲,第二支部,支部书记,", "丙,第二支部,,")
    dry = org.import_roster(committee_of["id"], file, True)
    assert dry == {"dry_run": True, "created": 2, "updated": 1, "errors": []}
    assert count(engine, members) == people
    done = org.import_roster(committee_of["id"], file, False)
    assert done == {"dry_run": False, "created": 2, "updated": 1, "errors": []}
    assert count(engine, members) == people + 2
    assert count(engine, member_roles) == people + 2 + 1  # 甲's new period

    def registered():
        return {e["payload"]["name"]: e["payload"]
                for e in of_type(heard(), "member_registered")}
    wait_for(lambda: {"乙", "丙"} <= set(registered()) and of_type(heard(), "member_roles_set"),
             what="the roster's events")
    events = heard()
    registered = registered()
    assert registered["乙"]["roles"] == ["branch_committee", "member"]
    assert registered["乙"]["joined_on"] == "2015-01-01"
    assert registered["丙"]["branch_id"] == tree["branches"][1]["id"]
    assert [e["payload"]["member_id"] for e in of_type(events, "member_roles_set")] == \
        [tree["plain"]["id"]]
