"""Dead letters: the events a consumer could never apply, set aside in the
``dlq.<queue>`` beside its queue with the reason why (shared/consumer.py).
Once the cause is fixed (a build that handles the event, a corrected rule
set) an operator puts them back where they came from.

    python -m tools.dlq list                          # every dead-letter queue, and how many wait
    python -m tools.dlq show QUEUE                    # each: event type, id, reason
    python -m tools.dlq replay QUEUE --id ID [--id ID ...]
    python -m tools.dlq replay QUEUE --all

QUEUE is a dead-letter queue (``dlq.evt-...``) or the consumer's queue it
belongs to. A replayed message goes to the one queue it came from (through
the default exchange, by the queue's name): sent again through its events
exchange it would reach every other consumer of that event too. Each is
confirmed by the broker before it leaves the dead-letter queue, so a replay
cut short loses nothing, and a consumer ignores an event it has applied. The
broker is ``AMQP_URI`` (as for the services), or ``--amqp``.
"""
import argparse
import hashlib
import json
import sys
from dataclasses import dataclass

from kombu import Connection, Producer, Queue

from shared import config, topology
from shared.consumer import EXCHANGE_HEADER, QUEUE_HEADER, REASON_HEADER, ROUTING_KEY_HEADER
from shared.errors import listing

REPLAYS_HEADER = "x-xianfeng-replays"
# what the dead-lettering added; a replayed message starts afresh
_DEAD_LETTER_HEADERS = (REASON_HEADER, QUEUE_HEADER, EXCHANGE_HEADER, ROUTING_KEY_HEADER,
                        "x-death", "x-first-death-exchange", "x-first-death-queue",
                        "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                        "x-last-death-reason")


class DeadLetterError(Exception):
    """A request the tool cannot carry out; says what was asked and what exists."""


@dataclass
class DeadLetter:
    message: object  # the kombu message, unacknowledged
    event_type: str
    event_id: str
    reason: str
    origin: str  # the queue it was set aside from
    exchange: str
    routing_key: str


def dead_letter_queues():
    """Every consumer's dead-letter queue, from the topology."""
    return [c.dead_letter_queue for c in topology.consumers()]


def resolve(name):
    """The dead-letter queue meant by ``name`` (it, or its consumer's queue)."""
    known = dead_letter_queues()
    for candidate in (name, topology.DEAD_LETTER_PREFIX + name):
        if candidate in known:
            return candidate
    raise DeadLetterError(f"{name!r} is not a dead-letter queue or a consumer's queue; "
                          "the dead-letter queues are: " + ", ".join(known))


def depth(connection, queue):
    """Messages waiting in ``queue``, or None if it does not exist."""
    channel = connection.channel()
    try:
        return channel.queue_declare(queue, passive=True).message_count
    except connection.channel_errors:
        return None
    finally:
        try:
            channel.close()
        except Exception:
            pass


def list_queues(connection):
    """``[(dead-letter queue, messages waiting or None if absent)]``."""
    return [(q, depth(connection, q)) for q in dead_letter_queues()]


def describe(message, dlq):
    """A fetched message as a ``DeadLetter``: what it is and why it was set aside."""
    headers = message.headers or {}
    deaths = headers.get("x-death") or []
    origin = headers.get(QUEUE_HEADER) or (deaths[0].get("queue") if deaths else None) \
        or dlq[len(topology.DEAD_LETTER_PREFIX):]
    reason = headers.get(REASON_HEADER)
    if reason is None:
        reason = (f"{deaths[0].get('reason', 'rejected')} by {origin} (no reason recorded)"
                  if deaths else "no reason recorded")
    raw = message.body or b""
    raw = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    event_type, event_id = "?", None
    try:
        body = json.loads(raw)
    except (TypeError, ValueError):
        body = None
    if isinstance(body, dict):
        event_type = str(body.get("type", "?"))
        event_id = body.get("id") if isinstance(body.get("id"), str) else None
    event_id = event_id or headers.get("xianfeng.event_id") or \
        "sha1:" + hashlib.sha1(raw).hexdigest()[:12]
    exchange = headers.get(EXCHANGE_HEADER) or (deaths[0].get("exchange") if deaths else "")
    routing_key = headers.get(ROUTING_KEY_HEADER) or \
        ((deaths[0].get("routing-keys") or [""])[0] if deaths else "")
    return DeadLetter(message, event_type, event_id, reason, origin, exchange, routing_key)


def fetch(channel, dlq):
    """Every message waiting in ``dlq``, unacknowledged: they go back when
    the channel closes, unless acked."""
    bound = Queue(dlq, no_declare=True)(channel)
    out = []
    while True:
        message = bound.get(no_ack=False)
        if message is None:
            return out
        out.append(describe(message, dlq))


def show(connection, name):
    dlq = resolve(name)
    channel = connection.channel()
    try:
        return fetch(channel, dlq)
    finally:
        channel.close()  # nothing acked: every message stays


def replay(connection, name, ids=None):
    """Put back the messages of ``ids`` (every one if None) into the queue
    each came from; return the ones put back. An id not waiting there is a
    DeadLetterError, and then nothing is put back."""
    dlq = resolve(name)
    topology.declare(connection)  # the queues they go back to
    channel, out = connection.channel(), connection.channel()
    try:
        letters = fetch(channel, dlq)
        if ids is not None:
            waiting = {letter.event_id for letter in letters}
            missing = [i for i in ids if i not in waiting]
            if missing:
                raise DeadLetterError(
                    f"no message with id {listing(missing)} waits in {dlq}; "
                    f"{len(letters)} wait there"
                    + (": " + listing(sorted(waiting)) if waiting else ""))
            letters = [letter for letter in letters if letter.event_id in set(ids)]
        producer = Producer(out)
        for letter in letters:
            message = letter.message
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in _DEAD_LETTER_HEADERS}
            headers[REPLAYS_HEADER] = int(headers.get(REPLAYS_HEADER, 0)) + 1
            producer.publish(message.body, exchange="", routing_key=letter.origin,
                             headers=headers, delivery_mode=2,
                             content_type=message.content_type or "application/octet-stream",
                             content_encoding=message.content_encoding or "binary")
            message.ack()  # only once the broker has confirmed the copy
        return letters
    finally:
        out.close()
        channel.close()  # what was not put back stays, in its order


