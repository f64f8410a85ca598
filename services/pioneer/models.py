"""The pioneer programme's tables (时代先锋, V1-V4): the titles from their
nomination on, the committees' annual reviews with their ratings (anonymous
counts) and frozen results, and the mentoring pairs (帮带). The talent pool
(党务人才库) has no table: it is the titles in force."""
from sqlalchemy import (Column, Date, DateTime, Index, Integer, MetaData, Numeric, String,
                        Table, Text, text)

from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables
from shared.rules import kept_rule_sets_table

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
kept_rule_sets = kept_rule_sets_table(metadata)
idempotency_keys = idempotency_table(metadata)

# A title from its nomination: NOMINATED, then SELECTED or REJECTED, then
# perhaps RECTIFYING and WITHDRAWN (domain/lifecycle.py). One holder holds one
# title of a category a year, and a post or unit named without a holder is
# nominated once a year in its organisation (two partial unique indexes).
pioneers = Table(
    "pioneers", metadata,
    Column("id", String(32), primary_key=True),
    Column("category", String(16), nullable=False),     # INDIVIDUAL, POST or UNIT
    Column("name", Text, nullable=False),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),           # shared/tree.py
    Column("committee_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("holder_id", String(32), nullable=True),
    Column("citation", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("selected_on", Date, nullable=True),
    Column("rectify_by", Date, nullable=True),
    Column("nominated_by", String(128), nullable=False),
    Column("nominated_at", DateTime(timezone=True), nullable=False),
    Index("uq_pioneer_holder_category_year", "holder_id", "category", "year", unique=True,
          sqlite_where=text("holder_id IS NOT NULL"),
          postgresql_where=text("holder_id IS NOT NULL")),
    Index("uq_pioneer_unheld_org_name_year", "org_id", "name", "category", "year",
          unique=True, sqlite_where=text("holder_id IS NULL"),
          postgresql_where=text("holder_id IS NULL")),
    # the withdrawal sweep reads only what is due
    Index("ix_pioneers_state_rectify_by", "state", "rectify_by"),
    Index("ix_pioneers_holder_state", "holder_id", "state"),
    # ix_pioneers_org_path_year (org_path, year): made by path_index in the migration
)

# A committee's review of a year; open while closed_on is null. One open per
# committee and year (a partial unique index); a closed one may be followed
# by another (the re-review).
reviews = Table(
    "pioneer_reviews", metadata,
    Column("id", String(32), primary_key=True),
    Column("committee_id", String(32), nullable=False),
    Column("committee_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("opened_by", String(128), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    # moved by each rating while open, so that a rating and the closing take turns
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closed_by", String(128), nullable=True),
    Column("rule_set_version", Integer, nullable=True),
    Index("uq_pioneer_review_open", "committee_id", "year", unique=True,
          sqlite_where=text("closed_on IS NULL"), postgresql_where=text("closed_on IS NULL")),
    Index("ix_pioneer_reviews_committee_year", "committee_id", "year"),
)

# The ratings given, as counts per review, pioneer, kind of rater and rating.
ratings = Table(
    "pioneer_ratings", metadata,
    Column("review_id", String(32), primary_key=True),
    Column("pioneer_id", String(32), primary_key=True, index=True),
    Column("rater_kind", String(16), primary_key=True),
    Column("rating", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
)

# A closed review's results, frozen on its closing day, with what the
# closing did to the title (from_state -> to_state).
results = Table(
    "pioneer_review_results", metadata,
    Column("review_id", String(32), primary_key=True),
    Column("pioneer_id", String(32), primary_key=True, index=True),
    Column("year", Integer, nullable=False),
    Column("ratings", Integer, nullable=False),
    Column("average_or_worse", Integer, nullable=False),
    Column("share", Numeric(6, 5), nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
)

# 帮带: in force while ended_on is null; a withdrawn mentor's pairs end that day.
mentoring_pairs = Table(
    "mentoring_pairs", metadata,
    Column("id", String(32), primary_key=True),
    Column("mentor_id", String(32), nullable=False),
    Column("mentee_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("pioneer_id", String(32), nullable=False),    # the mentor's SELECTED title
    Column("mentor_org_path", Text, nullable=False),     # where that title sits
    Column("mentee_branch_path", Text, nullable=False),  # the mentee's branch when paired
    Column("since", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("paired_by", String(128), nullable=False),
    Index("uq_mentoring_pair_in_force", "mentor_id", "mentee_id", unique=True,
          sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),
    # ix_mentoring_pairs_mentor_org_path, ix_mentoring_pairs_mentee_branch_path:
    # made by path_index in the migration
)
