"""Events wait for their consumers (issue 6): a consumer that starts after
the producer has published still gets every event, because every service
declares the whole event topology (shared/topology.py) before it publishes;
and a read model that was lost is rebuilt by asking the organisation service
to republish what it told (tools/republish.py), which changes nothing where
the read model was whole."""
import re

import pytest
import yaml
from sqlalchemy import create_engine, delete, func, select

from services.organization.models import outbox
from services.supervision.models import members as supervision_members
from services.supervision.models import orgs as supervision_orgs
from services.supervision.models import processed_events as supervision_processed
from shared import config, topology
from tests.e2e.conftest import Tree, _platform, admin, eventually
from tools import dlq, republish
from tools.platform import SERVICE_CLASSES

LATE = ("scoring", "supervision")
POINTS = """query($id: ID!) { member(id: $id) { points(year: 2017) { total } } }"""
COMPLIANCE = """query($org: ID!, $period: String!) { compliance(orgId: $org, period: $period) {
    results { rule subjectId actual status } } }"""


@pytest.fixture(scope="module")
def early(tmp_path_factory):
    """A platform whose consumers have never run (no queue of theirs was
    ever declared by themselves), with a per-member yearly quota (S4, made
    to count activity days attended), so that compliance lists the members
    supervision knows and what each attended."""
    rules = tmp_path_factory.mktemp("rules")
    quota = yaml.safe_load((config.REPO_ROOT / "rules" / "quota" / "default.yaml").read_text())
    for version in quota["versions"]:
        for rule in version["rules"]:
            if rule["key"] == "S4":
                # the shipped S4 counts self-study plans filed by Mar 31: here,
                # activity days attended all year
                rule.update(enabled=True, counts={"activity_kinds": ["ACTIVITY_DAY"]})
                rule.pop("due", None)
    (rules / "quota").mkdir()
    (rules / "quota" / "default.yaml").write_text(yaml.safe_dump(quota, allow_unicode=True))
    yield from _platform("sqlite", tmp_path_factory, extra_env={"XF_RULES_DIR": str(rules)},
                         services=tuple(s for s in SERVICE_CLASSES if s not in LATE))


def start_consumers(platform):
    for name in LATE:
        if name not in platform.procs:
            platform.start_service(name)


def sql(platform, service, statement):
    """Run ``statement`` on a service's database; a query's one value."""
    engine = create_engine(platform.database_urls[service])
    try:
        with engine.begin() as conn:
            result = conn.execute(statement)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def unpublished(platform):
    return sum(sql(platform, service, select(func.count()).select_from(outbox)
                   .where(outbox.c.published_at.is_(None)))
               for service in ("organization", "activity"))


def total(client, member):
    return client.run(POINTS, {"id": member})["member"]["points"]["total"]


def quotas(client, org, period):
    """``{(rule, subject): (actual, status)}`` of the subtree's quotas."""
    results = client.run(COMPLIANCE, {"org": org, "period": period})["compliance"]["results"]
    return {(r["rule"], r["subjectId"]): (r["actual"], r["status"]) for r in results}


def members_judged(client, org, rule="S4", period="2017"):
    """The members supervision places in ``org``'s subtree: the subjects of
    the per-member yearly quota."""
    return {subject for (r, subject) in quotas(client, org, period) if r == rule}


def test_consumers_started_after_the_producer_apply_every_event(early):
    client = admin(early)
    tree = Tree(client)
    a1, a2, a3, a4 = tree.a
    for org, held_on, attendance in (
            (tree.branch_a, "2017-06-03", [(a1, "PRESENT"), (a2, "PRESENT"), (a4, "ABSENT")]),
            (tree.branch_a, "2017-06-17", [(a1, "PRESENT"), (a3, "PRESENT")]),
            (tree.branch_c, "2017-06-10", [(tree.c[0], "PRESENT")])):
        client.record_activity(org, "ACTIVITY_DAY", "学党章", held_on,
                               [{"memberId": m, "status": s} for m, s in attendance])

    def all_published():
        assert unpublished(early) == 0
    # the outboxes have handed every event to the broker before a consumer exists
    eventually(all_published, timeout=60, what="every event published")
    start_consumers(early)

    def every_event_applied():
        assert {m: total(client, m) for m in (a1, a2, a3, a4, tree.c[0])} == \
            {a1: 4.0, a2: 2.0, a3: 2.0, a4: -3.0, tree.c[0]: 2.0}
        june = quotas(client, tree.city, "2017-06")
        assert june.get(("A1", tree.branch_a)) == (2, "MET")
        assert june.get(("A1", tree.branch_b)) == (0, "PENDING")
        assert june.get(("A1", tree.branch_c)) == (1, "PENDING")
        assert ("S2", tree.committee1) in june and ("S2", tree.committee2) in june
        attended = {subject: actual for (rule, subject), (actual, _) in
                    quotas(client, tree.city, "2017").items() if rule == "S4"}
        assert attended == {a1: 2, a2: 1, a3: 1, a4: 0, tree.b[0]: 0, tree.b[1]: 0,
                            tree.c[0]: 1}
    eventually(every_event_applied, timeout=90, interval=0.5,
               what="every event applied by the late consumers")


