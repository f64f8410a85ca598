"""The pioneer programme (时代先锋) across processes, on SQLite and
PostgreSQL over the real broker, with the organisation service answering
its look-ups: nominations refused twice by the unique constraints (even two
at once), a review closed by the rule (4 of 10 rectifies, 3 of 10 does not,
a re-review reinstates), requests carried out once, and the withdrawal
sweep taking a title on its deadline and ending its holder's pairs, each
change told through the outbox."""
import datetime as dt

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select

from services.organization.service import OrganizationService
from services.pioneer import title_handlers
from services.pioneer.models import metadata as pioneer_metadata
from services.pioneer.models import pioneers, reviews
from services.pioneer.service import MIGRATIONS, PioneerService
from shared import clock
from shared.db import Database
from shared.errors import BadInput, Conflict, NotFound
from shared.events import Envelope
from tests.integration.conftest import branch_chain, drain, event_queue, wait_for


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def told(uri, queue, n, what):
    bodies = []

    def enough():
        bodies.extend(drain(uri, queue))
        return len(bodies) >= n
    wait_for(enough, what=what)
    return [Envelope.from_dict(b) for b in bodies]


def platform(services, rpc):
    """The organisation and pioneer services, a committee with two branches
    and three members: (committee, branch, other branch, {name: member id})."""
    services(OrganizationService, PioneerService)
    _city, _bureau, committee, branch = branch_chain(rpc)
    other = rpc.organization.create_organization(
        {"name": "第二支部", "kind": "BRANCH", "parent_id": committee["id"]})
    ids = {name: rpc.organization.register_member(
        {"name": name, "branch_id": where["id"], "roles": ["member"]})["id"]
        for name, where in (("安", branch), ("柏", branch), ("蔡", other))}
    return committee, branch, other, ids


def nominate(rpc, org, holder, category="INDIVIDUAL", name="安", request=None):
    return rpc.pioneer.nominate(
        {"category": category, "name": name, "org_id": org["id"], "holder_id": holder,
         "citation": "扎根基层，服务群众", "year": clock.today().year}, "admin", request)


def rate(rpc, review, pioneer, worse, of=10):
    """``of`` ratings, ``worse`` of them AVERAGE or POOR, by members and the
    public alike."""
    answer = None
    for i in range(of):
        rating = ("AVERAGE", "POOR")[i % 2] if i < worse else ("GOOD", "FAIRLY_GOOD")[i % 2]
        answer = rpc.pioneer.rate({"review_id": review["id"], "pioneer_id": pioneer["id"],
                                   "rater_kind": ("MEMBER", "PUBLIC")[i % 2],
                                   "rating": rating}, "secretary")
    return answer


def at_once(uri, call, n=2):
    """``call(proxy)`` ``n`` times at once, each over a connection of its
    own: "written" or "CONFLICT" for each, sorted."""
    def attempt(_):
        with ClusterRpcProxy({"AMQP_URI": uri, "serializer": "json"}, timeout=15) as own:
            try:
                call(own)
            except Conflict:
                return "CONFLICT"
            return "written"
    return sorted(eventlet.GreenPool(n).imap(attempt, range(n)))


