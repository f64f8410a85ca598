"""A small synthetic city loaded through the real API (tools/synth_city.py),
on SQLite and PostgreSQL: everything planned is there, and the quotas and
points follow from it."""
import datetime as dt

from tests.e2e.conftest import admin, eventually
from tools.synth_city import Loader, plan_city

ACTIVITIES = """query($id: ID!, $from: Date!, $to: Date!) {
  activities(orgId: $id, from: $from, to: $to) { id kind attendance { status reason } } }"""
A1 = """query($id: ID!, $period: String!) {
  compliance(orgId: $id, period: $period) { results { rule subjectId actual } } }"""
POINTS = """query($id: ID!, $year: Int!) { member(id: $id) { points(year: $year) { total } } }"""


def test_a_planned_city_loads_through_the_api(platform_on_each_backend):
    client = admin(platform_on_each_backend)
    # a city of its own name: the platform is shared with other modules
    plan = plan_city(seed=11, bureaus=2, branches=3, members=40, year=dt.date.today().year - 1,
                     activities=120, city_name="合成市")
    loaded = Loader(lambda: admin(platform_on_each_backend), threads=3).load(plan)
    assert len(loaded.org_ids) == len(plan.orgs)
    assert len(loaded.member_ids) == len(plan.members)

    city = loaded.org_ids[plan.orgs[0].index]
    year = plan.year
    recorded = client.run(ACTIVITIES, {"id": city, "from": f"{year}-01-01",
                                       "to": f"{year}-12-31"})["activities"]
    assert len(recorded) == len(plan.activities)
    wanted = sorted(len(plan.attendance(a)) for a in plan.activities)
    assert sorted(len(a["attendance"]) for a in recorded) == wanted
    assert all(line["reason"] for a in recorded for line in a["attendance"]
               if line["status"] == "EXCUSED")

    branch = next(o for o in plan.orgs if o.kind == "BRANCH")
    month = plan.activities[0].held_on.month
    days = sum(1 for a in plan.activities if a.org == branch.index
               and a.kind == "ACTIVITY_DAY" and a.held_on.month == month)
    branch_id = loaded.org_ids[branch.index]

    def a1_counted():
        results = client.run(A1, {"id": branch_id, "period": f"{year}-{month:02d}"})
        actual = [r["actual"] for r in results["compliance"]["results"]
                  if r["rule"] == "A1" and r["subjectId"] == branch_id]
        assert actual == [days]
    eventually(a1_counted, timeout=60, what="A1 counted from the loaded activities")

    present = next(m for a in plan.activities if a.kind == "ACTIVITY_DAY"
                   for m, status, _ in plan.attendance(a) if status == "PRESENT")

    def has_points():
        total = client.run(POINTS, {"id": loaded.member_ids[present], "year": year})
        assert total["member"]["points"]["total"] > 0
    eventually(has_points, timeout=60, what="points of a present member")
