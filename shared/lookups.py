"""Asking another service from a service: the one way to do it (mostly the
organisation register, the organization service).

A request that is not answered expires in the broker (``expiration`` on the
proxy) and is given up here after the same time, so a look-up never runs
late; the caller gets UNAVAILABLE, which says what to do, instead of a hung
request or a broker error."""
import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy

from shared.errors import Unavailable

LOOKUP_TIMEOUT = 5  # seconds


def organization_proxy(timeout=LOOKUP_TIMEOUT):
    """A service's proxy to the register, its requests expiring after ``timeout``."""
    return RpcProxy("organization", expiration=timeout)


def ask(proxy, method, *args, timeout=LOOKUP_TIMEOUT, asked="the organisation register"):
    """``proxy.method(*args)``, or Unavailable when ``asked`` (the service
    behind the proxy) does not answer within ``timeout`` seconds (or is not
    running)."""
    try:
        with eventlet.Timeout(timeout):
            return getattr(proxy, method)(*args)
    except (UnknownService, eventlet.Timeout):
        raise Unavailable(f"{asked} is not answering; try again in a minute") from None
