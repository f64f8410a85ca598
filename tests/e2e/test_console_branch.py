"""The console's branch screens (gateway/console/screens/due.js and
members.js) in Debian's Chromium against the platform as `make run` starts it
(tests/e2e/conftest.py: made_run on 2026-05-20, chromium). The platform is
shared with the other console modules: every test holds whatever they did."""
import uuid

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, SHOTS, eventually, token
from tools.client import Client, GraphQLFailed

SECRETARY = "机关第一党支部书记"
SECOND = "局属事业单位党支部书记"
OFFICE = "局机关党委办公室（本局，书记）"
MONTH = "2026-05"
A1 = f"tr[data-rule=A1][data-period='{MONTH}']"

ACTIVITIES = """query($id: ID!) { activities(orgId: $id, from: "2026-05-01", to: "2026-05-31") {
    id kind theme heldOn attendance { member { id } status reason } } }"""
COMPLIANCE = """query($id: ID!) { compliance(orgId: $id, period: "2026-05") {
    results { rule subjectId actual required status } } }"""
RECORD = """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"""


@pytest.fixture(scope="module")
def branch(made_run):
    """The demo's 机关第一党支部: id and members, as its secretary sees them."""
    client = Client(made_run.url, made_run.users[SECRETARY])
    org = client.run("{ organizations { id name } }")["organizations"][0]
    assert org["name"] == "机关第一党支部"
    members = client.run("query($id: ID!) { organization(id: $id) { members { id name } } }",
                         {"id": org["id"]})["organization"]["members"]
    return {"id": org["id"], "members": members, "client": client}


def sign_in(page, made_run, value, screen="due"):
    page.goto(made_run.url + "/console/style.css")  # same origin, no console running:
    page.evaluate("sessionStorage.clear()")         # whoever signed in before is forgotten
    page.goto(made_run.url + "/")
    page.fill("#token", value)
    page.click("#signin button[type=submit]")
    page.wait_for_selector(f"#nav a[data-screen={screen}]")
    page.goto(f"{made_run.url}/#/{screen}")


def a1_status(client, branch_id):
    results = client.run(COMPLIANCE, {"id": branch_id})["compliance"]["results"]
    return next(r for r in results if r["rule"] == "A1" and r["subjectId"] == branch_id)


def beside_the_field(error):
    """The platform's message as the console shows it beside the field it
    names: without the field's name in front ("heldOn: 2026-05-21 is ...")."""
    field = error["extensions"]["field"]
    message = error["message"]
    assert message.startswith(f"{field}: ") and len(message) > len(field) + 10, error
    return message[len(field) + 2:]


def quotas_late(route, stale):
    """Answers the console's requests; once an activity is recorded, answers
    about the quotas with the answer from before it, ``stale["left"]`` times."""
    body = route.request.post_data or ""
    if "compliance" not in body:
        if "recordActivity" in body:
            stale["recorded"] = True
        return route.continue_()
    if stale.get("recorded"):
        stale["asked"] += 1
        if stale["left"] > 0:
            stale["left"] -= 1
            return route.fulfill(status=200, content_type="application/json",
                                 body=stale["body"])
    answer = route.fetch()
    stale["body"] = answer.text()
    return route.fulfill(response=answer)


