"""Who is asking: the bearer token (HS256, signed with AUTH_SECRET) and what
it allows. ``scope`` is the organisation whose subtree the user may see and
change ("*" for the whole installation); ``roles`` say what they may do."""
import time
from dataclasses import dataclass

import jwt
from graphql import GraphQLError

from gateway.hygiene import unstorable
from shared.vocabulary import TOKEN_ROLES

ALL = "*"
# A subject is recorded beside what it changed (recorded_by, adjusted_by):
# one longer than this, or with a character no database keeps, could never be.
MAX_SUBJECT = 128


class Unauthenticated(Exception):
    """No usable token: HTTP 401."""


@dataclass(frozen=True)
class Principal:
    sub: str
    scope: str
    roles: frozenset

    def sees(self, path):
        """``path``: an organisation's ancestor ids, ending with its own."""
        return self.scope == ALL or self.scope in path

    @property
    def is_admin(self):
        return "admin" in self.roles

    @property
    def may_write(self):
        return bool(self.roles & {"admin", "secretary"})


def principal_from_header(header, secret):
    if not header:
        raise Unauthenticated("no Authorization header; send 'Authorization: Bearer <token>'")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(token.strip(), secret, algorithms=["HS256"],
                            options={"require": ["exp", "sub", "scope", "roles"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; sign in again") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"the token is not valid: {exc}") from None
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub or len(sub) > MAX_SUBJECT or unstorable(sub):
        raise Unauthenticated(f"the token's sub must be 1 to {MAX_SUBJECT} characters of text")
    roles = claims["roles"]
    if not isinstance(roles, list) or not all(r in TOKEN_ROLES for r in roles):
        raise Unauthenticated(f"the token's roles must be a list drawn from {TOKEN_ROLES}")
    scope = claims["scope"]
    if not isinstance(scope, str) or not scope or len(scope) > MAX_SUBJECT \
            or unstorable(scope):
        raise Unauthenticated("the token's scope must be an organisation id or '*'")
    return Principal(sub, scope, frozenset(roles))


def make_token(secret, sub, scope, roles, ttl=3600, now=None):
    now = int(now if now is not None else time.time())
    return jwt.encode({"sub": sub, "scope": scope, "roles": list(roles), "iat": now,
                       "exp": now + ttl}, secret, algorithm="HS256")


def forbidden(message):
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})
