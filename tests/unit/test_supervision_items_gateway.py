"""Who may move a supervision item, as the gateway judges it (in-process,
against a stand-in for the services): a writer whose scope contains the
item's organisation reports; only one strictly above it closes or
escalates, so a branch secretary never closes its own item; readers write
nothing; an item outside the scope and one that does not exist are
refused in the same words; and an item shows its due day, report and
history."""
import pytest
from graphql import GraphQLError

from gateway.auth import Principal
from gateway.schema.supervision import strictly_above
from tests.unit.test_gateway import FakeServices, run

BRANCH = "bureau0-branch0"


class Items(FakeServices):
    """Bureaus 0 and 1; one item on each bureau's first branch."""

    def __init__(self):
        super().__init__(2, 2, 1)
        self.moves = []
        self.items = {}
        for b in range(2):
            branch = f"bureau{b}-branch0"
            self.items[f"item{b}"] = {
                "id": f"item{b}", "org_id": branch, "org_path": self.orgs[branch]["path"],
                "rule": "A1", "period": "2017-06", "state": "ASSIGNED",
                "opened_at": "2017-07-01T00:00:00+08:00", "due_on": "2017-07-16",
                "report": None, "note": None,
                "history": [{"state": "ASSIGNED", "at": "2017-07-01T00:00:00+08:00",
                             "by": "platform", "note": None}]}

    def supervision_item(self, item_id):
        if item_id not in self.items:
            raise GraphQLError(f"id: there is no supervision item {item_id}",
                               extensions={"code": "NOT_FOUND", "field": "id"})
        return self.items[item_id]

    def _move(self, method, item_id, text, actor, request, state):
        self.moves.append((method, item_id, text, actor))
        return {**self.items[item_id], "state": state}

    def report_supervision_item(self, item_id, report, actor, request):
        return self._move("report", item_id, report, actor, request, "REPORTED")

    def close_supervision_item(self, item_id, note, actor, request):
        return self._move("close", item_id, note, actor, request, "CLOSED")

    def escalate_supervision_item(self, item_id, note, actor, request):
        return self._move("escalate", item_id, note, actor, request, "ESCALATED")

    def supervision_items(self, org_id, state):
        return [i for i in self.items.values() if org_id in i["org_path"]]


MOVES = {"report": 'reportSupervisionItem(id: "%s", report: "已按期召开") { id state }',
         "close": 'closeSupervisionItem(id: "%s", note: "同意销号") { id state }',
         "escalate": 'escalateSupervisionItem(id: "%s", note: "逾期未报") { id state }'}


def attempt(move, item_id, scope, roles=("secretary",)):
    services = Items()
    status, body = run(services, "mutation { " + MOVES[move] % item_id + " }", scope=scope,
                       roles=roles)
    return services, body


def codes(body):
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize("scope", [BRANCH, "bureau0", "city", "*"])
def test_a_writer_whose_scope_contains_the_items_organisation_reports(scope):
    services, body = attempt("report", "item0", scope)
    assert "errors" not in body, body
    assert body["data"]["reportSupervisionItem"]["state"] == "REPORTED"
    assert services.moves == [("report", "item0", "已按期召开", "t")]


@pytest.mark.parametrize("move", ["close", "escalate"])
@pytest.mark.parametrize("scope", ["bureau0", "city", "*"])
def test_a_writer_strictly_above_closes_and_escalates(move, scope):
    services, body = attempt(move, "item0", scope)
    assert "errors" not in body, body
    assert [m[0] for m in services.moves] == [move]


@pytest.mark.parametrize("move", ["close", "escalate"])
@pytest.mark.parametrize("roles", [("secretary",), ("admin",)])
def test_a_branch_never_closes_or_escalates_its_own_item(move, roles):
    services, body = attempt(move, "item0", BRANCH, roles)
    assert codes(body) == ["FORBIDDEN"] and body["data"] is None
    assert "strictly above" in body["errors"][0]["message"]
    assert services.moves == []


@pytest.mark.parametrize("move", sorted(MOVES))
def test_an_item_outside_the_scope_and_one_that_does_not_exist_are_refused_alike(move):
    there_services, there = attempt(move, "item1", "bureau0")
    nowhere_services, nowhere = attempt(move, "item9", "bureau0")
    assert codes(there) == codes(nowhere) == ["FORBIDDEN"]
    assert there["errors"][0]["message"].replace("item1", "<id>") == \
        nowhere["errors"][0]["message"].replace("item9", "<id>")
    assert there_services.moves == nowhere_services.moves == []


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("roles", [("viewer",), ("member",)])
def test_readers_move_nothing(move, roles):
    services, body = attempt(move, "item0", "*", roles)
    assert codes(body) == ["FORBIDDEN"] and services.moves == []


def test_strictly_above_is_a_scope_holding_the_organisation_and_not_it():
    item = {"org_id": "br", "org_path": ["city", "bu", "co", "br"]}
    above = [Principal("s", scope, frozenset({"secretary"})) for scope in ("*", "city", "co")]
    assert all(strictly_above(p, item) for p in above)
    for scope in ("br", "other", "group-under-br"):
        assert not strictly_above(Principal("s", scope, frozenset({"secretary"})), item)


def test_an_item_shows_its_due_day_report_and_history():
    _, body = run(Items(), """query { supervisionItems(orgId: "bureau0") { id dueOn report
        history { state at by note } } }""", scope="bureau0", roles=("viewer",))
    assert "errors" not in body, body
    assert body["data"]["supervisionItems"] == [{
        "id": "item0", "dueOn": "2017-07-16", "report": None,
        "history": [{"state": "ASSIGNED", "at": "2017-07-01T00:00:00+08:00",
                     "by": "platform", "note": None}]}]