def test_the_secretary_records_an_activity_day_and_sees_a1_turn_met_without_reloading(
        made_run, page, branch):
    client, members = branch["client"], branch["members"]
    # the first two answers about the quotas after recording are the ones from
    # before (as when the events have not arrived yet): the screen must ask again
    stale = {"left": 2, "body": None, "asked": 0}
    page.route("**/graphql", lambda route: quotas_late(route, stale))
    sign_in(page, made_run, made_run.users[SECRETARY])
    row = page.locator(A1)
    row.wait_for()
    before = a1_status(client, branch["id"])
    assert row.locator("td.num").first.inner_text() == f"{before['actual']} / {before['required']}"
    if before["actual"] < before["required"]:       # as the demo leaves it: 1 of 2
        assert row.get_attribute("data-status") == "PENDING"
        assert "还差" in row.inner_text() and "2026年5月31日前" in row.inner_text()
    page.evaluate("window.__notReloaded = true")

    page.click("#record-activity")
    form = page.locator("#activity-form")
    speaker = form.locator(".field[data-name=speakerId]")
    assert speaker.is_hidden()                      # a speaker only for a party lecture
    form.locator("select[name=kind]").select_option("PARTY_LECTURE")
    assert speaker.is_visible()
    form.locator("select[name=kind]").select_option("ACTIVITY_DAY")
    assert speaker.is_hidden()
    theme = f"主题党日 {uuid.uuid4().hex[:8]}"
    form.locator("input[name=theme]").fill(theme)
    assert form.locator("input[name=heldOn]").input_value() == "2026-05-20"  # the platform's day
    present, excused, absent = members[0], members[1], members[2]
    form.locator(f"[data-member='{excused['id']}'] input[value=EXCUSED]").check()
    form.locator(f"[data-member='{excused['id']}'] input[name=reason]").fill("外出培训")
    form.locator(f"[data-member='{absent['id']}'] input[value=ABSENT]").check()
    form.locator("button[type=submit]").click()

    page.wait_for_selector("#due-notice:has-text('已记录')")
    assert page.locator("#activity-form").count() == 0
    expected = before["actual"] + 1
    page.wait_for_function(
        """([sel, text]) => { const r = document.querySelector(sel);
             return r && r.querySelector('td.num').textContent.startsWith(text); }""",
        arg=[A1, f"{expected} / "], timeout=20000)
    assert row.get_attribute("data-status") == ("MET" if expected >= before["required"]
                                                else "PENDING")
    assert row.locator(".status").inner_text() == ("已完成" if expected >= before["required"]
                                                   else "进行中")
    assert page.evaluate("window.__notReloaded") is True
    assert stale["left"] == 0 and stale["asked"] >= 3
    page.wait_for_selector("#due-notice:has-text('指标已更新')")

    recorded = [a for a in client.run(ACTIVITIES, {"id": branch["id"]})["activities"]
                if a["theme"] == theme]
    assert len(recorded) == 1 and recorded[0]["kind"] == "ACTIVITY_DAY"
    assert recorded[0]["heldOn"] == "2026-05-20"
    said = {a["member"]["id"]: (a["status"], a["reason"]) for a in recorded[0]["attendance"]}
    assert said[present["id"]] == ("PRESENT", None)
    assert said[excused["id"]] == ("EXCUSED", "外出培训")
    assert said[absent["id"]] == ("ABSENT", None)
    assert set(said) == {m["id"] for m in members}
    assert page.problems == []


def test_a_date_in_the_future_is_refused_beside_the_date_and_records_nothing(
        made_run, page, branch):
    client = branch["client"]
    sign_in(page, made_run, made_run.users[SECRETARY])
    page.click("#record-activity")
    form = page.locator("#activity-form")
    theme = f"未来的活动 {uuid.uuid4().hex[:8]}"
    form.locator("input[name=theme]").fill(theme)
    form.locator("input[name=heldOn]").fill("2026-05-21")
    before = len(client.run(ACTIVITIES, {"id": branch["id"]})["activities"])
    form.locator("button[type=submit]").click()

    error = form.locator(".field-error[data-field=heldOn]")
    error.wait_for()
    attendance = [{"memberId": m["id"], "status": "PRESENT"} for m in branch["members"]]
    with pytest.raises(GraphQLFailed) as refused:
        client.run(RECORD, {"i": {"orgId": branch["id"], "kind": "ACTIVITY_DAY", "theme": theme,
                                  "heldOn": "2026-05-21", "attendance": attendance}})
    platform_says = refused.value.errors[0]
    assert platform_says["extensions"]["code"] == "BAD_INPUT"
    assert platform_says["extensions"]["field"].split(".")[-1] == "heldOn"
    assert error.inner_text() == beside_the_field(platform_says)
    assert form.locator(".field[data-name=heldOn]").get_attribute("class").split() == [
        "field", "invalid"]
    assert form.locator("input[name=theme]").input_value() == theme   # the form keeps its input
    assert form.locator("input[name=heldOn]").input_value() == "2026-05-21"
    assert page.locator("#due-notice").inner_text() == ""

    # today, but an excused member without a reason: said beside that member
    form.locator("input[name=heldOn]").fill("2026-05-20")
    second = branch["members"][1]
    form.locator(f"[data-member='{second['id']}'] input[value=EXCUSED]").check()
    form.locator("button[type=submit]").click()
    beside = form.locator(f"[data-member='{second['id']}'] .field-error")
    beside.wait_for()
    order = form.locator(".attendance-row").evaluate_all("rows => rows.map(r => r.dataset.member)")
    attendance = [{"memberId": m, "status": "EXCUSED" if m == second["id"] else "PRESENT"}
                  for m in order]
    with pytest.raises(GraphQLFailed) as refused:
        client.run(RECORD, {"i": {"orgId": branch["id"], "kind": "ACTIVITY_DAY", "theme": theme,
                                  "heldOn": "2026-05-20", "attendance": attendance}})
    platform_says = refused.value.errors[0]
    line = order.index(second["id"])
    assert platform_says["extensions"]["field"].endswith(f"attendance[{line}].reason")
    assert beside.inner_text() == beside_the_field(platform_says)
    assert error.inner_text() == ""                 # the date's message is gone
    assert form.locator("input[name=theme]").input_value() == theme
    after = client.run(ACTIVITIES, {"id": branch["id"]})["activities"]
    assert len(after) == before and all(a["theme"] != theme for a in after)
    assert page.problems == []


