"""The console (gateway/console/) in Debian's Chromium, against the platform
started as `make run` starts it (tests/e2e/conftest.py: made_run, chromium)."""
import time

import requests

from tests.e2e.conftest import token


def sign_in(page, made_run, who):
    page.goto(made_run.url + "/")
    page.fill("#token", made_run.users[who])
    page.click("#signin button[type=submit]")


def test_make_run_prints_a_token_for_each_kind_of_console_user(made_run):
    assert any(w.endswith("书记") and "党支部" in w for w in made_run.users)
    assert {"市委组织部（全市，管理员）", "局机关党委办公室（本局，书记）",
            "局领导（本局，只读）"} <= set(made_run.users)
    assert f"the console, in Chinese, is at {made_run.url}/" in made_run.output


def test_the_console_and_graphiql_load_nothing_from_outside(made_run, page):
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(made_run.url + "/graphql")
    page.wait_for_selector(".graphiql-container")
    page.goto(made_run.url + "/")
    page.wait_for_selector("#signin")
    assert asked and all(u.startswith(made_run.url + "/") for u in asked), asked
    assert f"{made_run.url}/static/vendor/graphiql-3.9.0.min.js" in asked


def test_a_branch_secretary_signs_in_and_is_offered_the_branch_screens(made_run, page):
    who = next(w for w in made_run.users if w.startswith("机关第一党支部"))
    sign_in(page, made_run, who)
    page.wait_for_selector("#nav a[data-screen=due]")
    assert "token" not in page.url and made_run.users[who] not in page.url
    assert page.locator("#nav a").all_inner_texts() == ["待办指标", "党员情况"]
    assert page.problems == []


def test_a_bad_token_is_refused_on_the_sign_in_page(made_run, page):
    page.goto(made_run.url + "/")
    page.fill("#token", "not-a-token")
    page.click("#signin button[type=submit]")
    assert "不是平台签发的令牌" in page.inner_text("#signin .form-error")


def test_the_console_files_carry_a_policy_that_allows_only_this_origin(made_run):
    answer = requests.get(made_run.url + "/", timeout=10)
    assert answer.status_code == 200 and "先锋" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    again = requests.get(made_run.url + "/", headers={"If-None-Match": answer.headers["ETag"]},
                         timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert requests.get(made_run.url + "/console/../config.yaml", timeout=10).status_code == 404
    assert requests.post(made_run.url + "/console/app.js", timeout=10).status_code == 405


def test_a_token_signed_by_someone_else_is_refused_beside_the_token_it_keeps(made_run, page):
    forged = token("*", ["admin"]) + "x"   # the signature no longer matches
    page.goto(made_run.url + "/")
    page.fill("#token", forged)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signin .form-error:has-text('令牌无效或已过期')")
    assert page.input_value("#token") == forged
    assert page.locator("#nav a").count() == 0


def test_a_token_that_expires_while_in_use_brings_back_the_sign_in_page(made_run, page):
    ids = {o["name"]: o["id"] for o in requests.post(
        made_run.url + "/graphql", json={"query": "{ organizations { id name } }"},
        headers={"Authorization": f"Bearer {made_run.users['局机关党委办公室（本局，书记）']}"},
        timeout=10).json()["data"]["organizations"]}
    bureau = ids["淄博市科学技术局"]
    short = token(bureau, ["secretary"], ttl=3)
    page.goto(made_run.url + "/")
    page.fill("#token", short)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#nav a[data-screen=bureau]")
    time.sleep(4)
    page.click("#nav a[data-screen=city]")   # its first request is refused: 401
    page.wait_for_selector("#signin .form-error:has-text('令牌无效或已过期')")
    assert page.locator("#nav a").count() == 0
    assert page.evaluate("sessionStorage.getItem('xf.token')") is None
