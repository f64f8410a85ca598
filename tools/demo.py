"""A small demo bureau, loaded by `make run` when the platform is empty: a
city, one bureau with its committee, two branches (one with party groups),
members, and this month's first activity day."""
from gateway.auth import make_token
from shared import clock
from tools.client import Client


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
    client.register_member("孙志强", first["id"], ["bureau_secretary", "bureau_committee"])
    day = today.replace(day=1)
    client.record_activity(first["id"], "ACTIVITY_DAY", "学习党章 对照检查", day.isoformat(), [
        {"memberId": members[0]["id"], "status": "PRESENT"},
        {"memberId": members[1]["id"], "status": "PRESENT"},
        {"memberId": members[2]["id"], "status": "EXCUSED", "reason": "出差"},
        {"memberId": members[3]["id"], "status": "ABSENT"},
    ])
    return (f"city {city['id']}, bureau {bureau['id']}, branches {first['id']} and "
            f"{second['id']}")