def test_the_bureau_office_opens_a_branch_and_a_branch_cannot_open_another(made_run, page,
                                                                            branch):
    sign_in(page, made_run, made_run.users[OFFICE], screen="bureau")
    page.goto(f"{made_run.url}/#/due/{branch['id']}")
    page.locator(A1).wait_for()
    assert "机关第一党支部" in page.inner_text("main .due-head")
    assert page.locator("#record-activity").count() == 1        # a bureau secretary writes
    page.goto(f"{made_run.url}/#/members/{branch['id']}")
    page.locator("table.members").wait_for()
    assert page.locator("table.members tbody tr").count() == len(branch["members"])
    assert page.problems == []

    sign_in(page, made_run, made_run.users[SECOND], screen="due")
    page.locator(".due-period").first.wait_for()
    page.goto(f"{made_run.url}/#/due/{branch['id']}")
    page.locator(".state.forbidden").wait_for()
    assert page.locator(".due-period").count() == 0 and "机关第一党支部" not in page.inner_text("main")


def test_a_viewer_sees_the_quotas_but_cannot_record(made_run, page, branch):
    sign_in(page, made_run, token(branch["id"], ("viewer",), sub="branch-viewer"))
    page.locator(A1).wait_for()
    assert page.locator(".due-period").count() == 3
    assert page.locator("#record-activity").count() == 0
    assert page.locator("#activity-form").count() == 0
    assert page.problems == []


def test_the_members_screen_lists_the_branch_members_with_their_points(made_run, page, branch):
    client = branch["client"]
    sign_in(page, made_run, made_run.users[SECRETARY], screen="members")
    names = {m["name"] for m in branch["members"]}

    def shown_as_the_platform_says():
        page.reload()
        page.locator("table.members").wait_for()
        rows = page.locator("table.members tbody tr")
        shown = {rows.nth(i).locator("td.name").inner_text():
                 rows.nth(i).locator("td.points").inner_text() for i in range(rows.count())}
        assert set(shown) == names
        totals = client.run("""query($id: ID!) { organization(id: $id) { members { name
            points(year: 2026) { total } } } }""", {"id": branch["id"]})["organization"]["members"]
        for m in totals:
            assert float(shown[m["name"]]) == pytest.approx(m["points"]["total"], abs=0.05), m
        return totals

    totals = eventually(shown_as_the_platform_says, timeout=15, interval=0.5,
                        what="the members' points as the platform has them")
    assert any(m["points"]["total"] > 0 for m in totals)
    zhang = page.locator("table.members tbody tr", has_text="张伟")   # the demo's self-study
    assert "已备案" in zhang.inner_text() and "3 条" in zhang.inner_text()
    assert "3 户" in zhang.inner_text() and "1 项" in zhang.inner_text()
    assert "学习" in zhang.locator("td.categories").inner_text()       # categories in Chinese
    assert "organisational-life" not in page.inner_text("table.members")
    assert page.locator(".appraisal").count() == 0          # the demo appraises the other branch
    assert page.problems == []

    sign_in(page, made_run, made_run.users[SECOND], screen="members")
    page.locator(".appraisal").wait_for()
    assert "民主评议" in page.inner_text(".appraisal h2")
    assert page.locator("table.members th", has_text="民主评议").count() == 1
    assert page.problems == []


