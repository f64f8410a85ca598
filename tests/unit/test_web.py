"""What the gateway gives a browser (gateway/web.py): the console and
GraphiQL from the repository, nothing else, with caching and a policy."""
import re

import pytest

from gateway import web


class Started:
    def __call__(self, status, headers, exc_info=None):
        self.status, self.headers = status, dict(headers)


def get(path, method="GET", **environ):
    started = Started()
    body = b"".join(web.serve(path, method, environ, started))
    return started, body


def test_the_console_is_served_at_the_root_and_under_console():
    started, body = get("/")
    assert started.status == "200 OK"
    assert started.headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (web.CONSOLE / "index.html").read_bytes()
    assert get("/console/app.js")[0].headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_every_page_the_console_names_is_served():
    """Each script and stylesheet index.html, app.js and the screens import
    is in the table: a missing one would be a blank page, not an error."""
    named = set()
    for path in web.CONSOLE.rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'(?:src|href)="(/(?:console|static)/[^"]+)"', text))
        for relative in re.findall(r'from "(\.{1,2}/[^"]+)"', text):
            target = (path.parent / relative).resolve().relative_to(web.CONSOLE.resolve())
            named.add("/console/" + target.as_posix())
    assert "/console/screens/due.js" in named and "/console/app.js" in named
    assert sorted(p for p in named if not web.serves(p)) == []


def test_graphiql_comes_from_the_repository_not_a_cdn():
    started = Started()
    page = b"".join(web.graphiql({}, started)).decode()
    assert "unpkg" not in page and "https://" not in page
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert web.serves(asset), asset


def test_no_path_outside_the_folders_is_served():
    for path in ("/console/../app.py", "/console/", "/static/../web.py", "/app.py",
                 "/console/app.js/", "GRAPHIQL", "/static/vendor/"):
        assert not web.serves(path), path


@pytest.mark.parametrize("path", ["/", "/console/api.js", "/static/graphiql.js"])
def test_every_answer_carries_the_same_origin_policy(path):
    headers = get(path)[0].headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "'unsafe-eval'" not in policy and "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_an_unchanged_file_is_a_304_with_no_body():
    first, _ = get("/console/app.js")
    again, body = get("/console/app.js", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status == "304 Not Modified" and body == b""
    other, body = get("/console/app.js", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status == "200 OK" and body


def test_the_console_is_asked_again_and_the_versioned_libraries_are_kept():
    assert get("/console/app.js")[0].headers["Cache-Control"] == "no-cache"
    vendor = [p for p in web.ASSETS if p.startswith("/static/vendor/") and p.endswith(".js")]
    assert vendor and all("immutable" in web.ASSETS[p].cache for p in vendor)
    assert all(re.search(r"-\d+\.\d+\.\d+\.", p) for p in vendor)  # the version is in the name


def test_head_has_no_body_and_other_methods_are_refused():
    started, body = get("/", method="HEAD")
    assert started.status == "200 OK" and body == b""
    assert int(started.headers["Content-Length"]) > 0
    started, _ = get("/", method="POST")
    assert started.status.startswith("405") and started.headers["Allow"] == "GET, HEAD"
