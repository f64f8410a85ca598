"""Loading rule sets: quotas and points are data, reviewed and versioned.

A rule set is a YAML file with ``kind`` and a list of ``versions``, each with
``version`` and ``effective_from``. The file for a bureau is
``<rules dir>/<kind>/<bureau id>.yaml`` in the first rules folder that has one
(``XF_RULES_DIR`` first, then the shipped ``rules/``), else ``default.yaml``.
The version in force on a day is the newest whose ``effective_from`` is not
after it; a day before every version gets the first.

A file that is broken when it is read is rejected, and the last copy of it
that was read good (a file is named by its bureau, or ``default``) stays in
force: an operator's typo in one bureau's file changes nothing for anyone
until it is fixed. The rejection is logged once per change of the file and
shown as ``xianfeng_rule_set_errors{kind,bureau}``. Only a bureau whose file
has never been read good has no rule set (``NoValidRuleSet``); the consumers
park its events (shared/parking.py) until the file is fixed.

``RuleSetCheck``, declared on a service, keeps the good copies in the
service's database (``kept_rule_sets``), so that they outlive a restart, and
looks at the files every ``XF_RULES_CHECK_INTERVAL`` seconds.
"""
import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass

import eventlet
import yaml
from nameko.extensions import DependencyProvider
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, inspect, select

from shared import clock, config, metrics
from shared.db import Database, upsert
from shared.parking import ParkingLot

log = logging.getLogger(__name__)

CHECK_INTERVAL = float(config.env("XF_RULES_CHECK_INTERVAL", "5"))
DEFAULT = "default"


class RuleSetError(ValueError):
    """A rule set file that cannot be used; says which file and what is wrong."""


class NoValidRuleSet(RuleSetError):
    """A bureau whose rule set file has never been read good: nothing to
    apply its facts with until an operator fixes the file."""

    def __init__(self, kind, bureau_id, reason):
        super().__init__(f"bureau {bureau_id} has no valid {kind} rule set: {reason}")
        self.kind = kind
        self.bureau_id = bureau_id


@dataclass(frozen=True)
class Version:
    source: str
    version: int
    effective_from: dt.date
    body: dict


@dataclass(frozen=True)
class Kept:
    """A file's text as it was read good, and its parsed versions."""
    source: str
    digest: str
    text: str
    versions: tuple


