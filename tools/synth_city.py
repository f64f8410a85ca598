"""A synthetic city, deterministic from a seed, loaded through the real API.

    python -m tools.synth_city --preset small --url http://127.0.0.1:8000 --token ...
    python -m tools.synth_city --bureaus 10 --branches 400 --members 12000 --year 2025 ...
    python -m tools.synth_city --preset city --plan-only     # sizes and mix, no loading

``plan_city`` is pure: from the seed and the sizes it decides the tree (a
city, its bureaus, one party committee per bureau, branches, party groups),
the members and a year of activities with attendance. ``load`` creates them
through GraphQL (createOrganization, registerMember, recordActivities in
batches of up to 500, or recordActivity one by one on a gateway that has no
bulk path yet) with a few concurrent threads.

The year's activities follow the programme's routine: per branch per month
two activity days (党员集中活动日) and a committee meeting (支委会), a group
meeting (党小组会) per party group; a general meeting (党员大会) per quarter;
a party lecture (党课), two volunteer services (志愿服务) and an
organisational life meeting (组织生活会) per year; per bureau committee a
centre group study (理论学习中心组学习) each month, a democratic life meeting
(民主生活会) and winter training (冬训). A share of branches and committees
falls behind, so the quotas come out mixed. Attendance is mostly present,
some excused with a reason, a few absent.
"""
import argparse
import datetime as dt
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from shared.vocabulary import (ABSENT, ACTIVITY_DAY, BRANCH, BUREAU, CENTRAL_GROUP_STUDY, CITY,
                               COMMITTEE, COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING, EXCUSED,
                               GENERAL_MEETING, GROUP, GROUP_MEETING, ORG_LIFE_MEETING,
                               PARTY_LECTURE, PRESENT, VOLUNTEER_SERVICE, WINTER_TRAINING)
from tools.client import GraphQLFailed

PRESETS = {
    # the city of the issue: ~140,000 activities a year
    "city": {"bureaus": 50, "branches": 2000, "members": 60000},
    # a town: what tests and the default benchmark load
    "small": {"bureaus": 2, "branches": 6, "members": 120},
}
BATCH = 500            # the bulk mutation's limit
LAGGING_SHARE = 0.2    # branches and committees that fall behind
LAGGING_SKIP = 0.3     # of their routine activities, the share they skip
ON_TIME_SKIP = 0.02    # even a diligent branch misses one now and then
EXCUSED_SHARE = 0.08
ABSENT_SHARE = 0.03

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志文斌波宇浩凯健俊帆琳晨欣雪梅亮成宁峰海云"
DEPARTMENTS = ["发展和改革", "教育", "科学技术", "工业和信息化", "公安", "民政", "司法", "财政",
               "人力资源和社会保障", "自然资源", "生态环境", "住房和城乡建设", "交通运输", "水务",
               "农业农村", "商务", "文化和旅游", "卫生健康", "退役军人事务", "应急管理", "审计",
               "市场监督管理", "统计", "医疗保障", "城市管理", "体育", "林业", "粮食和物资储备",
               "信访", "档案", "机关事务管理", "地方金融监督管理", "国有资产监督管理", "民族宗教事务",
               "外事", "税务", "气象", "海关", "邮政管理", "消防救援"]
REASONS = ["病假", "出差", "事假", "公务外出", "参加培训", "产假", "值班", "家中有事"]
THEMES = {
    ACTIVITY_DAY: ["学党章党规", "重温入党誓词", "学习系列讲话", "红色教育基地参观", "主题党日"],
    COMMITTEE_MEETING: ["研究党员发展工作", "部署月度党建工作", "讨论党费收缴", "研究组织生活安排"],
    GROUP_MEETING: ["交流学习体会", "讨论支部工作安排", "学习上级文件"],
    GENERAL_MEETING: ["通报支部工作", "选举支部委员会", "审议党员发展", "民主评议党员"],
    PARTY_LECTURE: ["书记讲党课", "党的历史专题党课", "理想信念专题党课"],
    VOLUNTEER_SERVICE: ["社区志愿服务", "文明交通志愿服务", "环境整治志愿服务"],
    ORG_LIFE_MEETING: ["年度组织生活会", "专题组织生活会"],
    CENTRAL_GROUP_STUDY: ["中心组专题学习", "学习全会精神", "理论学习中心组研讨"],
    DEMOCRATIC_LIFE_MEETING: ["年度民主生活会"],
    WINTER_TRAINING: ["党员冬训动员", "冬训集中学习"],
}


@dataclass(frozen=True)
class OrgPlan:
    index: int
    name: str
    kind: str
    parent: int | None   # index of the parent in CityPlan.orgs


@dataclass(frozen=True)
class MemberPlan:
    index: int
    name: str
    branch: int          # org index
    group: int | None    # org index of its party group
    roles: tuple


