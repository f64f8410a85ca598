"""The platform's domain terms, each with its Chinese name, defined once."""

# Organisation kinds, top to bottom, with the kind each must sit under.
CITY = "CITY"            # 市
BUREAU = "BUREAU"        # 局
COMMITTEE = "COMMITTEE"  # 局党委 (bureau party committee)
BRANCH = "BRANCH"        # 党支部
GROUP = "GROUP"          # 党小组 (party group)
ORG_KINDS = (CITY, BUREAU, COMMITTEE, BRANCH, GROUP)
PARENT_KIND = {CITY: None, BUREAU: CITY, COMMITTEE: BUREAU, BRANCH: COMMITTEE, GROUP: BRANCH}

ACTIVITY_DAY = "ACTIVITY_DAY"                        # 党员集中活动日
GENERAL_MEETING = "GENERAL_MEETING"                  # 党员大会
COMMITTEE_MEETING = "COMMITTEE_MEETING"              # 支委会
GROUP_MEETING = "GROUP_MEETING"                      # 党小组会
PARTY_LECTURE = "PARTY_LECTURE"                      # 党课
VOLUNTEER_SERVICE = "VOLUNTEER_SERVICE"              # 志愿服务
ORG_LIFE_MEETING = "ORG_LIFE_MEETING"                # 组织生活会
DEMOCRATIC_LIFE_MEETING = "DEMOCRATIC_LIFE_MEETING"  # 民主生活会
CENTRAL_GROUP_STUDY = "CENTRAL_GROUP_STUDY"          # 理论学习中心组学习
WINTER_TRAINING = "WINTER_TRAINING"                  # 冬训
ACTIVITY_KINDS = (ACTIVITY_DAY, GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING,
                  PARTY_LECTURE, VOLUNTEER_SERVICE, ORG_LIFE_MEETING,
                  DEMOCRATIC_LIFE_MEETING, CENTRAL_GROUP_STUDY, WINTER_TRAINING)

PRESENT = "PRESENT"  # 出席
EXCUSED = "EXCUSED"  # 请假
ABSENT = "ABSENT"    # 缺席 (without leave)
ATTENDANCE_STATUSES = (PRESENT, EXCUSED, ABSENT)

# Where an activity's or a plan item's theme came from (S7).
THEME_SUPERIOR = "SUPERIOR"  # 上级命题 (set by the superior)
THEME_MEMBER = "MEMBER"      # 党员点题 (proposed by members)
THEME_SOURCES = (THEME_SUPERIOR, THEME_MEMBER)

# Member roles: ordinary member, branch secretary (支部书记), branch committee
# member (支委), bureau committee member (局党委委员), bureau party secretary
# (局党委书记), leading cadre at county level (县处级领导干部).
MEMBER_ROLES = ("member", "secretary", "branch_committee", "bureau_committee",
                "bureau_secretary", "county_cadre")
# The same roles by the titles written on paper (a roster's 职务 column).
ROLE_TITLES = {"党员": "member", "支部书记": "secretary", "支委": "branch_committee",
               "局党委委员": "bureau_committee", "局党委书记": "bureau_secretary",
               "县处级领导干部": "county_cadre"}
# Who may contact a branch (联系点): the bureau party committee's members.
COMMITTEE_ROLES = ("bureau_committee", "bureau_secretary")

# Leading cadres (领导干部) for dual records and check-up post types: the roles
# held on the day decide.
CADRE_ROLES = ("bureau_committee", "bureau_secretary", "county_cadre")

# The four-qualified dimensions (四个合格): political (政治合格), discipline
# (执行纪律合格), conduct (品德合格), contribution (发挥作用合格).
POLITICAL, DISCIPLINE, CONDUCT, CONTRIBUTION = (
    "POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION")
DIMENSIONS = (POLITICAL, DISCIPLINE, CONDUCT, CONTRIBUTION)

# Check-up post types (党性体检 indicators by post): ordinary member, branch
# secretary, leading cadre (a CADRE_ROLES role on the day wins over secretary).
POST_MEMBER, POST_SECRETARY, POST_CADRE = "member", "branch_secretary", "leading_cadre"
POST_TYPES = (POST_MEMBER, POST_SECRETARY, POST_CADRE)

# Appraisal grades (民主评议 优秀/合格/基本合格/不合格), parts, states.
EXCELLENT, QUALIFIED, BASICALLY_QUALIFIED, UNQUALIFIED = (
    "EXCELLENT", "QUALIFIED", "BASICALLY_QUALIFIED", "UNQUALIFIED")
GRADES = (EXCELLENT, QUALIFIED, BASICALLY_QUALIFIED, UNQUALIFIED)
APPRAISAL_PARTS = ("SELF", "PEER", "PUBLIC", "ORG")  # 自评、互评、群众评议、组织评定
# Check-up health (党性健康状况).
HEALTHY, SUB_HEALTHY, UNHEALTHY = "HEALTHY", "SUB_HEALTHY", "UNHEALTHY"
HEALTH_LEVELS = (HEALTHY, SUB_HEALTHY, UNHEALTHY)

# Token roles (what a user may do in the API).
TOKEN_ROLES = ("admin", "secretary", "member", "viewer")

# Quota statuses and supervision item (督办) states.
MET, PENDING, MISSED = "MET", "PENDING", "MISSED"
ASSIGNED, REPORTED, CLOSED, ESCALATED = "ASSIGNED", "REPORTED", "CLOSED", "ESCALATED"
SUPERVISION_STATES = (ASSIGNED, REPORTED, CLOSED, ESCALATED)  # 交办、报告、销号、责任追究

# The pioneer programme (时代先锋, V1-V4): categories, a title's states, the
# annual review's ratings and who gives them.
INDIVIDUAL, POST, UNIT = "INDIVIDUAL", "POST", "UNIT"        # 个人 / 岗位 / 单位
PIONEER_CATEGORIES = (INDIVIDUAL, POST, UNIT)
NOMINATED = "NOMINATED"    # 提名
SELECTED = "SELECTED"      # 入选 (the title in force)
RECTIFYING = "RECTIFYING"  # 限期整改 (the title in force, under a deadline)
WITHDRAWN = "WITHDRAWN"    # 摘牌
REJECTED = "REJECTED"      # 未入选
PIONEER_STATES = (NOMINATED, SELECTED, RECTIFYING, WITHDRAWN, REJECTED)
TITLE_IN_FORCE = (SELECTED, RECTIFYING)
GOOD, FAIRLY_GOOD, AVERAGE, POOR = "GOOD", "FAIRLY_GOOD", "AVERAGE", "POOR"  # 好/较好/一般/差
PIONEER_RATINGS = (GOOD, FAIRLY_GOOD, AVERAGE, POOR)
AVERAGE_OR_WORSE = (AVERAGE, POOR)
RATER_MEMBER, RATER_PUBLIC = "MEMBER", "PUBLIC"              # 党员 / 群众代表
RATER_KINDS = (RATER_MEMBER, RATER_PUBLIC)

# Supervision complete (U2-U7): rectification items (问题整改清单) and reports.
OPEN, OVERDUE = "OPEN", "OVERDUE"   # an OPEN item past its due day is OVERDUE
RECTIFICATION_STATES = (OPEN, CLOSED, OVERDUE)
MONTHLY, QUARTERLY, MIDYEAR, ANNUAL = "MONTHLY", "QUARTERLY", "MIDYEAR", "ANNUAL"
REPORT_KINDS = (MONTHLY, QUARTERLY, MIDYEAR, ANNUAL)  # 月调度 / 季督查 / 年中观摩 / 年底述职