def digest_of(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RuleSets:
    """Per-kind loader; ``parse`` turns a version's body into domain objects
    and raises ValueError with a readable message when it is wrong."""

    def __init__(self, kind, parse):
        self.kind = kind
        self.parse = parse
        self._reads = {}    # path -> (stamp of the file, Kept or RuleSetError)
        self._kept = {}     # file name -> Kept: the last copy read good
        self._broken = {}   # file name -> RuleSetError, while the file in force is broken

    def path_for(self, bureau_id):
        for folder in config.rules_dirs():
            candidate = folder / self.kind / f"{bureau_id}.yaml"
            if bureau_id and candidate.exists():
                return candidate
        for folder in config.rules_dirs():
            candidate = folder / self.kind / f"{DEFAULT}.yaml"
            if candidate.exists():
                return candidate
        raise RuleSetError(f"no {self.kind} rule set: looked in {config.rules_dirs()}")

    def versions(self, bureau_id):
        """Every version in force for ``bureau_id``: its file's, or, while that
        file is broken, those of the last copy of it read good."""
        try:
            path = self.path_for(bureau_id)
        except RuleSetError as exc:
            raise NoValidRuleSet(self.kind, bureau_id, str(exc)) from None
        name = path.stem
        outcome = self._read(path)
        if isinstance(outcome, Kept):
            self._kept[name] = outcome
            if self._broken.pop(name, None) is not None:
                log.info("the %s rule set %s is valid again and in force", self.kind, path)
                _clear_error(self.kind, name)
            return outcome.versions
        self._broken[name] = outcome
        kept = self._kept.get(name)
        if kept is None:
            raise NoValidRuleSet(self.kind, bureau_id, str(outcome))
        return kept.versions

    def for_day(self, bureau_id, day):
        """The parsed rule set in force for ``bureau_id`` on ``day``."""
        versions = self.versions(bureau_id)
        chosen = versions[0]
        for version in versions:
            if version[0].effective_from <= day:
                chosen = version
        return chosen[1]

    def has_valid(self, bureau_id):
        try:
            self.versions(bureau_id)
        except NoValidRuleSet:
            return False
        return True

    def scan(self):
        """Read every file of this kind that changed (each bureau's, and the
        default), so that a broken one is reported before an event needs it;
        returns the broken ones, ``{file name: RuleSetError}``."""
        names = set()
        for folder in config.rules_dirs():
            names.update(p.stem for p in (folder / self.kind).glob("*.yaml"))
        for name in sorted(names):
            try:
                self.versions(name)
            except NoValidRuleSet:
                pass
        return dict(self._broken)

    def kept(self):
        """``{file name: Kept}``: the copies in force while a file is broken."""
        return dict(self._kept)

    def adopt(self, name, source, text):
        """Take ``text``, a copy of the file ``name`` read good before (by an
        earlier run of the service), unless a copy has been read since.
        False if the copy no longer passes, e.g. the rules grew stricter."""
        if name in self._kept:
            return True
        try:
            versions = self._parse_text(f"{source} (kept copy)", text)
        except RuleSetError as exc:
            log.warning("the kept copy of %s %s is not used: %s", self.kind, name, exc)
            return False
        self._kept[name] = Kept(source, digest_of(text), text, versions)
        return True

    def _read(self, path):
        """The outcome of reading ``path``, read again only once it changed."""
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        cached = self._reads.get(path)
        if cached and stamp is not None and cached[0] == stamp:
            return cached[1]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            outcome = RuleSetError(f"{path}: cannot be read: {exc}")
        else:
            try:
                outcome = Kept(str(path), digest_of(text), text, self._parse_text(path, text))
            except RuleSetError as exc:
                outcome = exc
        self._reads[path] = (stamp, outcome)
        if isinstance(outcome, RuleSetError):
            self._report(path, outcome)
        return outcome

    def _report(self, path, error):
        name = path.stem
        kept = self._kept.get(name)
        if kept is not None:
            numbers = ", ".join(str(v.version) for v, _ in kept.versions)
            keeping = f"the copy read good before (versions {numbers}) stays in force"
        elif name == DEFAULT:
            keeping = "no good copy is known: bureaus without a file of their own have none"
        else:
            keeping = f"no good copy is known: bureau {name} has none until it is fixed"
        log.error("rejected the %s rule set %s (%s): %s", self.kind, path, keeping, error)
        metrics.RULE_SET_ERRORS.labels(self.kind, name).set(1)

    def _load(self, path):
        return self._parse_text(path, path.read_text(encoding="utf-8"))

    def _parse_text(self, path, text):
        try:
            doc = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError) as exc:
            # ValueError: a date-like scalar that is no day, e.g. 2017-02-30
            raise RuleSetError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(doc, dict) or doc.get("kind") != self.kind:
            raise RuleSetError(f"{path}: expected 'kind: {self.kind}' at the top")
        raw_versions = doc.get("versions")
        if not isinstance(raw_versions, list) or not raw_versions:
            raise RuleSetError(f"{path}: needs a non-empty list 'versions'")
        out = []
        for i, raw in enumerate(raw_versions):
            where = f"{path}: versions[{i}]"
            if not isinstance(raw, dict):
                raise RuleSetError(f"{where}: must be a mapping")
            number = raw.get("version")
            start = raw.get("effective_from")
            if not isinstance(number, int) or isinstance(number, bool):
                raise RuleSetError(f"{where}: 'version' must be a whole number")
            if isinstance(start, str):
                try:
                    start = dt.date.fromisoformat(start)
                except ValueError:
                    start = None
            if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
                raise RuleSetError(f"{where}: 'effective_from' must be a date YYYY-MM-DD")
            version = Version(str(path), number, start, raw)
            try:
                parsed = self.parse(version)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise RuleSetError(f"{where} (version {number}): {exc}") from None
            out.append((version, parsed))
        starts = [v.effective_from for v, _ in out]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise RuleSetError(f"{path}: versions must be in order of effective_from, one per date")
        numbers = [v.version for v, _ in out]
        if numbers != sorted(set(numbers)):
            raise RuleSetError(f"{path}: version numbers must rise with effective_from, "
                               f"each used once (found {numbers})")
        return tuple(out)


def _clear_error(kind, name):
    try:
        metrics.RULE_SET_ERRORS.remove(kind, name)
    except KeyError:
        pass


