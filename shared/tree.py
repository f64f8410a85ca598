"""Subtrees by index: the one way to ask for "this organisation and
everything below it".

Every organisation has a path, its ancestors' ids and its own from the top:
``/<city>/<bureau>/<committee>/<branch>/``. The subtree of X is every row
whose path starts with X's path: a prefix ``LIKE`` with no leading wildcard,
which a B-tree index serves when it is built for it:

- PostgreSQL: ``CREATE INDEX ... (path text_pattern_ops)`` (the default
  operator class follows the database's collation and cannot serve LIKE);
- SQLite: ``CREATE INDEX ... (path COLLATE NOCASE)`` (SQLite's LIKE is
  case-insensitive, so only a NOCASE index serves it; ids are lower-case hex,
  so ignoring case changes no answer).

``path_index`` creates such an index inside an Alembic migration, and
``under`` is the filter. Ids are checked to hold no LIKE wildcard, so a prefix
can never match more than its subtree.
"""
import re

_SAFE_PATH = re.compile(r"^/([0-9A-Za-z-]+/)*$")


def path_of(ids):
    """The stored path of an organisation from its ancestors' ids and its own."""
    return "/" + "".join(f"{i}/" for i in ids)


def ids_of(path):
    """The ids of a stored path, top first (``path_of``'s inverse)."""
    return tuple(filter(None, path.split("/")))


def remembered(convert):
    """``convert`` (``ids_of`` or ``path_of``) remembering what it gave, for
    one pass over many rows that share paths (a city's 336,000 quota results
    lie in 2,000 branches); the memory goes with the pass."""
    memory = {}

    def once(value):
        found = memory.get(value)
        if found is None:
            found = memory[value] = convert(value)
        return found
    return once


def under(column, path):
    """``column`` (a path column) lies at or below ``path``."""
    if isinstance(path, (list, tuple)):
        path = path_of(path)
    if not _SAFE_PATH.match(path or ""):
        raise ValueError(f"not an organisation path: {path!r}")
    return column.like(path + "%")


def path_index(op, name, table, column="path", *more_columns):
    """Create, in a migration, an index on ``column`` (then ``more_columns``)
    that serves ``under`` on the connection's backend."""
    dialect = op.get_bind().dialect.name
    rest = "".join(f", {c}" for c in more_columns)
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX {name} ON {table} ({column} text_pattern_ops{rest})")
    else:
        op.execute(f"CREATE INDEX {name} ON {table} ({column} COLLATE NOCASE{rest})")