@dataclass(frozen=True)
class ActivityPlan:
    org: int             # org index of the holder
    kind: str
    theme: str
    held_on: dt.date
    seed: int            # attendance is drawn from this when asked for


@dataclass
class CityPlan:
    seed: int
    year: int
    orgs: list = field(default_factory=list)
    members: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    lagging: frozenset = frozenset()                 # org indexes that fall behind
    attendees_of: dict = field(default_factory=dict)  # org index -> member indexes

    def of_kind(self, kind):
        return [o for o in self.orgs if o.kind == kind]

    def subtree(self, roots):
        """Org indexes of ``roots`` and everything below them."""
        children = {}
        for o in self.orgs:
            children.setdefault(o.parent, []).append(o.index)
        out, todo = set(), list(roots)
        while todo:
            i = todo.pop()
            out.add(i)
            todo.extend(children.get(i, ()))
        return out

    def bureaus_part(self, first, last=None):
        """The city and the subtrees of its bureaus number ``first`` to
        ``last`` (exclusive), in plan order: a part that can be loaded alone."""
        bureaus = self.of_kind(BUREAU)[first:last]
        return {self.orgs[0].index} | self.subtree(b.index for b in bureaus)

    def attendance(self, activity):
        """The attendance lines of ``activity``: (member index, status, reason)."""
        rng = random.Random(activity.seed)
        lines = []
        for m in self.attendees_of.get(activity.org, ()):
            roll = rng.random()
            if roll < ABSENT_SHARE:
                lines.append((m, ABSENT, None))
            elif roll < ABSENT_SHARE + EXCUSED_SHARE:
                lines.append((m, EXCUSED, rng.choice(REASONS)))
            else:
                lines.append((m, PRESENT, None))
        return lines

    def summary(self):
        kinds = {}
        for a in self.activities:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        count = {k: len(self.of_kind(k)) for k in (CITY, BUREAU, COMMITTEE, BRANCH, GROUP)}
        return {"year": self.year, "orgs": count, "members": len(self.members),
                "activities": len(self.activities), "by_kind": dict(sorted(kinds.items())),
                "lagging": len(self.lagging)}


