"""Reports at the gateway: the GraphQL ``report`` and the same report as a
workbook at GET /reports/{kind}/{orgId}/{period}.xlsx (gateway/reports.py),
run in-process against a stand-in for the services: who gets what (401,
403, 404, 400), the sheets and their Chinese headers, and the same numbers
in both."""
import io
import json

import pytest
from openpyxl import load_workbook

from gateway.app import Gateway
from gateway.auth import make_token
from gateway.reports import ITEMS, RESULTS, ROWS, parse_path, workbook
from gateway.rpc import graphql_error
from shared.errors import XianfengError
from shared.periods import parse_report_period

SECRET = "unit-test-secret-unit-test-secret"
PATHS = {"city": ["city"], "bu1": ["city", "bu1"], "co1": ["city", "bu1", "co1"],
         "a": ["city", "bu1", "co1", "a"], "b": ["city", "bu1", "co1", "b"],
         "bu2": ["city", "bu2"], "co2": ["city", "bu2", "co2"],
         "c": ["city", "bu2", "co2", "c"]}
NAMES = {"a": "甲支部", "b": "乙支部", "c": "丙支部"}


class FakeServices:
    """The organisation service's look-ups and supervision's ``report``:
    each branch below the org has a row whose numbers say which branch it is."""

    def __init__(self):
        self.calls = []

    def patient(self, timeout):
        return self

    def call(self, service, method, *args):
        self.calls.append((service, method, args))
        return getattr(self, method)(*args)

    def get_organizations(self, ids):
        return [{"id": i, "name": NAMES.get(i, i), "kind": "BRANCH" if i in NAMES else "BUREAU",
                 "parent_id": PATHS[i][-2] if len(PATHS[i]) > 1 else None, "path": PATHS[i]}
                for i in ids if i in PATHS]

    def report(self, org_id, kind, period, details=False):
        branches = [b for b in sorted(NAMES) if org_id in PATHS[b]]
        out = {"period": period, "rows": [
            {"org_id": b, "org_path": PATHS[b], "name": NAMES[b], "quotas_met": 3 + i,
             "quotas_missed": 1, "quotas_pending": 2 * i, "items_open": i, "items_closed": 2,
             "items_escalated": 1 - i, "average_points": 12.5 + i}
            for i, b in enumerate(branches)]}
        if details:
            out["results"] = [{"branch_id": b, "rule": "A1", "subject_id": b, "period": "2017-06",
                               "required": 2, "actual": 1, "status": "MISSED"}
                              for b in branches]
            out["items"] = [{"branch_id": b, "id": f"item-{b}", "org_id": b, "rule": "A1",
                             "period": "2017-06", "state": "ASSIGNED",
                             "opened_at": "2017-07-01T00:00:00+08:00"} for b in branches]
        return out


def get(services, path, scope="*", roles=("viewer",), token=True, method="GET"):
    gateway = Gateway(rpc=services, secret=SECRET)
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(b"")}
    if token is True:
        environ["HTTP_AUTHORIZATION"] = "Bearer " + make_token(SECRET, "t", scope, roles)
    elif token:
        environ["HTTP_AUTHORIZATION"] = token
    answer = {}

    def start(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(gateway(environ, start))
    return answer["status"], answer["headers"], body


def graphql(services, query, scope="*", roles=("viewer",)):
    gateway = Gateway(rpc=services, secret=SECRET)
    body = json.dumps({"query": query}).encode()
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, "t", scope, roles),
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    return json.loads(b"".join(gateway(environ, lambda s, h, e=None: None)))


def sheets(body):
    book = load_workbook(io.BytesIO(body), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}


REPORT = """{ report(orgId: "bu1", kind: ANNUAL, period: "2017") { org { name } kind period
    rows { org { id name } quotasMet quotasMissed quotasPending itemsOpen itemsClosed
           itemsEscalated averagePoints } } }"""


def test_the_workbook_has_the_three_sheets_with_the_graphql_numbers():
    services = FakeServices()
    status, headers, body = get(services, "/reports/ANNUAL/bu1/2017.xlsx", scope="bu1")
    assert status.startswith("200")
    assert headers["Content-Type"].endswith("spreadsheetml.sheet")
    assert "attachment" in headers["Content-Disposition"]
    book = sheets(body)
    assert list(book) == [ROWS[0], RESULTS[0], ITEMS[0]] == ["报表", "指标结果", "督办事项"]
    rows = book["报表"]
    assert rows[0] == ["支部", "支部编号", "指标达标", "指标未达标", "指标待定", "督办未销号",
                       "督办已销号", "督办已追责", "党员平均积分"]
    answer = graphql(services, REPORT, scope="bu1")
    assert "errors" not in answer, answer
    report = answer["data"]["report"]
    assert (report["kind"], report["period"], report["org"]["name"]) == ("ANNUAL", "2017", "bu1")
    assert [[r["org"]["name"], r["org"]["id"], r["quotasMet"], r["quotasMissed"],
             r["quotasPending"], r["itemsOpen"], r["itemsClosed"], r["itemsEscalated"],
             r["averagePoints"]] for r in report["rows"]] == rows[1:]
    assert len(rows) == 3     # a and b, not bureau two's c
    assert book["指标结果"][0] == ["支部", "支部编号", "指标", "对象编号", "周期", "要求", "实际",
                                  "状态"]
    assert book["指标结果"][1] == ["甲支部", "a", "A1", "a", "2017-06", 2, 1, "MISSED"]
    assert book["督办事项"][0][:3] == ["支部", "支部编号", "督办编号"]
    assert book["督办事项"][2][:3] == ["乙支部", "b", "item-b"]
    assert ("supervision", "report", ("bu1", "ANNUAL", "2017", True)) in services.calls