def test_nominations_reviews_and_requests(services, rpc, vhost, engine_of):
    queues = {kind: event_queue(vhost.uri, "pioneer", kind) for kind in (
        "pioneer_selected", "pioneer_rectification_ordered", "pioneer_reinstated")}
    committee, branch, other, ids = platform(services, rpc)
    engine = engine_of("pioneer")
    today = clock.today()

    # -- nominations: refused by field, and twice by the unique constraints -------------
    ann = nominate(rpc, branch, ids["安"])
    assert (ann["state"], ann["org_path"], ann["committee_id"], ann["reviews"]) == (
        "NOMINATED", branch["path"], committee["id"], [])
    post = nominate(rpc, branch, None, "POST", "党员先锋岗")
    for args, field in (((branch, ids["安"]), "holderId"),
                        ((branch, None, "POST", " 党员先锋岗 "), "name")):
        with pytest.raises(Conflict) as err:
            nominate(rpc, *args)
        assert err.value.field == field
    bureau = rpc.organization.get_organization(branch["bureau_id"])
    for args, field in (((bureau, None, "UNIT", "科技局"), "orgId"),   # above a committee
                        ((branch, ids["蔡"]), "holderId"),      # a member of another branch
                        ((branch, "no-such-member"), "holderId"),
                        ((branch, None), "holderId")):          # an individual names its holder
        with pytest.raises(BadInput) as err:
            nominate(rpc, *args)
        assert err.value.field == field
    with pytest.raises(NotFound):
        nominate(rpc, {"id": "no-such-org"}, ids["安"])
    # two of one holder at once: one is written, the unique index refuses the other
    assert at_once(vhost.uri, lambda own: nominate(own, other, ids["蔡"], "UNIT",
                                                   "第二支部")) == ["CONFLICT", "written"]
    assert count(engine, pioneers) == 3

    # -- requests carried out once ---------------------------------------------------------
    request = {"key": "nominate-bai", "subject": "admin"}
    bai = nominate(rpc, branch, ids["柏"], request=request)
    assert nominate(rpc, branch, ids["柏"], request=request) == bai
    with pytest.raises(Conflict):   # the key again, for another nomination
        nominate(rpc, branch, ids["柏"], "POST", "窗口岗", request=request)
    assert count(engine, pioneers) == 4

    # -- decided once ------------------------------------------------------------------------
    ann = rpc.pioneer.decide(ann["id"], True, "admin")
    assert (ann["state"], ann["selected_on"]) == ("SELECTED", today.isoformat())
    post = rpc.pioneer.decide(post["id"], True, "admin")
    bai = rpc.pioneer.decide(bai["id"], False, "admin")
    with pytest.raises(Conflict):
        rpc.pioneer.decide(bai["id"], True, "admin")
    assert [p["name"] for p in rpc.pioneer.pioneers(branch["path"], None, "SELECTED")] == \
        ["党员先锋岗", "安"]
    assert rpc.pioneer.pioneers(other["path"], None, None)[0]["name"] == "第二支部"
    assert [e["member_id"] for e in rpc.pioneer.talent_pool(committee["path"])] == \
        [ids["安"]]

    # -- a review: opened once, rated, closed by the rule ----------------------------------
    # two at once open one (the partial unique index), then it is answered again
    assert at_once(vhost.uri, lambda own: own.pioneer.open_review(
        committee["id"], today.year, "admin")) == ["written", "written"]
    assert count(engine, reviews) == 1
    review = rpc.pioneer.open_review(committee["id"], today.year, "other")
    assert review["open"] and review["committee_path"] == committee["path"]
    with pytest.raises(BadInput) as err:
        rpc.pioneer.open_review(branch["id"], today.year, "admin")
    assert err.value.field == "committeeId"
    rate(rpc, review, ann, worse=4)
    answer = rate(rpc, review, post, worse=3)
    assert [(r["pioneer_id"], r["ratings"], r["average_or_worse"], r["closed_on"])
            for r in answer["results"]] == [(post["id"], 10, 3, None), (ann["id"], 10, 4, None)]
    with pytest.raises(Conflict):   # a rejected nomination holds no title
        rate(rpc, review, bai, worse=0, of=1)
    with pytest.raises(BadInput) as err:
        rpc.pioneer.rate({"review_id": review["id"], "pioneer_id": ann["id"],
                          "rater_kind": "CADRE", "rating": "GOOD"}, "secretary")
    assert err.value.field == "raterKind" and "MEMBER, PUBLIC" in err.value.message
    request = {"key": "close-1", "subject": "admin"}
    closed = rpc.pioneer.close_review(review["id"], "admin", request)
    assert rpc.pioneer.close_review(review["id"], "admin", request) == closed   # a retry
    with pytest.raises(Conflict):
        rpc.pioneer.close_review(review["id"], "admin")
    with pytest.raises(Conflict):
        rate(rpc, review, ann, worse=1, of=1)
    assert not closed["open"]
    assert [(r["share"], r["closed_on"]) for r in closed["results"]] == [
        (0.3, today.isoformat()), (0.4, today.isoformat())]
    ann = rpc.pioneer.get_pioneer(ann["id"])
    deadline = (today + dt.timedelta(days=90)).isoformat()
    assert (ann["state"], ann["rectify_by"]) == ("RECTIFYING", deadline)
    assert [r["share"] for r in ann["reviews"]] == [0.4]
    assert rpc.pioneer.get_pioneer(post["id"])["state"] == "SELECTED"
    # still in the pool while rectifying, but no mentor
    assert {e["member_id"] for e in rpc.pioneer.talent_pool(branch["path"])} == {ids["安"]}
    with pytest.raises(Conflict) as err:
        rpc.pioneer.pair_mentor(ids["安"], ids["柏"], "admin")
    assert "rectification" in err.value.message

    # -- the re-review before the deadline reinstates ---------------------------------------
    again = rpc.pioneer.open_review(committee["id"], today.year, "admin")
    assert again["id"] != review["id"] and again["results"] == []
    rate(rpc, again, ann, worse=3)
    rpc.pioneer.close_review(again["id"], "admin")
    ann = rpc.pioneer.get_pioneer(ann["id"])
    assert (ann["state"], ann["rectify_by"]) == ("SELECTED", None)
    assert [r["review_id"] for r in ann["reviews"]] == [review["id"], again["id"]]

    # -- each change told once, with the pioneer's bureau --------------------------------------
    selected = told(vhost.uri, queues["pioneer_selected"], 2, "pioneer_selected")
    assert sorted(e.payload["pioneer_id"] for e in selected) == sorted([ann["id"], post["id"]])
    [ordered] = told(vhost.uri, queues["pioneer_rectification_ordered"], 1, "rectification")
    assert ordered.bureau_id == branch["bureau_id"]
    assert (ordered.payload["review_id"], ordered.payload["share"],
            ordered.payload["rectify_by"], ordered.payload["on"]) == (
        review["id"], 0.4, deadline, today.isoformat())
    [reinstated] = told(vhost.uri, queues["pioneer_reinstated"], 1, "reinstatement")
    assert (reinstated.payload["pioneer_id"], reinstated.payload["review_id"]) == (
        ann["id"], again["id"])


