"""Members' practice through the front door: one member's year of
households (联户), pledges (亮身份亮承诺), talks (谈心谈话) and a wish (微心愿),
with the points and the quotas A5, A6 and A8 they move, with the platform's day pinned (XF_TODAY) and moved past a
pledge's due day across a restart:

- on 2026-03-10 the member, with their own token, registers 3 households and
  logs a visit (a point); a pairing with a member who is not county_cadre and
  a sixth household are refused and write nothing; the phone is read inside
  the member's branch only (null for the bureau's token, the household
  itself FORBIDDEN to another branch);
- the member makes two pledges (a third is refused); the secretary settles
  one fulfilled on time (5 points);
- the branch secretary talks with each member of the branch; the member
  claims a wish and the secretary records it fulfilled (2 points); A5
  (households), A6 (the secretary talked with everyone) and A8 (a pledge)
  are MET for the member and the branch, PENDING for the member who did
  nothing;
- the platform stops and starts again on 2026-03-12: the other pledge, due
  on 2026-03-10 and left OPEN, has turned OVERDUE by itself (the sweep, as
  the activity service starts) and pledge_overdue was told."""
import pytest
from sqlalchemy import create_engine, select

from services.activity.models import households, outbox, pledges
from tests.e2e.conftest import _platform, admin, eventually, refused, restart_on, token

FIRST_DAY, LATER_DAY, YEAR = "2026-03-10", "2026-03-12", 2026

REGISTER = """mutation($i: HouseholdInput!) { registerHousehold(input: $i) {
    id name inDifficulty member { id } } }"""
VISIT = """mutation($h: ID!, $on: Date!, $n: String!) {
    logHouseholdVisit(householdId: $h, on: $on, note: $n) { id on household { id } } }"""
HOUSEHOLDS = """query($m: ID!) { households(memberId: $m) { id name phone } }"""
PLEDGE = """mutation($i: PledgeInput!) { makePledge(input: $i) { id state due } }"""
SETTLE = """mutation($id: ID!, $f: Boolean!, $on: Date!) {
    settlePledge(id: $id, fulfilled: $f, on: $on) { id state settledOn } }"""
