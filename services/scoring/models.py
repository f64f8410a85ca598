"""The scoring service's tables: the append-only points ledger (P1), a row
per member and year that postings lock, so caps hold across replicas, the
running totals that postings keep under that lock; the manual adjustments'
audit trail, dues and dual records; the democratic appraisals (P4) and the
party-spirit check-ups (P5)."""
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Index, Integer, MetaData,
                        Numeric, PrimaryKeyConstraint, String, Table, Text,
                        UniqueConstraint, func)

from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables
from shared.parking import parked_queues_table
from shared.rules import kept_rule_sets_table

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
kept_rule_sets = kept_rule_sets_table(metadata)
parked_queues = parked_queues_table(metadata)

point_entries = Table(
    "point_entries", metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("rule", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("points", Numeric(8, 2), nullable=False),
    Column("source_event", String(64), nullable=True),  # null: a manual adjustment
    Column("occurred_on", Date, nullable=False),
    Column("reason", Text, nullable=True),
    Column("posted_by", String(128), nullable=True),
    Column("rule_set_version", Integer, nullable=True),
    Column("posted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # 四个合格: the rule's dimension (entries posted before dimensions: the
    # default of their category, filled by the migration)
    Column("dimension", String(16), nullable=True),
    UniqueConstraint("source_event", "member_id", "rule", name="uq_entry_per_event"),
    Index("ix_point_entries_member_year", "member_id", "year"),
)

member_years = Table(
    "member_years", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
)

# What the ledger sums to per member and year, by rule, by category and for the
# whole year (services/scoring/domain/totals.py); written with each posting.
member_year_totals = Table(
    "member_year_totals", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("scope", String(16), primary_key=True),   # rule, category, dimension or year
    # the rule's key, the category, the dimension, '' for the year
    Column("name", String(64), primary_key=True),
    Column("earned", Numeric(12, 2), nullable=False),  # positive postings: what caps count
    Column("net", Numeric(12, 2), nullable=False),     # every posting
    # on SQLite, kept in key order: a member's totals share a page or two
    sqlite_with_rowid=False,
)

# The commands carried out (a day; shared/idempotency.py): adjustments, dues,
# appraisals and check-ups.
idempotency_keys = idempotency_table(metadata)

# -- the party-spirit check-up (党性教育体检) ------------------------------------------

def _checkup_columns(index_bureau=False):
    """What a check-up holds, beside its member and year; in checkups and,
    unchanged, in checkup_history. scores: [{"indicator", "score"}] in the
    rule set's order; by_dimension: [{"dimension", "score"}] of the
    dimensions with a positive indicator."""
    return [
        Column("bureau_id", String(32), nullable=False, index=index_bureau),
        Column("branch_id", String(32), nullable=False),
        Column("post_type", String(32), nullable=False),
        Column("scores", JSON, nullable=False),
        Column("total", Numeric(9, 4), nullable=False),
        Column("health", String(16), nullable=False),
        Column("by_dimension", JSON, nullable=False),
        Column("rule_set_version", Integer, nullable=False),
        Column("recorded_on", Date, nullable=False),
        Column("recorded_by", String(128), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
    ]


# A member's check-up for a year: one row; a later check-up of the same member
# and year replaces it, and the replaced one is kept in checkup_history.
checkups = Table(
    "checkups", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    *_checkup_columns(index_bureau=True),
)

# Every check-up a later one replaced, as it stood, with when and by whom it
# was replaced: never updated, never deleted.
checkup_history = Table(
    "checkup_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    *_checkup_columns(),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Column("replaced_by", String(128), nullable=False),
    Index("ix_checkup_history_member_year", "member_id", "year"),
)

# -- democratic appraisal (民主评议党员, services/scoring/domain/appraisal.py) ---------

# One per branch and year; FINALIZED freezes it (reported to the bureau).
appraisals = Table(
    "appraisals", metadata,
    Column("id", String(32), primary_key=True),
    Column("branch_id", String(32), nullable=False),
    Column("branch_path", Text, nullable=False),   # shared/tree.py: who may see it
    Column("bureau_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("state", String(16), nullable=False),   # OPEN or FINALIZED
    Column("opened_by", String(128), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    # moved with each score, so that a score and the finalizing take turns
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finalized_by", String(128), nullable=True),
    Column("finalized_on", Date, nullable=True),   # the platform's day: members as of then
    Column("rule_set_version", Integer, nullable=True),
    UniqueConstraint("branch_id", "year", name="uq_appraisal_per_branch_year"),
)

# A score given: rater_key makes one per SELF/PEER rater and part, one ORG per
# member, and each anonymous PUBLIC score its own (domain.appraisal.rater_key).
appraisal_scores = Table(
    "appraisal_scores", metadata,
    Column("id", String(32), primary_key=True),
    Column("appraisal_id", String(32), nullable=False),
    Column("member_id", String(32), nullable=False),
    Column("part", String(8), nullable=False),
    Column("rater_id", String(32), nullable=True),
    Column("rater_key", String(32), nullable=False),
    Column("score", Numeric(5, 2), nullable=False),
    Column("scored_by", String(128), nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("appraisal_id", "member_id", "part", "rater_key",
                     name="uq_appraisal_score_per_rater"),
)

# A finalized appraisal's results, frozen: read back as they were stored.
appraisal_results = Table(
    "appraisal_results", metadata,
    Column("appraisal_id", String(32), primary_key=True),
    Column("member_id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),   # best first
    Column("name", Text, nullable=False),
    Column("points", Numeric(12, 2), nullable=False),
    Column("score", Numeric(5, 2), nullable=False),
    Column("grade", String(32), nullable=True),
    Column("needs_review", Boolean, nullable=False),
    Column("parts", JSON, nullable=False),         # [{"part", "score", "raters"}]
)

# -- manual adjustments, dues and dual records (ledger) ------------------------------

# 手工调整: every manual adjustment, who made it, when, and the request that
# made it. Append-only: no API edits it, and a trigger (the migration
# 5c0d1e2a3b47) refuses UPDATE and DELETE on either backend.
adjustment_audit = Table(
    "adjustment_audit", metadata,
    Column("entry_id", String(32), primary_key=True),  # the ledger entry it posted
    Column("member_id", String(32), nullable=False, index=True),
    Column("bureau_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("points", Numeric(8, 2), nullable=False),
    Column("category", String(64), nullable=False),
    Column("dimension", String(16), nullable=True),
    Column("reason", Text, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("adjusted_by", String(128), nullable=False),
    Column("adjusted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("request", JSON, nullable=False),  # the command as received, and its key
)

# 缴纳党费: one row per member and month; the key makes a second one a conflict
dues_payments = Table(
    "dues_payments", metadata,
    Column("member_id", String(32), nullable=False),
    Column("month", String(7), nullable=False),  # "2017-06"
    Column("year", Integer, nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("entry_id", String(32), nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("member_id", "month", name="pk_dues_payments"),
)

# 双记实: what each member's year counts (services/scoring/domain/dual_records.py)
dual_record_counts = Table(
    "dual_record_counts", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("counter", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# 联系点: the branches each member contacts, from contact_branch_assigned
contact_branches = Table(
    "contact_branches", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("branch_id", String(32), primary_key=True),
    Column("branch_path", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
)
