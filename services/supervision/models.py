"""The supervision service's tables: its read model of the organisation
tree, of members and of activities; the quota state kept as facts arrive;
closed quotas; supervision items (督办); the pioneer titles withdrawn; and
the yearly thought surveys."""
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, false, func)

from services.supervision.domain.survey import CHOICES
from shared.idempotency import idempotency_table
from shared.outbox import messaging_tables
from shared.parking import parked_queues_table
from shared.read_models import tree_tables
from shared.rules import kept_rule_sets_table

metadata = MetaData()
outbox, processed_events = messaging_tables(metadata)
kept_rule_sets = kept_rule_sets_table(metadata)
parked_queues = parked_queues_table(metadata)
idempotency_keys = idempotency_table(metadata)  # the commands carried out (a day)

# shared/read_models.py, with the names, parents, days of creation and roles
orgs, members = tree_tables(
    metadata,
    org_columns=[Column("name", String(100), nullable=False),
                 Column("parent_id", String(32), nullable=True, index=True),
                 Column("created_on", Date, nullable=False, index=True)],
    member_columns=[Column("roles", JSON, nullable=False)])

activity_facts = Table(
    "activity_facts", metadata,
    Column("activity_id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("held_on", Date, nullable=False, index=True),
    Column("present", JSON, nullable=True),  # ids of the members present
    Column("speaker_id", String(32), nullable=True),
    Column("guests", JSON, nullable=True),   # ids of the guests (present too)
)

# Which activities a member spoke at or was a guest at: one member's facts,
# found by index, when their roles or contacts change.
member_activities = Table(
    "member_activities", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("role", String(8), primary_key=True),  # speaker | guest
)

# The roles a member holds from ``valid_from`` until the next row (the
# registration's roles from SINCE_EVER). ``leading`` marks the rows holding
# a role some quota judges on the day (bureau_committee, bureau_secretary,
# county_cadre, secretary: domain.LEADING_ROLES), so the few members who ever
# held one are found without reading everyone's.
member_roles = Table(
    "member_roles", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("roles", JSON, nullable=False),
    Column("leading", Boolean, nullable=False, server_default=false()),
    Index("ix_member_roles_leading", "leading", "member_id"),
)

# The branches a bureau committee member contacts (联系点), from a day on.
member_contacts = Table(
    "member_contacts", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("branch_id", String(32), primary_key=True),
    Column("valid_from", Date, nullable=False),
)

# Filings: each (organisation, year, plan kind) and (member, year) once,
# with the first filing's day (a refiling keeps it).
plan_filings = Table(
    "plan_filings", metadata,
    Column("org_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("org_path", Text, nullable=False),
    Column("filed_on", Date, nullable=False),
)

self_study_filings = Table(
    "self_study_filings", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("filed_on", Date, nullable=False),
)

# Members' practice (issue 8), each fact once (a redelivery, or the same
# talk told twice, is not a second): what the practice quotas are derived
# again from.
talk_facts = Table(
    "talk_facts", metadata,
    Column("talk_id", String(32), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("org_path", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("initiator_id", String(32), nullable=False, index=True),
    Column("other_id", String(32), nullable=False, index=True),
)

# a household's registration (contact_id "registered-<household>") or a visit
household_contacts = Table(
    "household_contacts", metadata,
    Column("contact_id", String(48), primary_key=True),
    Column("household_id", String(32), nullable=False),
    Column("member_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("branch_path", Text, nullable=False),  # the member's branch when told
    Column("on", Date, nullable=False),
    Column("in_difficulty", Boolean, nullable=False, server_default=false()),
    Column("paired_cadre_id", String(32), nullable=True, index=True),
)

pledge_facts = Table(
    "pledge_facts", metadata,
    Column("pledge_id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("branch_path", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("made_on", Date, nullable=False),
)

# The things a practice quota counts (domain/practice.py), each once per
# (rule, subject, period): a household, a member talked with, a talk, a pair
# of committee members ("a b", ids in order), a pledge; ``times`` is how
# often it was marked (a pair counts at its second talk, and only then).
quota_marks = Table(
    "quota_marks", metadata,
    Column("rule", String(32), primary_key=True),
    Column("subject_id", String(32), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("thing", String(80), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("times", Integer, nullable=False),
)

# One row per (rule, subject, period) that a fact has counted toward or that
# a close has judged, updated in the same transaction as the fact. A subject
# without a row has counted nothing yet. ``subject_path`` is the subject's
# place in the tree (a member's: their branch's path and their id), so a
# subtree's quotas are one indexed prefix read (shared/tree.py).
quota_state = Table(
    "quota_state", metadata,
    Column("rule", String(32), primary_key=True),
    Column("subject_id", String(32), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("member", Boolean, nullable=False, server_default=false()),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("subject_path", Text, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("required", Integer, nullable=False),
    Column("actual", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("closed", Boolean, nullable=False, server_default=false()),
    Index("ix_quota_state_subject", "subject_id"),
)

# The rule set each bureau's quota state was derived with: when a bureau's
# rule set changes, its rows are derived again from the facts.
quota_derivations = Table(
    "quota_derivations", metadata,
    Column("bureau_id", String(32), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("derived_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

quota_closures = Table(
    "quota_closures", metadata,
    Column("rule", String(32), primary_key=True),
    Column("subject_id", String(32), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("required", Integer, nullable=False),
    Column("actual", Integer, nullable=False),  # at the moment of closing
    Column("automatic", Boolean, nullable=False),
    Column("closed_by", String(128), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

supervision_items = Table(
    "supervision_items", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False, index=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("rule", String(32), nullable=False),
    Column("period", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
    UniqueConstraint("rule", "org_id", "period", name="uq_item_per_quota"),
)

# The deadlines inside a year (a rule's ``due``) judged already, per bureau
# (each bureau's rule set says its own deadlines).
closed_deadlines = Table(
    "closed_deadlines", metadata,
    Column("bureau_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("rule", String(32), primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

auto_closed_periods = Table(
    "auto_closed_periods", metadata,
    Column("period", String(8), primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# -- the party-spirit check-up (党性教育体检, quota P5) -------------------------------
#
# A member's check-up of a year, once: a later check-up of the same year
# replaces the first in the scoring service and is not a second here.
checkup_facts = Table(
    "checkup_facts", metadata,
    Column("member_id", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("recorded_on", Date, nullable=False),  # the first check-up's day
)

# -- the pioneer programme (时代先锋, V3) ---------------------------------------------
#
# Each title withdrawn (摘牌), once, as pioneer told it; ``year`` is the year
# of the withdrawal (``on``), which the yearly report counts per bureau.
pioneer_withdrawals = Table(
    "pioneer_withdrawals", metadata,
    Column("pioneer_id", String(32), primary_key=True),
    Column("bureau_id", String(32), nullable=False),
    Column("committee_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("on", Date, nullable=False),
    Column("name", Text, nullable=False),
    Index("ix_pioneer_withdrawals_bureau_year", "bureau_id", "year"),
    Index("ix_pioneer_withdrawals_committee_year", "committee_id", "year"),
)

# -- reminder talks and the negative list (约谈提醒, 负面清单; part remind) -------------
#
# A reminder talk held with an organisation about a quarter's misses, once
# per organisation and quarter; ``org_path`` lets a subtree's talks be read
# by an indexed prefix with the quarter (ix_reminder_talks_quarter_path).
reminder_talks = Table(
    "reminder_talks", metadata,
    Column("org_id", String(32), primary_key=True),
    Column("quarter", String(8), primary_key=True),
    Column("bureau_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The negative list's manual entries, each reason once per subject and year
# (the automatic ones are derived when read). ``subject_path``: a branch's
# path, or a committee member's branch's path and their id, as quota_state
# places its subjects (ix_negative_list_year_path).
negative_list_entries = Table(
    "negative_list_entries", metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("subject_path", Text, nullable=False),
    Column("added_by", String(128), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("subject_id", "year", "reason", name="uq_negative_list_reason"),
)

# -- rectification lists (问题整改清单, U3), part "rect" -----------------------------------
#
# An item of a branch's or committee's list. ``state`` is stored OPEN or
# CLOSED only: OVERDUE is read from (state, due) and today, so a subtree's
# items of a year are one indexed prefix read on (org_path, due), and the
# OVERDUE ones one read of (state, due). A campaign item is a fact of quota
# U3, counted again from here when the bureau's quotas are derived again.
rectifications = Table(
    "rectifications", metadata,
    Column("id", String(32), primary_key=True),
    Column("org_id", String(32), nullable=False),
    Column("bureau_id", String(32), nullable=False),
    Column("org_path", Text, nullable=False),
    Column("problem", Text, nullable=False),
    Column("measures", JSON, nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("due", Date, nullable=False),
    Column("campaign", Boolean, nullable=False, server_default=false()),
    Column("state", String(8), nullable=False),
    Column("outcome", Text, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("published", Boolean, nullable=False, server_default=false()),
    Column("made_on", Date, nullable=False),
    Column("made_by", String(128), nullable=False),
    Column("closed_by", String(128), nullable=True),
    Column("published_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rectifications_state_due", "state", "due"),
    # built by shared.tree.path_index in the migration
    Index("ix_rectifications_org_path_due", "org_path", "due"),
    Index("ix_rectifications_bureau_campaign", "bureau_id", "campaign"),
)

# -- the item lifecycle (督办: 交办、报告、销号、责任追究; issue 11, part items) -------------
#
# An item's due day (the platform's day it opened plus the rule set's
# escalate_after_days) and its report; the escalation sweep reads the
# ASSIGNED items past their due day through (state, due_on).
supervision_items.append_column(Column("due_on", Date, nullable=False))
supervision_items.append_column(Column("report", Text, nullable=True))
Index("ix_supervision_items_state_due", supervision_items.c.state, supervision_items.c.due_on)

# Each move of an item after its opening (the opening is the item's own row):
# the state it led to, when, by whom ("platform" when it turned by itself)
# and the report or note; ``seq`` orders them.
item_transitions = Table(
    "item_transitions", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(32), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(128), nullable=False),
    Column("note", Text, nullable=True),
)

# -- part survey: the yearly thought survey (思想政治状况调查, U7) ----------------------
#
# Who answered is kept apart from what was answered, so that nothing joins
# them: ``survey_respondents`` says who answered a survey (to refuse a second
# answer) and nothing else, no time, no sequence; ``survey_tallies`` keeps
# what was answered only as counts per question and choice, one row per
# question written when the survey is opened, so no row is ever added for a
# response. The two share the survey's id alone (domain/survey.py).
surveys = Table(
    "surveys", metadata,
    Column("id", String(32), primary_key=True),
    Column("committee_id", String(32), nullable=False),
    Column("committee_path", Text, nullable=False),  # a subtree's by path prefix
    Column("bureau_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("opened_by", String(128), nullable=False),
    Index("ix_surveys_committee_year", "committee_id", "year"),
)

survey_respondents = Table(
    "survey_respondents", metadata,
    Column("survey_id", String(32), primary_key=True),
    Column("member_id", String(32), primary_key=True),
)

survey_tallies = Table(
    "survey_tallies", metadata,
    Column("survey_id", String(32), primary_key=True),
    Column("question", Integer, primary_key=True),  # its position, from 0
    *(Column(f"chosen_{choice}", Integer, nullable=False, server_default="0")
      for choice in CHOICES),
)
