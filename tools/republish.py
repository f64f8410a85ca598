"""Rebuild the read models other services keep of a bureau: the organisation
service tells again every organisation of the bureau's subtree and every
member who belongs or belonged to it, as they are now (new events, through
its outbox). A consumer that holds a fact already changes nothing, so it is
safe to run at any time, as often as needed.

    python -m tools.republish --bureau ID      # any organisation: a bureau, the city

The broker is ``AMQP_URI`` (as for the services), or ``--amqp``.
"""
import argparse
import sys

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

import shared.errors  # noqa: F401  (registers the error classes for deserialising)
from shared import config
from shared.errors import XianfengError

# Queuing a city's 62,000 facts takes a while on a busy database.
TIMEOUT = 600


def republish(amqp_uri, bureau_id, timeout=TIMEOUT):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"},
                         timeout=timeout) as rpc:
        return rpc.organization.republish(bureau_id)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.republish",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--bureau", required=True, metavar="ID",
                        help="the organisation whose subtree is told again")
    parser.add_argument("--amqp", default=config.amqp_uri(), help="the broker's URI")
    args = parser.parse_args(argv)
    try:
        told = republish(args.amqp, args.bureau)
    except XianfengError as exc:
        print(f"{exc.code}: {exc}", file=sys.stderr)
        return 2
    except (UnknownService, RpcTimeout, RemoteError, OSError) as exc:
        print(f"the organisation service did not answer: {exc}", file=sys.stderr)
        return 1
    print(f"queued for {args.bureau}: {_count(told['organizations'], 'organisation')}, "
          f"{_count(told['members'], 'member')}, {_count(told['transfers'], 'transfer')}")
    return 0


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


if __name__ == "__main__":
    sys.exit(main())
