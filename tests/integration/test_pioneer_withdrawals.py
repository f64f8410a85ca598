"""Pioneer titles withdrawn (摘牌, V3) as supervision follows them up, on
SQLite and PostgreSQL over the real broker: pioneer_withdrawn told as the
pioneer service's outbox relay tells it, one item of rule V3 opened on the
committee for the year (supervision_item_opened told once) and shown with
the other items, a redelivery or a second telling changing nothing, a second
withdrawal of the committee and year named in the same item, and the count
of a bureau's withdrawals of a year."""
import uuid

import pytest
from sqlalchemy import func, select

from services.organization.service import OrganizationService
from services.supervision.domain.withdrawals import NOTE_OPENING
from services.supervision.models import (orgs, outbox, pioneer_withdrawals, processed_events,
                                         supervision_items)
from services.supervision.service import SupervisionService
from shared.errors import BadInput
from shared.events import Envelope
from tests.integration.conftest import branch_chain, publish, wait_for


def withdrawn(bureau_id, path, name, on, pioneer_id=None):
    """pioneer_withdrawn of a title held at the end of ``path`` (city,
    bureau, committee, ...)."""
    return Envelope.new("pioneer_withdrawn", bureau_id, {
        "pioneer_id": pioneer_id or uuid.uuid4().hex, "category": "INDIVIDUAL",
        "name": name, "org_id": path[-1], "org_path": path, "committee_id": path[2],
        "holder_id": uuid.uuid4().hex, "year": 2016, "rectify_by": on, "on": on})


def tell(uri, envelope):
    publish(uri, envelope, source="pioneer", routing_key="pioneer_withdrawn")


def handled(engine, *envelopes):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(processed_events).where(
            processed_events.c.event_id.in_([e.id for e in envelopes]))).scalar()


def known(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(orgs)).scalar()


def opened(engine):
    with engine.connect() as conn:
        return [e["payload"] for e in conn.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == "supervision_item_opened")
            .order_by(outbox.c.seq)).scalars()]


def v3_items(rpc, org_id, state=None):
    return [(i["org_id"], i["period"], i["state"], i["note"])
            for i in rpc.supervision.supervision_items(org_id, state) if i["rule"] == "V3"]


def test_a_committee_gets_one_v3_item_a_year_naming_every_title_withdrawn(
        services, rpc, vhost, engine_of):
    services(OrganizationService, SupervisionService)
    supervision = engine_of("supervision")
    city, bureau, committee, branch = branch_chain(rpc)
    path = [city["id"], bureau["id"], committee["id"], branch["id"]]
    # the items are read through supervision's copy of the tree
    wait_for(lambda: known(supervision) == 4, what="the tree known to supervision")

    first = withdrawn(bureau["id"], path, "张三", "2018-03-02")
    tell(vhost.uri, first)
    wait_for(lambda: handled(supervision, first), what="the first withdrawal handled")
    one = [(committee["id"], "2018", "ASSIGNED", NOTE_OPENING + "张三")]
    assert v3_items(rpc, city["id"]) == one
    assert v3_items(rpc, committee["id"], "ASSIGNED") == one
    assert v3_items(rpc, branch["id"]) == []      # the committee's, not the branch's
    [item] = [i for i in rpc.supervision.supervision_items(city["id"])]
    assert item["org_path"] == path[:3]
    assert opened(supervision) == [{"item_id": item["id"], "org_id": committee["id"],
                                    "rule": "V3", "period": "2018"}]

    # the same event again (a redelivery) and the same withdrawal under a new
    # id (a republish); a withdrawal of the committee itself the same year,
    # last, as the marker that the two before it came and went
    tell(vhost.uri, first)
    retold = withdrawn(bureau["id"], path, "张三", "2018-03-02", first.payload["pioneer_id"])
    tell(vhost.uri, retold)
    second = withdrawn(bureau["id"], path[:3], "局机关党委", "2018-05-20")
    tell(vhost.uri, second)
    wait_for(lambda: handled(supervision, retold, second) == 2,
             what="the later tellings handled")
    assert v3_items(rpc, city["id"]) == [
        (committee["id"], "2018", "ASSIGNED", NOTE_OPENING + "张三; 局机关党委")]
    assert len(opened(supervision)) == 1
    assert handled(supervision, first, retold, second) == 3
    with supervision.connect() as conn:
        kept = conn.execute(select(pioneer_withdrawals.c.name, pioneer_withdrawals.c.year)
                            .order_by(pioneer_withdrawals.c.on)).all()
    assert kept == [("张三", 2018), ("局机关党委", 2018)]

    # the next year's withdrawal opens the next year's item
    later = withdrawn(bureau["id"], path, "李四", "2019-01-10")
    tell(vhost.uri, later)
    wait_for(lambda: handled(supervision, later), what="the next year's withdrawal")
    assert [i[1:] for i in v3_items(rpc, city["id"])] == [
        ("2018", "ASSIGNED", NOTE_OPENING + "张三; 局机关党委"),
        ("2019", "ASSIGNED", NOTE_OPENING + "李四")]
    assert [o["period"] for o in opened(supervision)] == ["2018", "2019"]

    # the bureau's reports count the titles withdrawn in their period; a
    # branch's report, below the committee, counts none
    report = rpc.supervision.report
    assert [report(bureau["id"], kind, period)["titles_withdrawn"] for kind, period in (
        ("ANNUAL", "2018"), ("MIDYEAR", "2018-H1"), ("MIDYEAR", "2018-H2"),
        ("QUARTERLY", "2019-Q1"), ("ANNUAL", "2020"))] == [2, 2, 0, 1, 0]
    assert report(branch["id"], "ANNUAL", "2018")["titles_withdrawn"] == 0


def test_the_withdrawals_of_a_bureau_are_counted_by_the_year_they_happened(
        services, rpc, vhost, engine_of):
    services(SupervisionService)
    supervision = engine_of("supervision")
    ours = ["city", "bureau-1", "committee-1", "branch-1"]
    theirs = ["city", "bureau-2", "committee-2", "branch-2"]
    told = [withdrawn("bureau-1", ours, "甲", "2018-02-01"),
            withdrawn("bureau-1", ours[:3], "乙", "2018-12-31"),
            withdrawn("bureau-1", ours, "丙", "2019-01-01"),
            withdrawn("bureau-2", theirs, "丁", "2018-06-30")]
    for envelope in told:
        tell(vhost.uri, envelope)
    wait_for(lambda: handled(supervision, *told) == len(told), what="every withdrawal")
    # told at once, handled side by side maybe: each committee's item of the
    # year names every title of it all the same
    with supervision.connect() as conn:
        notes = conn.execute(select(supervision_items.c.org_id, supervision_items.c.period,
                                    supervision_items.c.note)
                             .order_by(supervision_items.c.org_id,
                                       supervision_items.c.period)).all()
    assert notes == [("committee-1", "2018", NOTE_OPENING + "甲; 乙"),
                     ("committee-1", "2019", NOTE_OPENING + "丙"),
                     ("committee-2", "2018", NOTE_OPENING + "丁")]

    count = rpc.supervision.pioneer_withdrawals
    assert [count("bureau-1", 2018), count("bureau-1", 2019), count("bureau-2", 2018),
            count("bureau-2", 2019), count("bureau-3", 2018)] == [2, 1, 1, 0, 0]
    for args, field in ((("bureau-1", "2018"), "year"), (("", 2018), "bureauId")):
        with pytest.raises(BadInput) as refused:
            count(*args)
        assert f"{field}:" in str(refused.value), refused.value
