"""The contract's scalars and enums (contract/core.graphql)."""
import datetime as dt

import graphene


def value_of(x):
    """An enum member's value, or the value itself."""
    return getattr(x, "value", x)


class Date(graphene.Scalar):
    """A calendar day, "2017-06-03". Checked by the service that receives it,
    so a wrong day is reported as BAD_INPUT naming the field."""

    @staticmethod
    def serialize(value):
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    @staticmethod
    def parse_value(value):
        return value

    @staticmethod
    def parse_literal(node, _variables=None):
        return getattr(node, "value", None)


class DateTime(graphene.Scalar):
    """A moment with its offset, "2017-06-03T09:30:00+08:00"."""

    @staticmethod
    def serialize(value):
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)

    @staticmethod
    def parse_value(value):
        return value

    @staticmethod
    def parse_literal(node, _variables=None):
        return getattr(node, "value", None)


def _enum(name, values):
    return graphene.Enum(name, [(v, v) for v in values])


OrgKind = _enum("OrgKind", ["CITY", "BUREAU", "COMMITTEE", "BRANCH", "GROUP"])
ActivityKind = _enum("ActivityKind", [
    "ACTIVITY_DAY", "GENERAL_MEETING", "COMMITTEE_MEETING", "GROUP_MEETING", "PARTY_LECTURE",
    "VOLUNTEER_SERVICE", "ORG_LIFE_MEETING", "DEMOCRATIC_LIFE_MEETING", "CENTRAL_GROUP_STUDY",
    "WINTER_TRAINING"])
AttendanceStatus = _enum("AttendanceStatus", ["PRESENT", "EXCUSED", "ABSENT"])
QuotaStatus = _enum("QuotaStatus", ["MET", "PENDING", "MISSED"])
SupervisionState = _enum("SupervisionState", ["ASSIGNED", "REPORTED", "CLOSED", "ESCALATED"])
# Where a theme came from (S7): set by the superior (上级命题) or proposed by
# members (党员点题); the activity and study sections share it.
ThemeSource = _enum("ThemeSource", ["SUPERIOR", "MEMBER"])
PlanKind = _enum("PlanKind", ["STUDY", "MEETINGS"])               # 年度学习计划 / "三会一课"计划
SelfStudyKind = _enum("SelfStudyKind", ["READING", "MICRO_LECTURE", "VIDEO", "ONSITE"])
# Members' practice (contract section "members' practice")
TalkKind = _enum("TalkKind", ["INDIVIDUAL", "INITIATED", "REQUESTED"])  # 个别谈话/主动约谈/应约接谈
WishKind = _enum("WishKind", ["MICRO_WISH", "PROXY_SERVICE"])           # 微心愿 / 双代 (代办)
WishState = _enum("WishState", ["OPEN", "CLAIMED", "FULFILLED", "CANCELLED"])
# Members' practice: a pledge's area (促进发展 / 服务群众 / 维护和谐) and state
PledgeArea = _enum("PledgeArea", ["DEVELOPMENT", "SERVICE", "HARMONY"])
PledgeState = _enum("PledgeState", ["OPEN", "FULFILLED", "UNFULFILLED", "OVERDUE"])
# Evaluation (contract section "scoring"): the four-qualified dimensions
# (四个合格) and a check-up's health (党性健康状况)
Dimension = _enum("Dimension", ["POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION"])
Health = _enum("Health", ["HEALTHY", "SUB_HEALTHY", "UNHEALTHY"])