PLEDGES = """query($o: ID!, $y: Int!) { pledges(orgId: $o, year: $y) { id state member { id } } }"""
POINTS = """query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) {
    entries { rule points } } } }"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory,
                         extra_env={"XF_TODAY": FIRST_DAY, "XF_PLEDGE_INTERVAL": "2"})


@pytest.fixture(scope="module")
def city(platform):
    client = admin(platform)
    top = client.create_org("先锋市", "CITY")["id"]
    bureau = client.create_org("科技局", "BUREAU", top)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    a, b = (client.create_org(n, "BRANCH", committee)["id"] for n in ("第一支部", "第二支部"))
    w = {"client": client, "bureau": bureau, "a": a, "b": b}
    w["ann"] = client.register_member("安", a)["id"]
    w["plain"] = client.register_member("普通党员", a)["id"]
    w["cadre"] = client.register_member("县干部", b, ["county_cadre"])["id"]
    w["secretary"] = client.register_member("支部书记", a, ["secretary"])["id"]
    w["own"] = token(scope=a, roles=("member",), sub=w["ann"])
    w["secretary_a"] = token(scope=a, roles=("secretary",), sub="sec-a")
    w["secretary_b"] = token(scope=b, roles=("secretary",), sub="sec-b")
    w["bureau_admin"] = token(scope=bureau, roles=("admin",), sub="bureau-admin")
    return w



def count(platform, table):
    engine = create_engine(platform.database_urls["activity"])
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(table.c.id)).all())
    finally:
        engine.dispose()


def entries(client, member_id):
    return sorted((e["rule"], e["points"]) for e in client.run(
        POINTS, {"m": member_id, "y": YEAR})["member"]["points"]["entries"])


def house(member_id, name, **more):
    return {"memberId": member_id, "name": name, "address": "一路1号", **more}


def test_three_households_a_visit_and_what_is_refused(platform, city):
    client, ann, own = city["client"], city["ann"], city["own"]
    first = client.run(REGISTER, {"i": house(ann, "张家", phone="13800000000")},
                       token=own)["registerHousehold"]
    paired = client.run(REGISTER, {"i": house(ann, "李家", inDifficulty=True,
                                              pairedCadreId=city["cadre"])},
                        token=own)["registerHousehold"]
    # the cadre is of another branch: the bureau sees the pairing (the member's
    # own token would get the cadre FORBIDDEN, outside its branch)
    seen = client.run("""query($m: ID!) { households(memberId: $m) { id inDifficulty
        pairedCadre { id } } }""", {"m": ann})["households"]
    assert [(h["inDifficulty"], h["pairedCadre"]) for h in seen if h["id"] == paired["id"]] \
        == [(True, {"id": city["cadre"]})]
    client.run(REGISTER, {"i": house(ann, "赵家")}, token=own)
    # a member who is not county_cadre cannot be paired: refused, nothing written
    assert refused(client, REGISTER, {"i": house(ann, "王家", inDifficulty=True,
                                                 pairedCadreId=city["plain"])},
                   own) == ["BAD_INPUT"]
    assert count(platform, households) == 3

    visit = client.run(VISIT, {"h": paired["id"], "on": FIRST_DAY, "n": "走访慰问"},
                       token=own)["logHouseholdVisit"]
    assert visit["household"]["id"] == paired["id"]
    eventually(lambda: _assert(entries(client, ann) == [("household-visit", 1.0)]),
               what="the visit's point")

    for name in ("钱家", "孙家"):
        client.run(REGISTER, {"i": house(ann, name)}, token=own)
    assert refused(client, REGISTER, {"i": house(ann, "周家")}, own) == ["BAD_INPUT"]
    assert count(platform, households) == 5

    # the phone: inside the member's branch only
    def phone_of(tok):
        rows = client.run(HOUSEHOLDS, {"m": ann}, token=tok)["households"]
        return next(h["phone"] for h in rows if h["id"] == first["id"])
    assert phone_of(city["secretary_a"]) == "13800000000"
    assert phone_of(own) == "13800000000"
    assert phone_of(city["bureau_admin"]) is None           # no error, just null
    response = client.post(HOUSEHOLDS, {"m": ann}, token=city["secretary_b"]).json()
    assert [e["extensions"]["code"] for e in response["errors"]] == ["FORBIDDEN"]
    assert "13800000000" not in str(response)


def _assert(condition):
    assert condition


def test_pledges_one_fulfilled_on_time_one_left_open_and_a_third_refused(platform, city):
    client, ann, own = city["client"], city["ann"], city["own"]

    def pledge(due, content):
        return {"i": {"memberId": ann, "year": YEAR, "area": "SERVICE", "content": content,
                      "due": due}}
    kept = client.run(PLEDGE, pledge("2026-06-30", "帮扶两户"), token=own)["makePledge"]
    left = client.run(PLEDGE, pledge(FIRST_DAY, "调解一起纠纷"), token=own)["makePledge"]
    assert (kept["state"], left["state"]) == ("OPEN", "OPEN")
    assert refused(client, PLEDGE, pledge("2026-09-30", "第三个"), own) == ["BAD_INPUT"]
    assert refused(client, PLEDGE, pledge("2027-01-31", "明年"), own) == ["BAD_INPUT"]
    assert count(platform, pledges) == 2
    # settling is the secretary's, not the member's
    assert refused(client, SETTLE, {"id": kept["id"], "f": True, "on": FIRST_DAY},
                   own) == ["FORBIDDEN"]
    settled = client.run(SETTLE, {"id": kept["id"], "f": True, "on": FIRST_DAY},
                         token=city["secretary_a"])["settlePledge"]
    assert (settled["state"], settled["settledOn"]) == ("FULFILLED", FIRST_DAY)
    eventually(lambda: _assert(("pledge-fulfilled", 5.0) in entries(client, ann)),
               what="the on-time fulfilment's points")
    city["left"] = left["id"]


TALK = """mutation($i: TalkInput!) { recordTalk(input: $i) { id participants { id } } }"""
WISH = """mutation($i: WishInput!) { postWish(input: $i) { id state } }"""
CLAIM = """mutation($w: ID!, $m: ID!) { claimWish(id: $w, memberId: $m) { state claimedBy { id } } }"""
FULFIL = """mutation($w: ID!, $on: Date!) { fulfilWish(id: $w, on: $on) { state fulfilledOn } }"""
COMPLIANCE = """query($o: ID!, $p: String!) { compliance(orgId: $o, period: $p) {
    results { rule subjectId required actual status } } }"""


def test_talks_a_wish_and_the_practice_quotas_of_the_year(platform, city):
    client, ann, own = city["client"], city["ann"], city["own"]
    for other, kind in ((ann, "INDIVIDUAL"), (city["plain"], "REQUESTED")):
        talk = client.run(TALK, {"i": {"orgId": city["a"], "kind": kind, "heldOn": FIRST_DAY,
                                       "participantIds": [city["secretary"], other]}},
                          token=city["secretary_a"])["recordTalk"]
        assert [p["id"] for p in talk["participants"]] == [city["secretary"], other]
    assert refused(client, TALK, {"i": {"orgId": city["a"], "kind": "INDIVIDUAL",
                                        "heldOn": FIRST_DAY,
                                        "participantIds": [ann, ann]}},
                   city["secretary_a"]) == ["BAD_INPUT"]

    wish = client.run(WISH, {"i": {"branchId": city["a"], "kind": "MICRO_WISH",
                                   "title": "一台轮椅", "requester": "社区王大爷",
                                   "contact": "13900000000"}},
                      token=city["secretary_a"])["postWish"]
    claimed = client.run(CLAIM, {"w": wish["id"], "m": ann}, token=own)["claimWish"]
    assert claimed == {"state": "CLAIMED", "claimedBy": {"id": ann}}
    done = client.run(FULFIL, {"w": wish["id"], "on": FIRST_DAY},
                      token=city["secretary_a"])["fulfilWish"]
    assert done == {"state": "FULFILLED", "fulfilledOn": FIRST_DAY}
    assert refused(client, CLAIM, {"w": wish["id"], "m": city["plain"]},
                   city["secretary_a"]) == ["CONFLICT"]
    eventually(lambda: _assert(entries(client, ann) == [
        ("household-visit", 1.0), ("micro-wish-fulfilled", 2.0), ("pledge-fulfilled", 5.0)]),
        what="the member's points of the year")

    def quotas():
        rows = client.run(COMPLIANCE, {"o": city["a"], "p": str(YEAR)})["compliance"]["results"]
        seen = {(r["rule"], r["subjectId"]): (r["actual"], r["required"], r["status"])
                for r in rows}
        wanted = {("A5", ann): (5, 3, "MET"), ("A8", ann): (2, 1, "MET"),
                  ("A5", city["plain"]): (0, 3, "PENDING"),
                  ("A8", city["plain"]): (0, 1, "PENDING"),
                  # every member but the secretary talked with: ann and plain
                  ("A6", city["a"]): (2, 2, "MET")}
        assert {k: seen.get(k) for k in wanted} == wanted
    eventually(quotas, what="A5, A6 and A8 of the year")


def test_after_its_due_day_the_open_pledge_has_turned_overdue_by_itself(platform, city):
    client = city["client"]
    restart_on(platform, LATER_DAY)

    def turned():
        engine = create_engine(platform.database_urls["activity"])
        try:
            with engine.connect() as conn:
                stored = conn.execute(select(pledges.c.state).where(
                    pledges.c.id == city["left"])).scalar()
                told = [row.envelope["payload"]["pledge_id"] for row in conn.execute(
                    select(outbox.c.envelope).where(outbox.c.event_type == "pledge_overdue"))]
        finally:
            engine.dispose()
        assert (stored, told) == ("OVERDUE", [city["left"]])
    eventually(turned, what="the sweep turning the pledge OVERDUE")
    shown = {p["id"]: p["state"] for p in client.run(
        PLEDGES, {"o": city["a"], "y": YEAR})["pledges"]}
    assert shown[city["left"]] == "OVERDUE" and list(shown.values()).count("FULFILLED") == 1
