"""The console's office screens in Debian's Chromium, against the platform
started as `make run` starts it (tests/e2e/conftest.py: made_run, chromium):
督查督办 (screens/bureau.js: the bureau's heat map of branches × months, a
cell's results and items, the bureau's supervision items) and 排名与报表
(screens/city.js: branch stars, bureaus' share of MET results, the reports
and their Excel workbooks). The platform is shared with the other console
modules; what these tests change lives in a bureau of their own, except the
two activity days that (a) records for 局属事业单位党支部 in May."""
import json
import os
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import (CONSOLE_DAY, DESKTOP, PHONE, SHOTS, console_page, eventually,
                                token)
from tools.client import Client, GraphQLFailed

OFFICE = "局机关党委办公室（本局，书记）"
CITY = "市委组织部（全市，管理员）"
SECOND = "局属事业单位党支部"
SECOND_SECRETARY = "局属事业单位党支部书记"
DEMO_NAMES = ("淄博市科学技术局", "中共淄博市科学技术局委员会", "机关第一党支部", SECOND)
MONTH = CONSOLE_DAY[:7]           # "2026-05", the platform's month
LAST_MONTH = "2026-04"


def sign_in(page, made_run, value):
    """Signs in with a token (a made_run user's label, or a token itself)."""
    page.goto(made_run.url + "/")
    page.fill("#token", made_run.users.get(value, value))
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#nav a.current")   # signed in, and sent to a first screen


def go(page, route):
    page.evaluate("(r) => { location.hash = r; }", route)


def admin(made_run):
    return Client(made_run.url, token())


def demo_ids(made_run):
    """{name: id} of the demo bureau and its branches."""
    client = Client(made_run.url, made_run.users[OFFICE])
    bureau = client.run("{ organizations { id name kind } }")["organizations"][0]
    assert bureau["name"] == "淄博市科学技术局", bureau
    tree = client.run("query($id: ID!) { organization(id: $id) { children { children { id name } } } }",
                      {"id": bureau["id"]})["organization"]
    ids = {b["name"]: b["id"] for c in tree["children"] for b in c["children"]}
    return {bureau["name"]: bureau["id"], **ids}


def cell(page, branch_id, period):
    return page.locator(f'td.cell[data-branch="{branch_id}"][data-period="{period}"]')