def _await_table(db, name, timeout=60):
    """Wait for ``db``'s migrations, which its own setup runs beside ours."""
    deadline = time.monotonic() + timeout
    while db.engine is None or not inspect(db.engine).has_table(name):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {db.service} database has no table {name}")
        eventlet.sleep(0.05)


def kept_rule_sets_table(metadata: MetaData):
    """The good copies of a service's rule set files, one per kind and name."""
    return Table(
        "kept_rule_sets", metadata,
        Column("kind", String(32), primary_key=True),
        Column("name", String(64), primary_key=True),   # a bureau id, or 'default'
        Column("source", Text, nullable=False),
        Column("digest", String(64), nullable=False),
        Column("text", Text, nullable=False),
        Column("kept_at", DateTime(timezone=True), nullable=False),
    )


class KeptCopies:
    """The good copies of rule set files in a service's database: read back
    as the service starts, written when a new copy has been read good."""

    def __init__(self, db):
        self.db = db
        self.table = db.tables["kept_rule_sets"]
        self._stored = {}   # (kind, name) -> digest

    def restore(self, rule_sets):
        t = self.table
        by_kind = {rs.kind: rs for rs in rule_sets}
        with self.db.connect() as conn:
            rows = conn.execute(select(t.c.kind, t.c.name, t.c.source, t.c.digest,
                                       t.c.text)).all()
        for kind, name, source, digest, text in rows:
            self._stored[(kind, name)] = digest
            if kind in by_kind:
                by_kind[kind].adopt(name, source, text)

    def save(self, rule_sets):
        """Store the copies read good since the last save; how many."""
        fresh = [(rs.kind, name, kept) for rs in rule_sets for name, kept in rs.kept().items()
                 if self._stored.get((rs.kind, name)) != kept.digest]
        if not fresh:
            return 0
        now = clock.now()
        with self.db.connect(write=True) as conn:
            upsert(conn, self.table, [
                {"kind": kind, "name": name, "source": kept.source, "digest": kept.digest,
                 "text": kept.text, "kept_at": now} for kind, name, kept in fresh],
                ["kind", "name"])
        for kind, name, kept in fresh:
            self._stored[(kind, name)] = kept.digest
        return len(fresh)


class RuleSetCheck(DependencyProvider):
    """Declared on a service with the rule sets it applies. Before the
    service takes its first message, the good copies kept in its database are
    taken back and every file is read, a broken one reported (not refused:
    one bureau's typo must not stop the service for all). Then every
    ``interval`` seconds the files that changed are read again, new good
    copies are kept, and the events parked for a bureau (shared/parking.py)
    go back to their queue once the bureau's rule sets are valid."""

    def __init__(self, *rule_sets, interval=None):
        self.rule_sets = rule_sets
        self.interval = interval
        self.copies = None
        self.parking_lot = None

    def setup(self):
        db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if db is not None and "kept_rule_sets" in db.tables:
            self.copies = KeptCopies(db)
            try:
                _await_table(db, "kept_rule_sets")
                self.copies.restore(self.rule_sets)
            except Exception:  # the database is away: the files alone, until it is back
                log.exception("cannot read the kept rule set copies of %s",
                              self.container.service_name)
        if db is not None and "parked_queues" in db.tables:
            self.parking_lot = ParkingLot(db, self.container.config["AMQP_URI"])
        for rule_sets in self.rule_sets:
            rule_sets.scan()

    def start(self):
        self.container.spawn_managed_thread(self._watch, identifier="rule-set-check")

    def get_dependency(self, worker_ctx):
        return self

    def _watch(self):
        while True:
            try:
                self.round()
            except Exception:  # the database or the broker is away: the next round
                log.exception("checking the rule sets of %s failed", self.container.service_name)
            eventlet.sleep(self.interval if self.interval is not None else CHECK_INTERVAL)

    def round(self):
        for rule_sets in self.rule_sets:
            rule_sets.scan()
        if self.copies is not None:
            self.copies.save(self.rule_sets)
        if self.parking_lot is not None:
            for queue, bureau_id in self.parking_lot.parked():
                if all(rs.has_valid(bureau_id) for rs in self.rule_sets):
                    self.parking_lot.drain(queue, bureau_id)

    def check(self):
        """Every file of these kinds valid, else RuleSetError naming the
        first broken one (for a check before a deployment)."""
        for rule_sets in self.rule_sets:
            for folder in config.rules_dirs():
                for path in sorted((folder / rule_sets.kind).glob("*.yaml")):
                    rule_sets._load(path)
