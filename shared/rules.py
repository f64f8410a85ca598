"""Loading rule sets: quotas and points are data, reviewed and versioned.

A rule set is a YAML file with ``kind`` and a list of ``versions``, each with
``version`` and ``effective_from``. The file for a bureau is
``<rules dir>/<kind>/<bureau id>.yaml`` in the first rules folder that has one
(``XF_RULES_DIR`` first, then the shipped ``rules/``), else ``default.yaml``.
The version in force on a day is the newest whose ``effective_from`` is not
after it; a day before every version gets the first.
"""
import datetime as dt
import os
from dataclasses import dataclass

import yaml
from nameko.extensions import DependencyProvider

from shared import config


class RuleSetError(ValueError):
    """A rule set file that cannot be used; says which file and what is wrong."""


@dataclass(frozen=True)
class Version:
    source: str
    version: int
    effective_from: dt.date
    body: dict


class RuleSets:
    """Per-kind loader; ``parse`` turns a version's body into domain objects
    and raises ValueError with a readable message when it is wrong."""

    def __init__(self, kind, parse):
        self.kind = kind
        self.parse = parse
        self._cache = {}

    def path_for(self, bureau_id):
        for folder in config.rules_dirs():
            candidate = folder / self.kind / f"{bureau_id}.yaml"
            if bureau_id and candidate.exists():
                return candidate
        for folder in config.rules_dirs():
            candidate = folder / self.kind / "default.yaml"
            if candidate.exists():
                return candidate
        raise RuleSetError(f"no {self.kind} rule set: looked in {config.rules_dirs()}")

    def versions(self, bureau_id):
        path = self.path_for(bureau_id)
        mtime = os.stat(path).st_mtime_ns
        cached = self._cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        versions = self._load(path)
        self._cache[path] = (mtime, versions)
        return versions

    def for_day(self, bureau_id, day):
        """The parsed rule set in force for ``bureau_id`` on ``day``."""
        versions = self.versions(bureau_id)
        chosen = versions[0]
        for version in versions:
            if version[0].effective_from <= day:
                chosen = version
        return chosen[1]

    def _load(self, path):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
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
            if not isinstance(number, int):
                raise RuleSetError(f"{where}: 'version' must be a whole number")
            if isinstance(start, str):
                try:
                    start = dt.date.fromisoformat(start)
                except ValueError:
                    start = None
            if not isinstance(start, dt.date):
                raise RuleSetError(f"{where}: 'effective_from' must be a date YYYY-MM-DD")
            version = Version(str(path), number, start, raw)
            try:
                parsed = self.parse(version)
            except (ValueError, KeyError, TypeError) as exc:
                raise RuleSetError(f"{where} (version {number}): {exc}") from None
            out.append((version, parsed))
        starts = [v.effective_from for v, _ in out]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise RuleSetError(f"{path}: versions must be in order of effective_from, one per date")
        numbers = [v.version for v, _ in out]
        if numbers != sorted(set(numbers)):
            raise RuleSetError(f"{path}: version numbers must rise with effective_from, "
                               f"each used once (found {numbers})")
        return out


class RuleSetCheck(DependencyProvider):
    """Declared on a service so that it refuses to start on a broken rule set,
    saying which file and what is wrong, rather than failing on each event."""

    def __init__(self, *rule_sets):
        self.rule_sets = rule_sets

    def setup(self):
        self.check()

    def get_dependency(self, worker_ctx):
        return self

    def check(self):
        for rule_sets in self.rule_sets:
            for folder in config.rules_dirs():
                for path in sorted((folder / rule_sets.kind).glob("*.yaml")):
                    rule_sets._load(path)
