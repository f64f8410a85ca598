"""The event envelope and the catalogue of events, defined once.

An event is a fact in the past tense. Every event travels in the same
envelope: id, type, schema version, when it occurred, the bureau it belongs
to, and its payload. The ``source`` is the service that raised it, and names
the exchange (``<source>.events``) it is published to.
"""
import datetime as dt
import uuid
from dataclasses import dataclass, field

from shared.errors import PoisonMessage


@dataclass(frozen=True)
class EventType:
    name: str
    source: str
    schema_version: int
    required: tuple


CATALOGUE = {
    t.name: t
    for t in (
        EventType("organization_created", "organization", 1,
                  ("org_id", "name", "kind", "parent_id", "path")),
        EventType("member_registered", "organization", 1,
                  ("member_id", "name", "branch_id", "roles")),
        EventType("member_transferred", "organization", 1,
                  ("member_id", "from_branch_id", "branch_id", "on")),
        # the roles held from ``on`` (inclusive) until the next change
        EventType("member_roles_set", "organization", 1,
                  ("member_id", "branch_id", "roles", "on")),
        # 联系点: the member contacts the branch from ``on``
        EventType("contact_branch_assigned", "organization", 1,
                  ("member_id", "branch_id", "branch_path", "on")),
        # also speaker_id, guest_ids (members from outside the holder who took
        # part; not in attendance) and theme_source; absent in events recorded
        # before them: no guests, SUPERIOR
        EventType("activity_recorded", "activity", 1,
                  ("activity_id", "org_id", "org_path", "kind", "theme", "held_on", "attendance")),
        # a member's personal self-study plan (自学备案); on_time: filed by Mar 31 of
        # the year; refiled: a later filing of the same plan (filed_on is the first's)
        EventType("self_study_plan_filed", "study", 1,
                  ("member_id", "branch_id", "year", "filed_on", "on_time", "refiled")),
        EventType("self_study_logged", "study", 1,
                  ("entry_id", "member_id", "on", "kind", "minutes", "evidence")),
        # one per activity: {"member_id", "entries": [{"rule", "category", "points"}]}
        # for each member the activity posted points to
        EventType("points_posted", "scoring", 2,
                  ("source_event", "year", "members")),
        EventType("supervision_item_opened", "supervision", 1,
                  ("item_id", "org_id", "rule", "period")),
        # an item's transitions (交办 → 报告 → 销号, or 责任追究): by whom ("platform"
        # when it turned by itself) and on which day; note: the report, the
        # closing or escalating note, or None
        EventType("supervision_item_reported", "supervision", 1,
                  ("item_id", "org_id", "rule", "period", "by", "on", "note")),
        EventType("supervision_item_closed", "supervision", 1,
                  ("item_id", "org_id", "rule", "period", "by", "on", "note")),
        EventType("supervision_item_escalated", "supervision", 1,
                  ("item_id", "org_id", "rule", "period", "by", "on", "note")),
        # items: [{"month", "kind", "theme", "source"}]; filed_on is the first filing's
        EventType("annual_plan_filed", "study", 1,
                  ("plan_id", "org_id", "org_path", "year", "kind", "filed_on", "refiled",
                   "items")),
        EventType("theme_proposed", "study", 1,
                  ("proposal_id", "org_id", "member_id", "theme", "proposed_on")),
        # -- members' practice: talks, minutes and wishes (activity) --
        # 谈心谈话; participant_ids: [initiator, other]
        EventType("talk_recorded", "activity", 1,
                  ("talk_id", "org_id", "org_path", "kind", "held_on", "participant_ids")),
        # 议事规则: the minutes of an activity, recorded or recorded again (replaced)
        EventType("minutes_recorded", "activity", 1,
                  ("activity_id", "org_id", "topic", "speaker_ids", "decisions")),
        # 微心愿 / 双代
        EventType("wish_posted", "activity", 1, ("wish_id", "branch_id", "kind", "posted_on")),
        EventType("wish_claimed", "activity", 1, ("wish_id", "branch_id", "member_id", "on")),
        # member_id: the member who claimed it and earns "micro-wish fulfilled"
        EventType("micro_wish_fulfilled", "activity", 1,
                  ("wish_id", "branch_id", "member_id", "kind", "on")),
        EventType("wish_cancelled", "activity", 1, ("wish_id", "branch_id", "on", "reason")),
        # households (联户) and pairing (结对帮扶); paired_cadre_id may be None
        EventType("household_registered", "activity", 1,
                  ("household_id", "member_id", "branch_id", "in_difficulty",
                   "paired_cadre_id", "registered_on")),
        EventType("household_visited", "activity", 1,
                  ("visit_id", "household_id", "member_id", "on", "in_difficulty",
                   "paired_cadre_id")),
        # pledges (亮身份亮承诺); on_time: fulfilled on or before due
        EventType("pledge_made", "activity", 1,
                  ("pledge_id", "member_id", "branch_id", "year", "area", "due", "made_on")),
        EventType("pledge_fulfilled", "activity", 1,
                  ("pledge_id", "member_id", "year", "on", "due", "on_time")),
        EventType("pledge_unfulfilled", "activity", 1,
                  ("pledge_id", "member_id", "year", "on", "due")),
        EventType("pledge_overdue", "activity", 1,
                  ("pledge_id", "member_id", "year", "due")),
        # evaluation (issue 9), all raised by scoring
        # 手工调整: a manual adjustment, with its reason and who made it
        EventType("points_adjusted", "scoring", 1,
                  ("entry_id", "member_id", "year", "points", "category", "reason", "on",
                   "adjusted_by")),
        # 缴纳党费: one posting per member and month ("2017-06")
        EventType("dues_paid", "scoring", 1,
                  ("member_id", "month", "amount", "on")),
        # 民主评议党员 reported to the bureau (报局党委备案); results:
        # [{"member_id", "score", "grade", "needs_review"}]
        EventType("appraisal_finalized", "scoring", 1,
                  ("appraisal_id", "branch_id", "year", "results")),
        # 党性教育体检: a member's check-up for the year (a repeat replaces it)
        EventType("checkup_recorded", "scoring", 1,
                  ("member_id", "year", "post_type", "total", "health", "on")),
        # the pioneer programme (时代先锋), all raised by pioneer; org_path: ids from
        # the top; committee_id: the bureau party committee whose reviews judge it
        EventType("pioneer_selected", "pioneer", 1,
                  ("pioneer_id", "category", "name", "org_id", "org_path", "committee_id",
                   "holder_id", "year", "on")),
        # 限期整改: a closed review's share of AVERAGE-or-worse above the threshold
        EventType("pioneer_rectification_ordered", "pioneer", 1,
                  ("pioneer_id", "org_id", "committee_id", "review_id", "share",
                   "rectify_by", "on")),
        # a later review at or below the threshold, closed before rectify_by
        EventType("pioneer_reinstated", "pioneer", 1,
                  ("pioneer_id", "org_id", "committee_id", "review_id", "share", "on")),
        # 摘牌: still RECTIFYING on rectify_by, withdrawn by the platform itself
        EventType("pioneer_withdrawn", "pioneer", 1,
                  ("pioneer_id", "category", "name", "org_id", "org_path", "committee_id",
                   "holder_id", "year", "rectify_by", "on")),
    )
}