def connect(uri):
    # every publish waits for the broker's confirm
    return Connection(uri, transport_options={"confirm_publish": True})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.dlq",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--amqp", default=config.amqp_uri(), help="the broker's URI")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every dead-letter queue and how many messages wait in it")
    show_parser = sub.add_parser("show", help="the messages of a dead-letter queue")
    show_parser.add_argument("queue")
    replay_parser = sub.add_parser("replay", help="put messages back where they came from")
    replay_parser.add_argument("queue")
    which = replay_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="ids", metavar="ID",
                       help="an event id as `show` prints it (repeatable)")
    which.add_argument("--all", action="store_true", help="every message of the queue")
    args = parser.parse_args(argv)
    try:
        with connect(args.amqp) as connection:
            connection.ensure_connection(max_retries=3)
            if args.command == "list":
                for queue, count in list_queues(connection):
                    print(f"{queue} {'-' if count is None else count}")
            elif args.command == "show":
                letters = show(connection, args.queue)
                print(f"{resolve(args.queue)}: {len(letters)} messages")
                for letter in letters:
                    print(f"{letter.event_type} {letter.event_id} from {letter.origin} "
                          f"({letter.exchange or '-'} / {letter.routing_key or '-'})")
                    print(f"    reason: {letter.reason}")
            else:
                letters = replay(connection, args.queue, None if args.all else args.ids)
                for letter in letters:
                    print(f"replayed {letter.event_type} {letter.event_id} to {letter.origin}")
                print(f"{len(letters)} replayed")
    except DeadLetterError as exc:
        print(f"BAD_INPUT: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"the broker did not answer: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