@pytest.fixture(scope="module")
def other(made_run):
    """A bureau of these tests' own under the demo city (bureau, committee,
    one branch) whose April is closed early, so its branch has MISSED
    quotas and open supervision items; and a secretary's token scoped to it."""
    client = admin(made_run)
    city = next(o for o in client.run("{ organizations { id kind } }")["organizations"]
                if o["kind"] == "CITY")
    tag = uuid.uuid4().hex[:4]
    bureau = client.create_org(f"外局{tag}", "BUREAU", city["id"])["id"]
    committee = client.create_org(f"外局{tag}党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org(f"外局{tag}第一支部", "BRANCH", committee)["id"]

    def close():
        try:
            return client.run('mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) '
                              '{ results { rule status } } }', {"o": branch, "p": LAST_MONTH})
        except GraphQLFailed as exc:   # supervision has not heard of the branch yet
            raise AssertionError(exc) from None
    closed = eventually(close, what="supervision knowing the new branch")["closePeriod"]
    assert {"rule": "A1", "status": "MISSED"} in closed["results"]
    secretary = token(bureau, ("secretary",), sub=f"office-{tag}")
    items = eventually(lambda: _nonempty(Client(made_run.url, secretary).run(
        "query($o: ID!) { supervisionItems(orgId: $o) { id rule state } }", {"o": bureau}
    )["supervisionItems"]), what="the April items")
    return {"bureau": bureau, "branch": branch, "name": f"外局{tag}",
            "branch_name": f"外局{tag}第一支部", "token": secretary, "items": items}


def _nonempty(items):
    assert items, "no items yet"
    return items


# --- (a) the office sees a branch catch up -----------------------------------

def test_the_office_sees_a_branch_cell_turn_met_once_its_activity_days_are_recorded(
        made_run, page):
    ids = demo_ids(made_run)
    second = ids[SECOND]
    sign_in(page, made_run, OFFICE)
    go(page, "#/bureau")
    page.wait_for_selector("table.heatmap")
    assert page.input_value("#rule-filter") == "A1"
    may = cell(page, second, MONTH)
    assert may.get_attribute("data-status") in ("PENDING", "MISSED"), \
        "the second branch has no activity day in May yet"
    assert cell(page, second, "2026-06").get_attribute("data-status") == "FUTURE"

    secretary = Client(made_run.url, made_run.users[SECOND_SECRETARY])
    members = secretary.run("query($id: ID!) { organization(id: $id) { members { id } } }",
                            {"id": second})["organization"]["members"]
    for day in ("2026-05-06", "2026-05-13"):
        secretary.record_activity(second, "ACTIVITY_DAY", f"主题党日{day}", day,
                                  [{"memberId": m["id"], "status": "PRESENT"} for m in members])

    def turned():
        page.click("#refresh")
        page.wait_for_selector("table.heatmap")
        status = cell(page, second, MONTH).get_attribute("data-status")
        assert status == "MET", status
    eventually(turned, timeout=20, interval=0.5, what="the May A1 cell turning MET")

    # the cell's panel: the branch's May results and the way to its screen
    cell(page, second, MONTH).locator("button").click()
    panel = page.locator("#cell-panel")
    panel.wait_for()
    assert SECOND in panel.inner_text() and "2026年5月" in panel.inner_text()
    a1 = panel.locator('tr[data-rule="A1"]')
    assert a1.locator("td").all_inner_texts()[1:] == ["2", "2", "已完成"]
    assert panel.locator("#to-due").get_attribute("href") == f"#/due/{second}"
    panel.locator(".cell-items .state, .cell-items table").first.wait_for()
    assert page.problems == []


# --- (b) a cell's results and items, the items' moves --------------------------

def test_a_cell_shows_the_branch_results_and_items_and_the_office_moves_an_item(
        made_run, page, other):
    sign_in(page, made_run, other["token"])
    go(page, f"#/bureau/{other['bureau']}")
    page.wait_for_selector("table.heatmap")
    april = cell(page, other["branch"], LAST_MONTH)
    assert april.get_attribute("data-status") == "MISSED"
    assert cell(page, other["branch"], MONTH).get_attribute("data-status") == "PENDING"
    april.locator("button").click()
    panel = page.locator("#cell-panel")
    panel.locator(".cell-items table").wait_for()
    results = {r.get_attribute("data-rule"): r.locator("td").last.inner_text()
               for r in panel.locator("tr[data-rule]").all()}
    assert results == {"A1": "未完成", "A2-CM": "未完成", "A2-GR": "未完成"}
    assert panel.locator(".cell-items tr[data-item]").count() == len(other["items"])
    assert panel.locator("#to-due").get_attribute("href") == f"#/due/{other['branch']}"

    # the bureau's items, filtered by state; a blank note is refused beside
    # the field and changes nothing; a report moves the item
    item = next(i for i in other["items"] if i["rule"] == "A2-GR")
    row = page.locator(f'#items tr[data-item="{item["id"]}"]')
    assert row.get_attribute("data-state") == "ASSIGNED"
    assert row.locator("td").nth(5).inner_text() == "2026-06-04"   # opened today + 15 days
    row.locator('button[data-move="escalate"]').click()
    error = row.locator('.field-error[data-field="note"]')
    error.wait_for()
    assert "note" in error.inner_text()
    state = Client(made_run.url, other["token"]).run(
        "query($o: ID!) { supervisionItems(orgId: $o) { id state } }", {"o": other["branch"]})
    assert {"id": item["id"], "state": "ASSIGNED"} in state["supervisionItems"]
    row.locator('input[name="note"]').fill("已补开党小组会，材料已上传")
    row.locator('button[data-move="report"]').click()
    page.wait_for_selector(f'#items tr[data-item="{item["id"]}"][data-state="REPORTED"]')
    page.select_option("#item-state", "REPORTED")
    page.wait_for_selector("#items tr[data-item]")
    assert [r.get_attribute("data-item") for r in page.locator("#items tr[data-item]").all()] \
        == [item["id"]]
    assert "已报告" in page.inner_text("#items")
    assert page.problems == []


def test_a_cell_with_several_results_of_the_rule_shows_the_worst(made_run, page):
    page.goto(made_run.url + "/")
    page.wait_for_selector("#signin")
    got = page.evaluate("""async () => {
        const { worst } = await import("/console/screens/office-words.js");
        const fold = (list) => list.reduce((a, b) => worst(a, b), undefined);
        return [fold(["MET", "PENDING", "MET"]), fold(["PENDING", "MISSED", "MET"]),
                fold(["MET", "MET"]), fold(["MISSED", "PENDING"])];
    }""")
    assert got == ["PENDING", "MISSED", "MET", "MISSED"]


def test_a_viewer_sees_the_items_without_the_buttons(made_run, page):
    sign_in(page, made_run, "局领导（本局，只读）")
    go(page, "#/bureau")
    page.wait_for_selector("table.heatmap")
    page.locator("#items .items-body > *:not(.loading)").first.wait_for()
    assert page.locator("#items button[data-move]").count() == 0
    assert page.problems == []


def test_the_whole_installation_picks_a_bureau_first(made_run, page):
    ids = demo_ids(made_run)
    sign_in(page, made_run, CITY)
    go(page, "#/bureau")
    page.wait_for_selector("#bureau-pick")
    assert page.locator("table.heatmap").count() == 0
    page.select_option("#bureau-pick", ids["淄博市科学技术局"])
    page.wait_for_selector("table.heatmap")
    assert page.url.endswith(f"#/bureau/{ids['淄博市科学技术局']}")
    shown = {r.get_attribute("data-branch") for r in page.locator("table.heatmap tbody tr").all()}
    assert {ids["机关第一党支部"], ids[SECOND]} <= shown   # other modules may add branches
    assert page.problems == []


# --- (c) another bureau sees nothing of the demo bureau ------------------------

def test_another_bureau_sees_only_its_own_branches_and_is_forbidden_the_demo_bureau(
        made_run, page, other):
    ids = demo_ids(made_run)
    sign_in(page, made_run, other["token"])
    go(page, "#/bureau")
    page.wait_for_selector("table.heatmap")
    rows = page.locator("table.heatmap tbody tr")
    assert [r.get_attribute("data-branch") for r in rows.all()] == [other["branch"]]
    body = page.inner_text("body")
    assert other["branch_name"] in body
    assert not [n for n in DEMO_NAMES if n in body], body

    go(page, f"#/bureau/{ids['淄博市科学技术局']}")
    page.wait_for_selector(".state.forbidden")
    body = page.inner_text("body")
    assert "无权查看" in body and not [n for n in DEMO_NAMES if n in body], body
    assert page.locator("table.heatmap").count() == 0

    go(page, f"#/city/{ids['淄博市科学技术局']}")
    page.wait_for_selector(".state.forbidden")
    assert not [n for n in DEMO_NAMES if n in page.inner_text("body")]


def test_another_bureau_is_forbidden_the_demo_branch_screen(made_run, page, other):
    ids = demo_ids(made_run)
    sign_in(page, made_run, other["token"])
    go(page, f"#/due/{ids[SECOND]}")
    page.wait_for_selector(".state.forbidden")
    body = page.inner_text("body")
    assert not [n for n in DEMO_NAMES if n in body], body


# --- (d) a service that does not answer --------------------------------------

def test_a_service_unavailable_shows_the_plain_page(made_run, page):
    sign_in(page, made_run, OFFICE)
    go(page, "#/bureau")
    page.wait_for_selector("table.heatmap")
    answer = {"data": None, "errors": [{"message": "督查服务暂时没有应答，请稍后重试。",
                                        "extensions": {"code": "UNAVAILABLE"}}]}
    page.route("**/graphql", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))
    page.click("#refresh")
    page.wait_for_selector(".state.unavailable")
    assert page.inner_text(".state.unavailable h2") == "服务暂不可用"
    assert "督查服务暂时没有应答" in page.inner_text(".state.unavailable")
    assert page.locator("table.heatmap").count() == 0

    page.unroute("**/graphql")
    page.route("**/graphql", lambda route: route.fulfill(status=503, body="<h1>busy</h1>",
                                                          content_type="text/html"))
    go(page, "#/city")
    page.wait_for_selector(".state.unavailable")
    assert page.inner_text(".state.unavailable h2") == "服务暂不可用"
    assert page.locator("#ratings").count() == 0