def _spread(total, parts, rng, minimum=0):
    """``total`` split into ``parts`` uneven shares (0.5x to 1.5x the mean),
    each at least ``minimum`` when the total allows it."""
    if parts <= 0:
        return []
    floor = minimum if total >= minimum * parts else 0
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    spare = total - floor * parts
    scale = sum(weights)
    shares = [floor + int(spare * w / scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def _name(rng, taken):
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in taken:
            taken.add(name)
            return name
        if len(taken) > 5000:  # a big branch: keep names unique with a number
            name = f"{name}{len(taken)}"
            taken.add(name)
            return name


def plan_city(seed=1, bureaus=2, branches=6, members=120, year=None, until=None, city_name="市",
              activities=None):
    """The whole city: tree, members and ``year``'s activities (default the
    last full year). ``until`` drops activities held after it (an activity
    cannot be recorded before it is held); ``activities`` keeps only the first
    so many, in the order held."""
    if bureaus < 1 or branches < bureaus or members < 0:
        raise ValueError("need at least one bureau, a branch per bureau, and no negative sizes")
    year = year or dt.date.today().year - 1
    rng = random.Random(seed)
    plan = CityPlan(seed=seed, year=year)

    def add_org(name, kind, parent):
        org = OrgPlan(len(plan.orgs), name, kind, parent)
        plan.orgs.append(org)
        return org.index

    city = add_org(city_name, CITY, None)
    bureau_names = [f"市{d}局" for d in DEPARTMENTS]
    committees, branch_orgs = [], []
    for b, n_branches in enumerate(_spread(branches, bureaus, rng, minimum=1)):
        name = bureau_names[b % len(bureau_names)] + ("" if b < len(bureau_names)
                                                       else f"{b // len(bureau_names) + 1}")
        bureau = add_org(name, BUREAU, city)
        committee = add_org(f"{name}党委", COMMITTEE, bureau)
        committees.append(committee)
        for i in range(n_branches):
            branch_orgs.append(add_org(f"{name}第{i + 1}党支部", BRANCH, committee))

    groups_of = {}
    for branch, n_members in zip(branch_orgs, _spread(members, len(branch_orgs), rng,
                                                       minimum=3)):
        n_groups = 0 if n_members < 12 else 2 if n_members < 36 else 3
        groups = [add_org(f"第{g + 1}党小组", GROUP, branch) for g in range(n_groups)]
        groups_of[branch] = groups
        names = set()
        branch_members = []
        for i in range(n_members):
            roles = ("secretary",) if i == 0 else ("branch_committee",) if i < 3 else ()
            group = groups[i % n_groups] if groups else None
            member = MemberPlan(len(plan.members), _name(rng, names), branch, group, roles)
            plan.members.append(member)
            branch_members.append(member.index)
        plan.attendees_of[branch] = branch_members
        for g in groups:
            plan.attendees_of[g] = [m for m in branch_members if plan.members[m].group == g]

    # a bureau committee's sessions are attended by its committee members: the
    # secretaries of its first branches stand in for them (they are members
    # of branches under the committee, which is what a committee's activity asks)
    by_committee = {}
    for branch in branch_orgs:
        by_committee.setdefault(plan.orgs[branch].parent, []).append(branch)
    for committee in committees:
        heads = [plan.attendees_of[b][0] for b in by_committee.get(committee, [])
                 if plan.attendees_of[b]]
        plan.attendees_of[committee] = heads[:9]

    lagging = {o for o in branch_orgs + committees if rng.random() < LAGGING_SHARE}
    plan.lagging = frozenset(lagging)
    out = []

    def held(org, kind, month, day_from=1, day_to=28):
        skip = LAGGING_SKIP if org in lagging else ON_TIME_SKIP
        if rng.random() < skip:
            return
        day = dt.date(year, month, rng.randint(day_from, day_to))
        theme = f"{rng.choice(THEMES[kind])}（{month}月）"
        out.append(ActivityPlan(org, kind, theme, day, rng.getrandbits(32)))

    for branch in branch_orgs:
        for month in range(1, 13):
            held(branch, ACTIVITY_DAY, month, 1, 14)
            held(branch, ACTIVITY_DAY, month, 15, 28)
            held(branch, COMMITTEE_MEETING, month)
            for group in groups_of[branch]:
                held(group, GROUP_MEETING, month)
        for quarter in range(4):
            held(branch, GENERAL_MEETING, quarter * 3 + rng.randint(1, 3))
        held(branch, PARTY_LECTURE, rng.randint(1, 12))
        for month in rng.sample(range(4, 11), 2):
            held(branch, VOLUNTEER_SERVICE, month)
        held(branch, ORG_LIFE_MEETING, 12, 1, 28)
    for committee in committees:
        for month in range(1, 13):
            held(committee, CENTRAL_GROUP_STUDY, month)
        held(committee, DEMOCRATIC_LIFE_MEETING, 12)
        held(committee, WINTER_TRAINING, rng.randint(1, 2))

    out.sort(key=lambda a: (a.held_on, a.org, a.kind))
    if until is not None:
        out = [a for a in out if a.held_on <= until]
    if activities is not None:
        out = out[:activities]
    plan.activities = out
    return plan


# ---------------------------------------------------------------- loading

RECORD_MANY = """mutation($inputs: [ActivityInput!]!) { recordActivities(inputs: $inputs) { id } }"""
RECORD_ONE = """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"""
CREATE_ORG = """mutation($i: OrganizationInput!) { createOrganization(input: $i) { id } }"""
REGISTER = """mutation($i: MemberInput!) { registerMember(input: $i) { id } }"""


class Loaded:
    """The real ids the platform gave the plan's organisations and members."""

    def __init__(self, plan):
        self.plan = plan
        self.org_ids = {}
        self.member_ids = {}
        self.activities = 0
        self.bulk = None       # True when the gateway took recordActivities
        self.seconds = {}

    def ids_of_kind(self, kind):
        return [self.org_ids[o.index] for o in self.plan.of_kind(kind)]


def activity_input(plan, loaded, activity):
    lines = []
    for m, status, reason in plan.attendance(activity):
        line = {"memberId": loaded.member_ids[m], "status": status}
        if reason:
            line["reason"] = reason
        lines.append(line)
    return {"orgId": loaded.org_ids[activity.org], "kind": activity.kind,
            "theme": activity.theme, "heldOn": activity.held_on.isoformat(),
            "attendance": lines}


def _bulk_missing(exc):
    text = str(exc)
    return "recordActivities" in text and ("Cannot query field" in text or "Unknown" in text)


def _org_lookup_timed_out(exc):
    return exc.codes == ["UNAVAILABLE"] and "organization service is not answering" in str(exc)


class Loader:
    """Loads a plan through GraphQL with ``threads`` concurrent clients;
    ``client_factory()`` makes one ``tools.client.Client`` per thread."""

    def __init__(self, client_factory, threads=4, batch=BATCH, log=print):
        self.client_factory = client_factory
        self.threads = threads
        self.batch = batch
        self.log = log
        self._local = threading.local()

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self.client_factory()
        return client

    def _parallel(self, fn, items):
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(fn, items))

    def load_tree(self, plan, loaded=None, only=None):
        """Create the organisations and members (of the org indexes in
        ``only``, default all) not created yet."""
        loaded = loaded or Loaded(plan)
        started = time.perf_counter()
        for kind in (CITY, BUREAU, COMMITTEE, BRANCH, GROUP):
            orgs = [o for o in plan.of_kind(kind) if o.index not in loaded.org_ids
                    and (only is None or o.index in only)]

            def create(org):
                parent = loaded.org_ids[org.parent] if org.parent is not None else None
                data = self._client().run(CREATE_ORG, {"i": {
                    "name": org.name, "kind": org.kind, "parentId": parent}})
                return data["createOrganization"]["id"]

            for org, org_id in zip(orgs, self._parallel(create, orgs)):
                loaded.org_ids[org.index] = org_id
        loaded.seconds["orgs"] = loaded.seconds.get("orgs", 0) + time.perf_counter() - started

        started = time.perf_counter()

        def register(member):
            data = {"name": member.name, "branchId": loaded.org_ids[member.branch]}
            if member.group is not None:
                data["groupId"] = loaded.org_ids[member.group]
            if member.roles:
                data["roles"] = list(member.roles)
            return self._client().run(REGISTER, {"i": data})["registerMember"]["id"]

        members = [m for m in plan.members if m.index not in loaded.member_ids
                   and m.branch in loaded.org_ids]
        for member, member_id in zip(members, self._parallel(register, members)):
            loaded.member_ids[member.index] = member_id
        loaded.seconds["members"] = loaded.seconds.get("members", 0) + \
            time.perf_counter() - started
        return loaded

    def load_activities(self, plan, loaded, activities=None):
        """Record ``activities`` (default: all of the plan's); returns how many."""
        activities = plan.activities if activities is None else activities
        started = time.perf_counter()
        batches = [activities[i:i + self.batch] for i in range(0, len(activities), self.batch)]
        if loaded.bulk is None and batches:
            self._record_batch(plan, loaded, batches.pop(0))
        self._parallel(lambda b: self._record_batch(plan, loaded, b), batches)
        loaded.activities += len(activities)
        loaded.seconds["activities"] = loaded.seconds.get("activities", 0) + \
            time.perf_counter() - started
        return len(activities)

    def _record_batch(self, plan, loaded, batch):
        inputs = [activity_input(plan, loaded, a) for a in batch]
        client = self._client()
        if loaded.bulk is not False:
            try:
                self._with_retry(lambda: client.run(RECORD_MANY, {"inputs": inputs}))
                loaded.bulk = True
                return
            except Exception as exc:  # noqa: BLE001 - decided by the message
                if not _bulk_missing(exc):
                    raise
                if loaded.bulk is None:
                    self.log("the gateway has no recordActivities: recording one by one")
                loaded.bulk = False
        for data in inputs:
            client.run(RECORD_ONE, {"i": data})

    def _with_retry(self, call, tries=3, pause=5.0):
        """The gateway looks the organisations of a batch up before anything
        is recorded; when the organisation service is too busy to answer in
        time, nothing was written and the batch may be sent again."""
        for attempt in range(tries):
            try:
                return call()
            except GraphQLFailed as exc:
                if attempt == tries - 1 or not _org_lookup_timed_out(exc):
                    raise
                self.log(f"the organisation service is busy; sending the batch again "
                         f"in {pause:.0f} s")
                time.sleep(pause)

    def load(self, plan):
        loaded = self.load_tree(plan)
        self.load_activities(plan, loaded)
        return loaded


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.synth_city", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bureaus", type=int)
    parser.add_argument("--branches", type=int)
    parser.add_argument("--members", type=int)
    parser.add_argument("--year", type=int, help="the year of activities (default: last year)")
    parser.add_argument("--activities", type=int, help="keep only the first N, in the order held")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", help="an admin token (default: one signed with AUTH_SECRET)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--plan-only", action="store_true", help="print the plan's sizes and stop")
    args = parser.parse_args(argv)

    sizes = dict(PRESETS[args.preset])
    for key in ("bureaus", "branches", "members"):
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    plan = plan_city(args.seed, year=args.year, until=dt.date.today(),
                     activities=args.activities, **sizes)
    print(plan.summary())
    if args.plan_only:
        return 0

    from gateway.auth import make_token
    from shared.config import auth_secret
    from tools.client import Client
    token = args.token or make_token(auth_secret(), "synth-city", "*", ["admin"], ttl=24 * 3600)
    loaded = Loader(lambda: Client(args.url, token, timeout=120), threads=args.threads).load(plan)
    print(f"loaded: {len(loaded.org_ids)} organisations, {len(loaded.member_ids)} members, "
          f"{loaded.activities} activities ({'bulk' if loaded.bulk else 'one by one'}); "
          + ", ".join(f"{k} {v:.1f} s" for k, v in loaded.seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