@pytest.mark.parametrize("screen, key", [("due", A1), ("members", "table.members")])
def test_the_screens_fit_a_desktop_and_a_phone(made_run, page, screen, key):
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, made_run, made_run.users[SECRETARY], screen=screen)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        width = viewport["width"]
        page.set_viewport_size(viewport)
        page.reload()
        page.locator(key).wait_for()
        if screen == "due":
            page.click("#record-activity")
            page.locator("#activity-form").wait_for()
        page.screenshot(path=str(SHOTS / f"{screen}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, name
        for selector in ("h1", "#nav", "main .card"):
            box = page.locator(selector).first.bounding_box()
            assert box and box["width"] > 0 and box["x"] >= 0, (name, selector)
            assert box["x"] + box["width"] <= width + 1, (name, selector, box)
        wrap = page.locator(".table-wrap").first
        table = wrap.bounding_box()
        assert table["x"] + table["width"] <= width + 1, (name, table)
        if name == "phone":      # the table scrolls inside its wrap, the page does not
            assert wrap.evaluate("e => e.scrollWidth > e.clientWidth"
                                 " && getComputedStyle(e).overflowX === 'auto'"), screen
        if screen == "due":
            theme = page.locator(".field[data-name=theme]").bounding_box()
            day = page.locator(".field[data-name=heldOn]").bounding_box()
            if name == "phone":      # the form stacks
                assert day["y"] > theme["y"] + theme["height"] - 1 and day["x"] == theme["x"]
            else:
                assert theme["width"] < width / 2
    assert page.problems == []


def test_the_loading_page_then_the_empty_page_of_a_branch_without_members(made_run, page,
                                                                            branch):
    # a tree of its own, outside the demo bureau the other console modules look at,
    # named to sort after the demo city (the operators' console starts at the first)
    admin = Client(made_run.url, token())
    tag = uuid.uuid4().hex[:6]
    city = admin.create_org(f"龙山市{tag}", "CITY")["id"]
    bureau = admin.create_org("龙山市科学技术局", "BUREAU", city)["id"]
    committee = admin.create_org("中共龙山市科学技术局委员会", "COMMITTEE", bureau)["id"]
    empty = admin.create_org("新建党支部", "BRANCH", committee)["id"]
    sign_in(page, made_run, token(empty, ("secretary",), sub="new-secretary"), screen="due")
    page.locator(".due-period").first.wait_for()

    held, holding = [], [True]
    page.route("**/graphql", lambda route: held.append(route) if holding[0] else route.continue_())
    page.evaluate("location.hash = '#/members'")     # the platform does not answer yet
    loading = page.locator(".state.loading")
    loading.wait_for()
    assert "正在加载党员情况" in loading.inner_text()
    assert page.locator(".state.empty").count() == 0
    holding[0] = False
    for route in held:
        route.continue_()
    page.locator(".state.empty").wait_for()
    assert "本支部还没有党员" in page.inner_text("main")
    assert page.locator(".state.loading").count() == 0
    assert page.locator("table.members").count() == 0
    assert page.problems == []

    # a branch larger than one request's worth of aliased fields (the gateway
    # takes 50 in one operation): every member is listed all the same
    names = {f"党员{i:02d}" for i in range(1, 16)}
    for name in sorted(names):
        admin.register_member(name, empty)

    def listed():
        page.reload()
        page.wait_for_selector("table.members, .state.error, .state.unavailable")
        rows = page.locator("table.members td.name")
        assert set(rows.all_inner_texts()) == names, page.inner_text("main")[:300]

    eventually(listed, timeout=20, interval=0.5, what="all 15 members listed")


def test_a_party_lecture_sends_its_speaker_and_guests(made_run, page):
    """The second branch is the one the bureau secretary contacts (联系点): the
    bureau office, who sees him (a branch's own secretary does not: he belongs
    to another branch), is offered him as a guest. The request is caught before
    the platform (nothing written, the demo stays as the other modules expect
    it) and answered with a refusal naming the first guest."""
    org = Client(made_run.url, made_run.users[SECOND]).run(
        "{ organizations { id } }")["organizations"][0]["id"]
    client = Client(made_run.url, made_run.users[OFFICE])
    known = client.run("""query($id: ID!) { organization(id: $id) { members { id name }
        contacts { id name } } }""", {"id": org})["organization"]
    assert known["contacts"], "the demo's bureau secretary contacts the second branch"
    speaker, guest = known["members"][0], known["contacts"][0]
    sent = []

    def refuse(route):
        if "recordActivity" not in (route.request.post_data or ""):
            return route.continue_()
        sent.append(route.request.post_data_json["variables"]["i"])
        return route.fulfill(status=200, content_type="application/json", json={
            "data": None, "errors": [{"message": "guestIds[0]: 这位列席人员不在范围内",
                                      "extensions": {"code": "BAD_INPUT",
                                                     "field": "guestIds[0]"}}]})

    page.route("**/graphql", refuse)
    sign_in(page, made_run, made_run.users[OFFICE], screen="bureau")
    page.goto(f"{made_run.url}/#/due/{org}")
    page.click("#record-activity")
    form = page.locator("#activity-form")
    form.locator("select[name=kind]").select_option("PARTY_LECTURE")
    form.locator("input[name=theme]").fill("专题党课")
    form.locator("select[name=speakerId]").select_option(speaker["id"])
    form.locator(f"input[name=guestIds][value='{guest['id']}']").check()
    form.locator("button[type=submit]").click()
    beside = form.locator(".field-error[data-field=guestIds]")
    beside.wait_for()
    assert beside.inner_text() == "这位列席人员不在范围内"
    assert len(sent) == 1
    assert {k: sent[0][k] for k in ("orgId", "kind", "theme", "heldOn", "speakerId",
                                    "guestIds")} == {
        "orgId": org, "kind": "PARTY_LECTURE", "theme": "专题党课", "heldOn": "2026-05-20",
        "speakerId": speaker["id"], "guestIds": [guest["id"]]}
    assert {a["memberId"] for a in sent[0]["attendance"]} == {m["id"] for m in known["members"]}
    assert all(a["status"] == "PRESENT" for a in sent[0]["attendance"])
    assert page.locator("#activity-form input[name=theme]").input_value() == "专题党课"