# --- (e) ranking and reports --------------------------------------------------

def test_the_city_screen_ranks_branches_and_downloads_the_reports_as_workbooks(made_run, page):
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    sign_in(page, made_run, CITY)
    go(page, "#/city")
    page.wait_for_selector("#ratings table")
    ratings = page.inner_text("#ratings")
    assert "机关第一党支部" in ratings and SECOND in ratings and "★" in ratings
    page.wait_for_selector("#shares table")
    assert "淄博市科学技术局" in page.inner_text("#shares")
    page.click('#shares button[data-range="month"]')
    page.wait_for_selector('#shares button[data-range="month"][aria-pressed="true"]')
    page.wait_for_selector("#shares table")

    page.click('#report-MONTHLY button[data-view]')
    page.wait_for_selector("#reports table.report-rows")
    assert "月调度" in page.inner_text("#reports .report-shown")

    for kind in ("MONTHLY", "QUARTERLY", "MIDYEAR", "ANNUAL"):
        with page.expect_download() as info:
            page.click(f'#report-{kind} button[data-download]')
        download = info.value
        assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
        data = Path(download.path()).read_bytes()
        assert len(data) > 100 and data[:2] == b"PK", (kind, data[:40])
    assert any("/reports/MONTHLY/" in u for u in asked)
    secret = made_run.users[CITY]
    assert not [u for u in asked if secret in u or "token" in u.lower()]
    assert page.problems == []


