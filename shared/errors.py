"""The one error hierarchy of the platform.

Every service raises these; nameko serialises them over RPC and, because they
are registered with nameko's exception registry, the gateway receives the same
classes back and maps each to a GraphQL ``extensions.code``.
"""
from nameko.exceptions import deserialize_to_instance


class XianfengError(Exception):
    """An error a person can act on: ``message`` says what was wrong and what
    is allowed; ``field`` names the input that was wrong, when there is one."""

    code = "INTERNAL"

    def __init__(self, message, field=None):
        super().__init__(message, field)
        self.message = message
        self.field = field

    def __str__(self):
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


def listing(items, limit=10):
    """``items`` for a message: the first ``limit`` of them, then how many
    more, so that a list of 30,000 bad lines is not echoed back whole."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit:,} more"


class BadInput(XianfengError):
    code = "BAD_INPUT"


class NotFound(XianfengError):
    code = "NOT_FOUND"


class Forbidden(XianfengError):
    code = "FORBIDDEN"


class Conflict(XianfengError):
    code = "CONFLICT"


class Unavailable(XianfengError):
    code = "UNAVAILABLE"


class PoisonMessage(Exception):
    """A message that can never be handled (malformed, unknown type or schema
    version). It is dead-lettered instead of retried."""


ALL_ERRORS = (BadInput, NotFound, Forbidden, Conflict, Unavailable)

for _cls in ALL_ERRORS:
    deserialize_to_instance(_cls)
