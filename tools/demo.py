"""A small demo bureau, loaded by `make run` when the platform is empty: a
city, one bureau with its committee, two branches (one with party groups),
members, this month's first activity day, the first branch's study and
三会一课 plans for the year, and a member's self-study plan and log."""
import datetime as dt
import time

from gateway.auth import make_token
from shared import clock
from tools.client import Client, GraphQLFailed


def load_if_empty(url, secret):
    client = Client(url, make_token(secret, "demo-loader", "*", ["admin"], ttl=600))
    if client.run("{ organizations { id } }")["organizations"]:
        return None
    return load(client)


def load(client, today=None):
    today = today or clock.today()
    city = client.create_org("淄博市", "CITY")
    bureau = client.create_org("淄博市科学技术局", "BUREAU", city["id"])
    committee = client.create_org("中共淄博市科学技术局委员会", "COMMITTEE", bureau["id"])
    first = client.create_org("机关第一党支部", "BRANCH", committee["id"])
    second = client.create_org("局属事业单位党支部", "BRANCH", committee["id"])
    group_a = client.create_org("第一党小组", "GROUP", first["id"])
    client.create_org("第二党小组", "GROUP", first["id"])
    members = [
        client.register_member("王建国", first["id"], ["secretary"], groupId=group_a["id"]),
        client.register_member("李红", first["id"], ["branch_committee"], groupId=group_a["id"]),
        client.register_member("张伟", first["id"]),
        client.register_member("刘洋", first["id"]),
        client.register_member("陈静", second["id"], ["secretary"]),
        client.register_member("赵磊", second["id"]),
    ]
    leader = client.register_member("孙志强", first["id"], ["bureau_secretary", "bureau_committee"])
    day = today.replace(day=1)
    client.record_activity(first["id"], "ACTIVITY_DAY", "学习党章 对照检查", day.isoformat(), [
        {"memberId": members[0]["id"], "status": "PRESENT"},
        {"memberId": members[1]["id"], "status": "PRESENT"},
        {"memberId": members[2]["id"], "status": "EXCUSED", "reason": "出差"},
        {"memberId": members[3]["id"], "status": "ABSENT"},
    ])
    study(client, first["id"], members[2]["id"], today)
    lecture(client, leader["id"], second["id"], [members[4]["id"], members[5]["id"]], today)
    return (f"city {city['id']}, bureau {bureau['id']}, branches {first['id']} and "
            f"{second['id']}")


FILE_PLAN = """mutation($i: AnnualPlanInput!) { fileAnnualPlan(input: $i) { id } }"""
FILE_SELF_STUDY_PLAN = """mutation($i: SelfStudyPlanInput!) {
    fileSelfStudyPlan(input: $i) { filedOn } }"""
LOG_SELF_STUDY = """mutation($i: SelfStudyEntryInput!) { logSelfStudy(input: $i) { id } }"""
STUDY_THEMES = ("学习党章党规", "学习系列讲话", "做合格党员", "革命传统教育", "廉政警示教育",
                "七一主题党日", "科技创新与党建", "学习贯彻全会精神", "志愿服务回顾",
                "组织生活会准备", "民主评议党员", "年度学习总结")


def _until_study_knows(client, query, variables, tries=50):
    """The study service learns of the tree by events: a first write may
    come before them (UNAVAILABLE), and is tried again shortly."""
    for attempt in range(tries):
        try:
            return client.run(query, variables)
        except GraphQLFailed as exc:
            if exc.codes != ["UNAVAILABLE"] or attempt == tries - 1:
                raise
            time.sleep(0.2)


def study(client, branch_id, member_id, today):
    """The branch's plans for this year (filed today: on time when that is
    before Jan 31) and a member's self-study plan with a few log entries."""
    year = today.year
    items = [{"month": m, "kind": "ACTIVITY_DAY", "theme": theme}
             for m, theme in enumerate(STUDY_THEMES, start=1)]
    items.append({"month": 7, "kind": "PARTY_LECTURE", "theme": "书记讲党课"})
    _until_study_knows(client, FILE_PLAN, {"i": {"orgId": branch_id, "year": year,
                                                 "kind": "STUDY", "items": items}})
    meetings = [{"month": m, "kind": "COMMITTEE_MEETING", "theme": f"{m}月支委会"}
                for m in range(1, 13)]
    meetings += [{"month": m, "kind": "GENERAL_MEETING", "theme": f"第{q}季度党员大会"}
                 for q, m in enumerate((1, 4, 7, 10), start=1)]
    meetings.append({"month": 7, "kind": "PARTY_LECTURE", "theme": "书记讲党课"})
    client.run(FILE_PLAN, {"i": {"orgId": branch_id, "year": year, "kind": "MEETINGS",
                                 "items": meetings}})
    _until_study_knows(client, FILE_SELF_STUDY_PLAN, {"i": {
        "memberId": member_id, "year": year, "goals": "学懂弄通党章党规和系列讲话",
        "content": "《中国共产党章程》《准则》《条例》，每月一篇系列讲话",
        "schedule": "每周二、四晚各一小时；每季度一次现场教学",
        "safeguards": "党小组每月检查学习笔记，支部季度通报"}})
    for days_ago, kind, title, minutes, evidence in (
            (0, "READING", "通读《中国共产党章程》", 60, "学习笔记第1-6页"),
            (1, "MICRO_LECTURE", "微党课：做合格党员", 25, None),
            (2, "VIDEO", "观看专题片《将改革进行到底》", 45, None)):
        on = max(today - dt.timedelta(days=days_ago), today.replace(month=1, day=1))
        client.run(LOG_SELF_STUDY, {"i": {"memberId": member_id, "on": on.isoformat(),
                                          "kind": kind, "title": title, "minutes": minutes,
                                          "evidence": evidence}})


CONTACT = """mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
    id } }"""


def lecture(client, leader_id, branch_id, attendees, day):
    """The bureau secretary contacts the second branch (联系点) from today and
    gives it a party lecture today (S5-SEC, S5-COM: a contact counts from the
    day it is assigned)."""
    client.run(CONTACT, {"m": leader_id, "b": branch_id})
    client.record_activity(branch_id, "PARTY_LECTURE", "书记讲党课：守初心 担使命",
                           day.isoformat(),
                           [{"memberId": m, "status": "PRESENT"} for m in attendees],
                           speakerId=leader_id)