def test_a_branch_gets_its_own_row():
    status, _, body = get(FakeServices(), "/reports/MIDYEAR/a/2017-H1.xlsx", scope="a",
                          roles=("secretary",))
    assert status.startswith("200")
    assert [r[1] for r in sheets(body)["报表"][1:]] == ["a"]


@pytest.mark.parametrize("token", [None, "Bearer nonsense", "Basic abc"])
def test_no_usable_token_is_401(token):
    services = FakeServices()
    status, headers, body = get(services, "/reports/ANNUAL/bu1/2017.xlsx", token=token)
    assert status.startswith("401")
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "WWW-Authenticate" in headers
    assert services.calls == []


@pytest.mark.parametrize("scope, org_id", [("bu1", "bu2"), ("bu1", "c"), ("a", "b"),
                                           ("a", "bu1"), ("bu1", "nowhere")])
def test_outside_the_scope_is_403_and_so_is_an_unknown_org_below_star(scope, org_id):
    services = FakeServices()
    status, _, body = get(services, f"/reports/ANNUAL/{org_id}/2017.xlsx", scope=scope)
    assert status.startswith("403")
    error = json.loads(body)["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "丙" not in error["message"]
    assert not [c for c in services.calls if c[0] == "supervision"]


def test_an_unknown_org_is_404_for_the_whole_installation():
    services = FakeServices()
    status, _, body = get(services, "/reports/ANNUAL/nowhere/2017.xlsx", scope="*")
    assert status.startswith("404")
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert not [c for c in services.calls if c[0] == "supervision"]


@pytest.mark.parametrize("kind, period, field", [
    ("ANNUAL", "2017-H1", "period"), ("MIDYEAR", "2017", "period"),
    ("MONTHLY", "2017-13", "period"), ("QUARTERLY", "2017-Q5", "period"),
    ("WEEKLY", "2017", "kind"), ("annual", "2017", "kind")])
def test_a_bad_kind_or_period_is_400_naming_the_field(kind, period, field):
    services = FakeServices()
    status, _, body = get(services, f"/reports/{kind}/bu1/{period}.xlsx", scope="bu1")
    assert status.startswith("400")
    error = json.loads(body)["errors"][0]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": field}
    assert services.calls == []


@pytest.mark.parametrize("path", ["/reports/ANNUAL/bu1/2017", "/reports/ANNUAL/2017.xlsx",
                                  "/reports/ANNUAL/bu1/x/2017.xlsx", "/reports/ANNUAL//2017.xlsx",
                                  "/reports/ANNUAL/bu1/.xlsx"])
def test_another_path_is_404(path):
    status, _, _ = get(FakeServices(), path)
    assert status.startswith("404")


def test_only_get():
    status, headers, _ = get(FakeServices(), "/reports/ANNUAL/bu1/2017.xlsx", method="POST")
    assert status.startswith("405") and headers["Allow"] == "GET"


def test_graphql_checks_the_scope_and_the_rows():
    services = FakeServices()
    outside = graphql(services, REPORT, scope="bu2")
    assert outside["data"] is None
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # a report of bureau one whose rows somehow held bureau two's branch
    services.report = lambda *a: {"period": "2017", "rows": [
        {"org_id": "c", "org_path": PATHS["c"], "name": "丙支部", "quotas_met": 0,
         "quotas_missed": 0, "quotas_pending": 0, "items_open": 0, "items_closed": 0,
         "items_escalated": 0, "average_points": 0.0}]}
    leaked = graphql(services, REPORT, scope="bu1")
    assert leaked["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "丙" not in json.dumps(leaked, ensure_ascii=False)


def test_a_bad_period_in_graphql_is_the_services_bad_input():
    services = FakeServices()

    def call(service, method, *args):
        try:
            if method == "report":
                parse_report_period(*args[1:3])
            return getattr(services, method)(*args)
        except XianfengError as exc:
            raise graphql_error(exc) from None

    services.call = call
    answer = graphql(services, REPORT.replace('"2017"', '"2017-H1"'), scope="bu1")
    assert answer["errors"][0]["extensions"] == {"code": "BAD_INPUT", "field": "period"}


@pytest.mark.parametrize("path, parsed", [
    ("/reports/ANNUAL/bu1/2017.xlsx", ("ANNUAL", "bu1", "2017")),
    ("/reports/MIDYEAR/a/2017-H2.xlsx", ("MIDYEAR", "a", "2017-H2")),
    ("/reports/ANNUAL/bu1/2017.csv", None), ("/reports/ANNUAL/bu1", None)])
def test_parse_path(path, parsed):
    assert parse_path(path) == parsed


def test_an_empty_report_is_a_workbook_of_headers():
    body = workbook({"org_name": "空局", "kind": "ANNUAL", "period": "2017", "rows": [],
                     "results": [], "items": []})
    book = sheets(body)
    assert [len(rows) for rows in book.values()] == [1, 1, 1]
    assert load_workbook(io.BytesIO(body)).properties.title == "空局 2017 年底述职"
