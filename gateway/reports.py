"""A report (U5) as an Excel workbook:

    GET /reports/{kind}/{orgId}/{period}.xlsx     Authorization: Bearer <token>

The same report as the GraphQL ``report`` (one call to the supervision
service, the same rows), with the quota results and supervision items the
rows count: three sheets, Chinese column headers. Answers as GraphQL judges:
401 without a usable token, 400 for a kind or period that is not one (or a
period not of the kind's shape), 403 for an organisation outside the
caller's subtree, 404 for one that does not exist; but, as GraphQL, a token
scoped below "*" gets 403 for an id that does not exist too, so the answer
never tells whether another bureau has it."""
import asyncio
import io
import json

from graphql import GraphQLError
from openpyxl import Workbook

from gateway.auth import Unauthenticated, principal_from_header
from gateway.schema.context import RequestContext
from gateway.schema.report import fetch
from shared.errors import XianfengError
from shared.periods import parse_report_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREFIX = "/reports/"
HTTP_STATUS = {"BAD_INPUT": "400 Bad Request", "FORBIDDEN": "403 Forbidden",
               "NOT_FOUND": "404 Not Found", "UNAVAILABLE": "503 Service Unavailable"}

# The sheets: (title, [(header, key of the row)]).
ROWS = ("报表", [("支部", "name"), ("支部编号", "org_id"), ("指标达标", "quotas_met"),
                ("指标未达标", "quotas_missed"), ("指标待定", "quotas_pending"),
                ("督办未销号", "items_open"), ("督办已销号", "items_closed"),
                ("督办已追责", "items_escalated"), ("党员平均积分", "average_points")])
RESULTS = ("指标结果", [("支部", "branch"), ("支部编号", "branch_id"), ("指标", "rule"),
                      ("对象编号", "subject_id"), ("周期", "period"), ("要求", "required"),
                      ("实际", "actual"), ("状态", "status")])
ITEMS = ("督办事项", [("支部", "branch"), ("支部编号", "branch_id"), ("督办编号", "id"),
                    ("责任组织编号", "org_id"), ("指标", "rule"), ("周期", "period"),
                    ("状态", "state"), ("交办时间", "opened_at")])
KIND_NAMES = {"MONTHLY": "月调度", "QUARTERLY": "季督查", "MIDYEAR": "年中观摩",
              "ANNUAL": "年底述职"}


def workbook(report):
    """The .xlsx bytes of ``report`` (fetch's answer with details): a sheet of
    the rows, one of the quota results, one of the items, in that order."""
    book = Workbook(write_only=True)
    book.properties.title = (f"{report['org_name']} {report['period']} "
                             f"{KIND_NAMES.get(report['kind'], report['kind'])}")
    names = {row["org_id"]: row["name"] for row in report["rows"]}
    for (title, columns), lines in ((ROWS, report["rows"]), (RESULTS, report["results"]),
                                    (ITEMS, report["items"])):
        sheet = book.create_sheet(title)
        sheet.append([header for header, _ in columns])
        for line in lines:
            line = {**line, "branch": names.get(line.get("branch_id"), "")}
            sheet.append([line[key] for _, key in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_path(path):
    """(kind, org id, period) of a report's path, or None for no such path."""
    parts = path[len(PREFIX):].split("/")
    if len(parts) != 3 or not parts[2].endswith(".xlsx") or not all(parts):
        return None
    kind, org_id, period = parts[0], parts[1], parts[2][:-len(".xlsx")]
    return (kind, org_id, period) if period else None


def _error(start_response, status, message, code, field=None, headers=()):
    extensions = {"code": code, **({"field": field} if field else {})}
    data = json.dumps({"errors": [{"message": message, "extensions": extensions}]},
                      ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                            ("Content-Length", str(len(data))), *headers])
    return [data]


def download(gateway, path, method, environ, start_response):
    """The route: ``gateway`` is the app (its secret, RPC pool and limit on
    expensive requests per subject)."""
    parsed = parse_path(path)
    if parsed is None:
        return _error(start_response, "404 Not Found", f"no such path {path}; use "
                      "/reports/{kind}/{orgId}/{period}.xlsx", "NOT_FOUND")
    if method != "GET":
        return _error(start_response, "405 Method Not Allowed", "use GET for a report",
                      "BAD_INPUT", headers=[("Allow", "GET")])
    try:
        principal = principal_from_header(environ.get("HTTP_AUTHORIZATION"), gateway.secret)
    except Unauthenticated as exc:
        return _error(start_response, "401 Unauthorized", str(exc), "UNAUTHENTICATED",
                      headers=[("WWW-Authenticate", 'Bearer realm="xianfeng"')])
    kind, org_id, period = parsed
    try:
        parse_report_period(kind, period)
    except XianfengError as exc:
        return _error(start_response, "400 Bad Request", str(exc), exc.code, exc.field)
    with gateway.expensive.admit(principal.sub) as admitted:
        if not admitted:
            return _error(start_response, "503 Service Unavailable",
                          f"you have {gateway.expensive.bound} expensive requests running "
                          "already; try again when one of them has answered", "UNAVAILABLE")
        ctx = RequestContext(principal, gateway.rpc)
        try:
            report = asyncio.run(fetch(ctx, org_id, kind, period, details=True))
        except GraphQLError as exc:
            code = (exc.extensions or {}).get("code", "INTERNAL")
            return _error(start_response, HTTP_STATUS.get(code, "500 Internal Server Error"),
                          exc.message, code, (exc.extensions or {}).get("field"))
    data = workbook(report)
    filename = f"report-{kind}-{org_id}-{period}.xlsx"
    start_response("200 OK", [("Content-Type", XLSX), ("Content-Length", str(len(data))),
                              ("Content-Disposition", f'attachment; filename="{filename}"')])
    return [data]
