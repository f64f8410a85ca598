"""The plan a database makes for a statement, with its parameters bound as
the service binds them: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL.
Tests read it to show that an index serves a read."""
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement):
        self.statement = statement


@compiles(Explain, "sqlite")
def _explain_sqlite(element, compiler, **kw):
    return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)


@compiles(Explain, "postgresql")
def _explain_pg(element, compiler, **kw):
    return "EXPLAIN " + compiler.process(element.statement, **kw)


def explain(conn, statement):
    """The plan of ``statement`` as text, a line per step."""
    rows = conn.execute(Explain(statement)).all()
    if conn.dialect.name == "sqlite":
        return "\n".join(str(row[-1]) for row in rows)
    return "\n".join(str(row[0]) for row in rows)
