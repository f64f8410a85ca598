"""The synthetic city's plan: deterministic from its seed, of the sizes
asked for, a realistic mix that the platform would accept; and the loader's
batches and its fallback to one-by-one recording."""
import datetime as dt
from collections import Counter

import pytest

from services.activity.domain import allowed_org_kinds
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, BRANCH, BUREAU, CENTRAL_GROUP_STUDY,
                               COMMITTEE, COMMITTEE_MEETING, EXCUSED, GENERAL_MEETING, GROUP,
                               GROUP_MEETING, PRESENT)
from tools.client import GraphQLFailed
from tools.synth_city import Loaded, Loader, plan_city


@pytest.fixture(scope="module")
def plan():
    return plan_city(seed=7, bureaus=4, branches=40, members=1200, year=2023)


def fingerprint(plan):
    return ([(o.name, o.kind, o.parent) for o in plan.orgs],
            [(m.name, m.branch, m.group, m.roles) for m in plan.members],
            [(a.org, a.kind, a.theme, a.held_on, tuple(plan.attendance(a)))
             for a in plan.activities])


def test_the_same_seed_gives_the_same_city_and_another_seed_another(plan):
    again = plan_city(seed=7, bureaus=4, branches=40, members=1200, year=2023)
    assert fingerprint(again) == fingerprint(plan)
    other = plan_city(seed=8, bureaus=4, branches=40, members=1200, year=2023)
    assert fingerprint(other) != fingerprint(plan)


@pytest.mark.parametrize("bureaus,branches,members", [(1, 1, 0), (2, 6, 120), (5, 37, 1001),
                                                      (10, 400, 12000)])
def test_sizes_are_as_asked(bureaus, branches, members):
    plan = plan_city(seed=1, bureaus=bureaus, branches=branches, members=members, year=2023)
    kinds = Counter(o.kind for o in plan.orgs)
    assert kinds[BUREAU] == bureaus and kinds[COMMITTEE] == bureaus
    assert kinds[BRANCH] == branches
    assert len(plan.members) == members


def test_the_tree_and_the_members_are_well_formed(plan):
    by_index = {o.index: o for o in plan.orgs}
    parent_kind = {BUREAU: "CITY", COMMITTEE: BUREAU, BRANCH: COMMITTEE, GROUP: BRANCH}
    for org in plan.orgs:
        if org.parent is not None:
            assert by_index[org.parent].kind == parent_kind[org.kind]
    for member in plan.members:
        assert by_index[member.branch].kind == BRANCH
        if member.group is not None:
            assert by_index[member.group].parent == member.branch
    names = Counter((o.parent, o.name) for o in plan.orgs)
    assert max(names.values()) == 1, "names are unique under a parent"
    per_branch = Counter(m.branch for m in plan.members)
    assert min(per_branch.values()) >= 3


def test_every_activity_is_one_the_platform_accepts(plan):
    """Held by the right kind of organisation, in the year, attended only by
    members of the holder, every excused absence with its reason."""
    by_index = {o.index: o for o in plan.orgs}
    branch_of_committee = {}
    for org in plan.orgs:
        if org.kind == BRANCH:
            branch_of_committee.setdefault(org.parent, set()).add(org.index)
    for activity in plan.activities:
        holder = by_index[activity.org]
        assert holder.kind in allowed_org_kinds(activity.kind)
        assert activity.held_on.year == 2023
        assert activity.theme.strip()
        lines = plan.attendance(activity)
        assert len({m for m, _, _ in lines}) == len(lines)
        for member_index, status, reason in lines:
            member = plan.members[member_index]
            if holder.kind == BRANCH:
                assert member.branch == holder.index
            elif holder.kind == GROUP:
                assert member.group == holder.index
            else:
                assert member.branch in branch_of_committee[holder.index]
            assert (reason is not None) == (status == EXCUSED)


def test_the_mix_follows_the_routine_with_some_branches_behind(plan):
    branches = [o for o in plan.orgs if o.kind == BRANCH]
    held = Counter((a.org, a.kind) for a in plan.activities)
    per_month = Counter((a.org, a.held_on.month) for a in plan.activities
                        if a.kind == ACTIVITY_DAY)
    on_time = [b for b in branches if b.index not in plan.lagging]
    behind = [b for b in branches if b.index in plan.lagging]
    assert on_time and behind
    # a diligent branch: two activity days a month, a committee meeting a month,
    # a general meeting a quarter, nearly always
    for b in on_time:
        assert held[(b.index, ACTIVITY_DAY)] >= 20
        assert held[(b.index, COMMITTEE_MEETING)] >= 10
        assert held[(b.index, GENERAL_MEETING)] >= 3
    # quotas come out mixed: some branch-months short of two activity days
    short = [(b.index, m) for b in branches for m in range(1, 13) if per_month[(b.index, m)] < 2]
    full = [(b.index, m) for b in branches for m in range(1, 13) if per_month[(b.index, m)] >= 2]
    assert len(short) > len(branches) // 2 and len(full) > 5 * len(short)
    kinds = Counter(a.kind for a in plan.activities)
    assert kinds[GROUP_MEETING] > 0 and kinds[CENTRAL_GROUP_STUDY] > 0
    assert set(kinds) == set(
        "ACTIVITY_DAY GENERAL_MEETING COMMITTEE_MEETING GROUP_MEETING PARTY_LECTURE "
        "VOLUNTEER_SERVICE ORG_LIFE_MEETING DEMOCRATIC_LIFE_MEETING CENTRAL_GROUP_STUDY "
        "WINTER_TRAINING".split())


