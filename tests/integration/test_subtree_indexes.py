"""Subtree reads are served by an index on both backends: EXPLAIN of the
activity list under an organisation and of the members of a subtree's
branches on a day, over a city large enough that a full scan would cost the
planner more (40 bureaus, 800 branches, 16,000 members, 24,000 activities).
The plans are printed (``-s``) for the record."""
import datetime as dt
import itertools

import pytest
from sqlalchemy import insert, text

from services.activity import views as activity_views
from services.activity.models import activities
from services.activity.models import metadata as activity_metadata
from services.activity.service import MIGRATIONS as ACTIVITY_MIGRATIONS
from services.organization import views as org_views
from services.organization.models import memberships, members, organizations
from services.organization.models import metadata as org_metadata
from services.organization.service import MIGRATIONS as ORG_MIGRATIONS
from shared.db import Database
from shared.tree import path_of
from tests.explain import explain

BUREAUS, BRANCHES, MEMBERS, ACTIVITIES = 40, 20, 20, 30  # per parent
DAY = dt.date(2017, 6, 15)


def _id(*parts):
    return "".join(f"{p:08x}" for p in parts).ljust(32, "0")


@pytest.fixture
def city(databases, backend):
    """The organisation and activity databases of a synthetic city, at their
    newest revisions, analysed."""
    org_db = Database("organization", org_metadata, ORG_MIGRATIONS, relay=False) \
        .open(databases.urls["organization"])
    act_db = Database("activity", activity_metadata, ACTIVITY_MIGRATIONS, relay=False) \
        .open(databases.urls["activity"])
    city_id = _id(1)
    orgs, people, belongs, held = [], [], [], []
    orgs.append(dict(id=city_id, name="市", kind="CITY", parent_id=None, bureau_id=city_id,
                     path=path_of([city_id])))
    serial = itertools.count()
    for b in range(BUREAUS):
        bureau, committee = _id(2, b), _id(3, b)
        orgs.append(dict(id=bureau, name=f"局{b}", kind="BUREAU", parent_id=city_id,
                         bureau_id=bureau, path=path_of([city_id, bureau])))
        orgs.append(dict(id=committee, name="局党委", kind="COMMITTEE", parent_id=bureau,
                         bureau_id=bureau, path=path_of([city_id, bureau, committee])))
        for r in range(BRANCHES):
            branch = _id(4, b, r)
            branch_path = [city_id, bureau, committee, branch]
            orgs.append(dict(id=branch, name=f"第{r}支部", kind="BRANCH", parent_id=committee,
                             bureau_id=bureau, path=path_of(branch_path)))
            for m in range(MEMBERS):
                member = _id(5, b, r, m)
                people.append(dict(id=member, name=f"党员{b}-{r}-{m}", roles=["member"],
                                   bureau_id=bureau))
                belongs.append(dict(member_id=member, branch_id=branch, group_id=None,
                                    valid_from=dt.date(2010, 1, 1) if m % 4 else None,
                                    valid_to=None))
            for a in range(ACTIVITIES):
                held.append(dict(id=_id(6, next(serial)), org_id=branch,
                                 org_path=path_of(branch_path), bureau_id=bureau,
                                 kind="ACTIVITY_DAY", theme="学习",
                                 held_on=dt.date(2015, 1, 1) + dt.timedelta(days=a * 37 % 1000),
                                 recorded_by="test"))
    with org_db.engine.begin() as conn:
        conn.execute(insert(organizations), orgs)
        conn.execute(insert(members), people)
        conn.execute(insert(memberships), belongs)
    with act_db.engine.begin() as conn:
        conn.execute(insert(activities), held)
    for db in (org_db, act_db):  # as autovacuum leaves a live table
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"))
    yield org_db, act_db
    org_db.engine.dispose()
    act_db.engine.dispose()


def _no_full_scan(plan, table):
    assert f"Seq Scan on {table}" not in plan, plan
    assert f"SCAN {table}" not in plan.replace(f"SCAN {table} USING", "")


@pytest.mark.parametrize("level", ["branch", "bureau"])
def test_the_activities_under_an_organisation_are_read_by_the_path_index(city, level, backend):
    _org_db, act_db = city
    bureau, committee = _id(2, 7), _id(3, 7)
    ids = [_id(1), bureau, committee] + ([_id(4, 7, 3)] if level == "branch" else [])
    statement = activity_views.activities_under(path_of(ids), dt.date(2016, 6, 1),
                                                dt.date(2016, 6, 30))
    with act_db.engine.connect() as conn:
        plan = explain(conn, statement)
        found = activity_views.list_activities(conn, path_of(ids), dt.date(2015, 1, 1),
                                               dt.date(2017, 12, 31))
    print(f"\n[{backend}] activities under a {level}, one month:\n{plan}")
    _no_full_scan(plan, "activities")
    assert "ix_activities_org_path_held_on" in plan, plan
    assert len(found) == ACTIVITIES * (1 if level == "branch" else BRANCHES)


@pytest.mark.parametrize("level", ["branch", "bureau"])
def test_the_members_of_a_subtree_on_a_day_are_read_by_index(city, level, backend):
    org_db, _act_db = city
    ids = [_id(1), _id(2, 11), _id(3, 11)] + ([_id(4, 11, 5)] if level == "branch" else [])
    statement = org_views.subtree_memberships([path_of(ids)], DAY)
    with org_db.engine.connect() as conn:
        plan = explain(conn, statement)
        found = conn.execute(statement).all()
    print(f"\n[{backend}] members of a {level}'s branches on a day:\n{plan}")
    _no_full_scan(plan, "organizations")
    _no_full_scan(plan, "memberships")
    assert "ix_organizations_path" in plan, plan
    assert "ix_membership_branch_day" in plan, plan
    assert len(found) == MEMBERS * (1 if level == "branch" else BRANCHES)