def test_the_sweep_withdraws_on_the_deadline_and_ends_the_holders_pairs(
        services, rpc, vhost, databases, monkeypatch):
    withdrawn = event_queue(vhost.uri, "pioneer", "pioneer_withdrawn")
    committee, branch, other, ids = platform(services, rpc)
    ann = rpc.pioneer.decide(nominate(rpc, branch, ids["安"])["id"], True, "admin")
    pair = rpc.pioneer.pair_mentor(ids["安"], ids["蔡"], "admin")
    assert pair["since"] == clock.today().isoformat() and pair["ended_on"] is None
    with pytest.raises(Conflict):
        rpc.pioneer.pair_mentor(ids["安"], ids["蔡"], "admin")
    with pytest.raises(BadInput):
        rpc.pioneer.pair_mentor(ids["安"], ids["安"], "admin")
    # the pair shows under the mentee's branch and under the mentor's title's
    assert rpc.pioneer.mentoring_pairs(other["path"]) == [pair]
    assert rpc.pioneer.mentoring_pairs(branch["path"]) == [pair]
    review = rpc.pioneer.open_review(committee["id"], clock.today().year, "admin")
    rate(rpc, review, ann, worse=5)
    rpc.pioneer.close_review(review["id"], "admin")
    deadline = dt.date.fromisoformat(rpc.pioneer.get_pioneer(ann["id"])["rectify_by"])

    # the day before the deadline the sweep finds nothing due
    db = Database("pioneer", pioneer_metadata, MIGRATIONS,
                  relay=False).open(databases.urls["pioneer"])
    try:
        assert title_handlers.withdraw_due(db, deadline - dt.timedelta(days=1)) == 0
    finally:
        db.engine.dispose()
    assert rpc.pioneer.get_pioneer(ann["id"])["state"] == "RECTIFYING"

    # on the deadline a replica started that day withdraws it by itself
    monkeypatch.setenv("XF_TODAY", deadline.isoformat())
    services(PioneerService)
    wait_for(lambda: rpc.pioneer.get_pioneer(ann["id"])["state"] == "WITHDRAWN",
             what="the title withdrawn")
    assert rpc.pioneer.talent_pool(committee["path"]) == []
    assert rpc.pioneer.mentoring_pairs(committee["path"]) == []
    [event] = told(vhost.uri, withdrawn, 1, "pioneer_withdrawn")
    assert event.bureau_id == branch["bureau_id"]
    assert {k: event.payload[k] for k in ("pioneer_id", "committee_id", "holder_id",
                                          "rectify_by", "on", "org_path")} == {
        "pioneer_id": ann["id"], "committee_id": committee["id"], "holder_id": ids["安"],
        "rectify_by": deadline.isoformat(), "on": deadline.isoformat(),
        "org_path": branch["path"]}