def test_attendance_is_mostly_present_some_excused_a_few_absent(plan):
    statuses = Counter(status for a in plan.activities for _, status, _ in plan.attendance(a))
    total = sum(statuses.values())
    assert statuses[PRESENT] / total > 0.8
    assert 0.03 < statuses[EXCUSED] / total < 0.15
    assert 0.005 < statuses[ABSENT] / total < statuses[EXCUSED] / total


def test_the_city_preset_is_the_issue_s_city():
    plan = plan_city(seed=1, bureaus=50, branches=2000, members=60000, year=2023)
    assert 120_000 <= len(plan.activities) <= 160_000


def test_a_cap_and_a_cut_off_keep_the_earliest_activities(plan):
    capped = plan_city(seed=7, bureaus=4, branches=40, members=1200, year=2023, activities=100)
    assert capped.activities == plan.activities[:100]
    until = dt.date(2023, 3, 31)
    cut = plan_city(seed=7, bureaus=4, branches=40, members=1200, year=2023, until=until)
    assert cut.activities == [a for a in plan.activities if a.held_on <= until]


class FakeClient:
    def __init__(self, log, bulk):
        self.log = log
        self.bulk = bulk
        self.n = 0

    def run(self, query, variables=None):
        self.n += 1
        if "recordActivities" in query:
            if not self.bulk:
                raise GraphQLFailed([{"message": "Cannot query field 'recordActivities' on "
                                                 "type 'Mutation'."}])
            self.log.append(("many", len(variables["inputs"])))
            return {"recordActivities": [{"id": str(i)} for i in variables["inputs"]]}
        if "recordActivity" in query:
            self.log.append(("one", variables["i"]["orgId"]))
            return {"recordActivity": {"id": "a"}}
        if "createOrganization" in query:
            self.log.append(("org", variables["i"]["kind"]))
            return {"createOrganization": {"id": f"o{self.n}-{len(self.log)}"}}
        self.log.append(("member", variables["i"]["branchId"]))
        return {"registerMember": {"id": f"m{self.n}-{len(self.log)}"}}


@pytest.mark.parametrize("bulk", [True, False])
def test_the_loader_uses_batches_of_500_or_falls_back_to_one_by_one(bulk):
    plan = plan_city(seed=3, bureaus=2, branches=10, members=300, year=2023)
    log = []
    loaded = Loader(lambda: FakeClient(log, bulk), threads=3).load(plan)
    assert loaded.bulk is bulk
    assert len(loaded.org_ids) == len(plan.orgs)
    assert len(set(loaded.member_ids.values())) == len(plan.members)
    kinds_in_order = [k for what, k in log if what == "org"]
    assert kinds_in_order.index(BRANCH) > kinds_in_order.index(COMMITTEE)
    if bulk:
        sizes = [n for what, n in log if what == "many"]
        assert sum(sizes) == len(plan.activities) and max(sizes) == 500
    else:
        assert len([1 for what, _ in log if what == "one"]) == len(plan.activities)


def test_an_activity_input_speaks_the_contract(plan):
    loaded = Loaded(plan)
    loaded.org_ids = {o.index: f"org{o.index}" for o in plan.orgs}
    loaded.member_ids = {m.index: f"mem{m.index}" for m in plan.members}
    from tools.synth_city import activity_input
    data = activity_input(plan, loaded, plan.activities[0])
    assert set(data) == {"orgId", "kind", "theme", "heldOn", "attendance"}
    for line in data["attendance"]:
        assert set(line) <= {"memberId", "status", "reason"}


def test_a_city_loads_in_parts_each_organisation_and_member_once():
    """The benchmark loads the first bureaus, then the rest of the city."""
    plan = plan_city(seed=4, bureaus=5, branches=15, members=300, year=2023)
    part = plan.bureaus_part(0, 2)
    assert plan.orgs[0].index in part
    assert {plan.orgs[i].kind for i in part} == {"CITY", BUREAU, COMMITTEE, BRANCH, GROUP}
    assert sum(1 for i in part if plan.orgs[i].kind == BUREAU) == 2
    log = []
    loader = Loader(lambda: FakeClient(log, True), threads=2)
    loaded = loader.load_tree(plan, only=part)
    first = dict(loaded.org_ids)
    assert set(first) == part
    assert set(loaded.member_ids) == {m.index for m in plan.members if m.branch in part}
    loader.load_tree(plan, loaded)
    assert set(loaded.org_ids) == {o.index for o in plan.orgs}
    assert all(loaded.org_ids[i] == first[i] for i in first)
    assert len([1 for what, _ in log if what == "org"]) == len(plan.orgs)
    assert len([1 for what, _ in log if what == "member"]) == len(plan.members)