def run_tool(tool, platform, capsys, *args):
    """A command-line tool's output (run as ``python -m tools.<name>`` is)."""
    capsys.readouterr()
    code = tool.main(["--amqp", platform.amqp_uri, *args] if tool is dlq
                     else [*args, "--amqp", platform.amqp_uri])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def dead_letters(platform, capsys):
    """``{dead-letter queue: messages}`` of the queues that hold any."""
    out = run_tool(dlq, platform, capsys, "list")
    counts = dict(line.split() for line in out.splitlines() if line.startswith("dlq."))
    assert len(counts) == len(topology.consumers()), out  # every one is listed
    return {queue: int(n) for queue, n in counts.items() if n != "0"}


def test_a_lost_read_model_is_rebuilt_by_republishing(early, capsys):
    start_consumers(early)
    client = admin(early)
    tree = Tree(client, "-rebuilt")
    mover = tree.a[0]
    client.run("""mutation($m: ID!, $b: ID!) { transferMember(memberId: $m, branchId: $b,
        on: "2017-05-01") { id } }""", {"m": mover, "b": tree.branch_b})
    whole = {tree.branch_a: set(tree.a[1:]), tree.branch_b: {mover, *tree.b},
             tree.branch_c: set(tree.c)}

    def supervision_knows_the_tree():
        assert {branch: members_judged(client, branch) for branch in whole} == whole
        june = quotas(client, tree.bureau1, "2017-06")
        assert ("A1", tree.branch_a) in june and ("S2", tree.committee1) in june
    eventually(supervision_knows_the_tree, timeout=60, what="supervision's copy of the tree")

    # supervision loses its copy of bureau 1 (a restore from an old backup, a bug)
    sql(early, "supervision", delete(supervision_members)
        .where(supervision_members.c.bureau_id == tree.bureau1))
    sql(early, "supervision", delete(supervision_orgs)
        .where(supervision_orgs.c.bureau_id == tree.bureau1))
    assert quotas(client, tree.bureau1, "2017-06") == {}

    out = run_tool(republish, early, capsys, "--bureau", tree.bureau1)
    assert "4 organisations, 6 members, 1 transfer" in out, out
    eventually(supervision_knows_the_tree, timeout=60, what="the tree republished")

    # republished once more over a whole read model, and the whole city with
    # it: every republished fact is handled (none set aside) and changes nothing
    handled = select(func.count()).select_from(supervision_processed)
    count = select(func.count()).select_from(supervision_members)
    before = sql(early, "supervision", count)
    handled_before = sql(early, "supervision", handled)
    told = sum(events_told(run_tool(republish, early, capsys, "--bureau", org))
               for org in (tree.bureau1, tree.city))

    def every_republished_fact_handled():
        assert sql(early, "supervision", handled) == handled_before + told
    eventually(every_republished_fact_handled, timeout=60, what="the republished facts handled")
    supervision_knows_the_tree()
    assert sql(early, "supervision", count) == before
    assert dead_letters(early, capsys) == {}

    # an organisation that does not exist, and no id at all: said so, nothing queued
    queued = select(func.count()).select_from(outbox)
    before = sql(early, "organization", queued)
    for bureau, error in (("no-such-org", "NOT_FOUND: bureau: there is no organisation "
                                          "no-such-org"),
                          ("", "BAD_INPUT: bureau: an organisation id is needed")):
        assert republish.main(["--bureau", bureau, "--amqp", early.amqp_uri]) == 2
        assert error in capsys.readouterr().err
    assert sql(early, "organization", queued) == before


def events_told(out):
    """The events a republish reports ("... N organisations, M members, T transfers")."""
    return sum(int(n) for n in re.findall(r"(\d+) (?:organisation|member|transfer)", out))