@dataclass(frozen=True)
class Envelope:
    type: str
    bureau_id: str
    payload: dict
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    schema_version: int = 1
    occurred_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())

    @property
    def source(self):
        return CATALOGUE[self.type].source

    def to_dict(self):
        return {
            "id": self.id,
            "type": self.type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "bureau_id": self.bureau_id,
            "payload": self.payload,
        }

    @classmethod
    def new(cls, event_type, bureau_id, payload):
        """A new event of a catalogued type; a programming error otherwise."""
        spec = CATALOGUE[event_type]
        missing = [k for k in spec.required if k not in payload]
        if missing:
            raise ValueError(f"{event_type} needs {missing}")
        return cls(type=event_type, bureau_id=bureau_id, payload=payload,
                   schema_version=spec.schema_version)

    @classmethod
    def from_dict(cls, data, expect_type=None):
        """The envelope in ``data``; PoisonMessage if it can never be handled."""
        if not isinstance(data, dict):
            raise PoisonMessage(f"an event must be a JSON object, got {type(data).__name__}")
        missing = [k for k in ("id", "type", "schema_version", "occurred_at",
                               "bureau_id", "payload") if k not in data]
        if missing:
            raise PoisonMessage(f"event envelope lacks {missing}")
        spec = CATALOGUE.get(data["type"])
        if spec is None:
            raise PoisonMessage(f"unknown event type {data['type']!r}")
        if expect_type and data["type"] != expect_type:
            raise PoisonMessage(f"expected {expect_type}, got {data['type']}")
        version = data["schema_version"]
        if isinstance(version, bool) or version != spec.schema_version:
            raise PoisonMessage(
                f"{data['type']} schema version {data['schema_version']!r} is not "
                f"handled (this build handles {spec.schema_version})")
        payload = data["payload"]
        if not isinstance(payload, dict):
            raise PoisonMessage("event payload must be a JSON object")
        missing = [k for k in spec.required if k not in payload]
        if missing:
            raise PoisonMessage(f"{data['type']} payload lacks {missing}")
        if not isinstance(data["id"], str) or not data["id"]:
            raise PoisonMessage("event id must be a non-empty string")
        return cls(id=data["id"], type=data["type"], schema_version=data["schema_version"],
                   occurred_at=data["occurred_at"], bureau_id=data["bureau_id"],
                   payload=payload)
