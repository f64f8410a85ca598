"""What a person's browser gets from the gateway, all of it from the
repository, nothing from the internet (a government intranet reaches no CDN):

    GET /                 the console (gateway/console/: plain ES modules, no build)
    GET /favicon.ico      its icon (an SVG)
    GET /console/{file}   its scripts and style
    GET /graphql          GraphiQL (gateway/static/graphiql.*)
    GET /static/{file}    GraphiQL's own files and the libraries under it
                          (gateway/static/vendor/, as the npm registry ships them)

The files are read once, when the gateway starts, into a table; a path not in
it is 404, so no request names a file outside these folders. Each answer
carries an ETag (a revalidation costs a 304 and no body) and a Content
Security Policy that lets a page run only this origin's scripts and talk only
to this origin: a token typed into the console goes to /graphql and nowhere
else.
"""
import hashlib
import mimetypes
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).parent
CONSOLE = HERE / "console"
STATIC = HERE / "static"

SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # the console's address never carries a token, and it says nothing of
    # where a person came from to anyone else either
    ("Referrer-Policy", "no-referrer"),
)
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".png": "image/png", ".svg": "image/svg+xml"}


class Asset(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    cache: str


def _asset(path, cache):
    body = path.read_bytes()
    content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    return Asset(body, content_type, '"%s"' % hashlib.sha256(body).hexdigest()[:32], cache)


def _table():
    table = {}
    # the console changes with the platform: asked again each time (a 304
    # when unchanged)
    for path in sorted(CONSOLE.rglob("*")):
        if path.is_file():
            table["/console/" + path.relative_to(CONSOLE).as_posix()] = _asset(path, "no-cache")
    table["/"] = table["/console/index.html"]
    # a browser asks for /favicon.ico whatever the page links to
    table["/favicon.ico"] = table["/console/favicon.svg"]
    # the vendored libraries carry their version in their names
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            cache = "public, max-age=31536000, immutable" if "vendor" in path.parts \
                else "no-cache"
            table["/static/" + path.relative_to(STATIC).as_posix()] = _asset(path, cache)
    return table


ASSETS = _table()


def serves(path):
    return path in ASSETS


def graphiql(environ, start_response):
    return _send(ASSETS["/static/graphiql.html"], environ, start_response)


def serve(path, method, environ, start_response):
    if method not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                  ("Content-Type", "text/plain; charset=utf-8")])
        return [b"use GET\n"]
    return _send(ASSETS[path], environ, start_response, head=method == "HEAD")


def _send(asset, environ, start_response, head=False):
    headers = [("ETag", asset.etag), ("Cache-Control", asset.cache), *SECURITY_HEADERS]
    if asset.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
        start_response("304 Not Modified", headers)
        return [b""]
    start_response("200 OK", [("Content-Type", asset.content_type),
                              ("Content-Length", str(len(asset.body))), *headers])
    return [b""] if head else [asset.body]