def test_a_refused_download_shows_the_platform_message(made_run, page):
    sign_in(page, made_run, OFFICE)
    go(page, "#/city")
    page.wait_for_selector("#reports")
    page.route("**/reports/**", lambda route: route.fulfill(
        status=403, content_type="application/json",
        body=json.dumps({"errors": [{"message": "该组织不在您的管理范围内。",
                                     "extensions": {"code": "FORBIDDEN"}}]})))
    page.click('#report-ANNUAL button[data-download]')
    page.wait_for_selector("#reports .download-note:not(:empty)")
    assert page.inner_text("#reports .download-note") == "该组织不在您的管理范围内。"


# --- (f) both screens at 1366×768 and on a 390-pixel phone ----------------------

@pytest.mark.parametrize("size,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_both_screens_lay_out_on_a_desktop_and_a_phone(made_run, chromium, size, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = console_page(chromium, viewport)
    try:
        sign_in(page, made_run, OFFICE)
        go(page, "#/bureau")
        page.wait_for_selector("table.heatmap")
        page.locator("#items .items-body > *:not(.loading)").first.wait_for()
        width = viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        wrap = page.locator(".heatmap-wrap").bounding_box()
        assert wrap["x"] >= 0 and wrap["x"] + wrap["width"] <= width + 1
        for key in ("#heatmap", "#rule-filter", "#refresh", "#items", "table.heatmap tbody tr"):
            assert page.locator(key).first.is_visible(), key
        first = page.locator("table.heatmap tbody th").first.bounding_box()
        assert first["height"] >= 20 and first["width"] >= 60
        if size == "desktop":   # twelve months fit without scrolling
            assert page.evaluate("document.querySelector('.heatmap-wrap').scrollWidth <= "
                                 "document.querySelector('.heatmap-wrap').clientWidth")
            doc = os.environ.get("XF_CONSOLE_DOC")
            if doc:
                page.screenshot(path=doc)
        else:                   # the heat map scrolls inside its own box
            assert page.evaluate("document.querySelector('.heatmap-wrap').scrollWidth > "
                                 "document.querySelector('.heatmap-wrap').clientWidth")
        page.screenshot(path=str(SHOTS / f"bureau-{size}.png"), full_page=True)

        go(page, "#/city")
        page.wait_for_selector("#ratings table")
        page.wait_for_selector("#shares table")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        ratings = page.locator("#ratings").bounding_box()
        shares = page.locator("#shares").bounding_box()
        reports = page.locator("#reports").bounding_box()
        if size == "desktop":   # side by side, the reports below
            assert abs(ratings["y"] - shares["y"]) < 2 and shares["x"] > ratings["x"] + ratings["width"]
        else:                   # stacked
            assert shares["y"] >= ratings["y"] + ratings["height"]
        assert reports["y"] >= max(ratings["y"] + ratings["height"], shares["y"] + shares["height"])
        for box in (ratings, shares, reports):
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        for kind in ("MONTHLY", "ANNUAL"):
            assert page.locator(f'#report-{kind} button[data-download]').is_visible()
        page.screenshot(path=str(SHOTS / f"city-{size}.png"), full_page=True)
        assert page.problems == []
    finally:
        page.context.close()
