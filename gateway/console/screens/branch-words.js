// Words of the branch screens (due.js, members.js): the shipped quota rules'
// titles (rules/quota/default.yaml) and the enums these screens show.
export const RULE_TITLE = {
  "A1": "党员集中活动日", "A2-GM": "党员大会", "A2-CM": "支委会", "A2-GR": "党小组会",
  "A2-PL": "支部党课", "A4": "志愿服务", "A5": "党员联户", "A5-PAIR": "结对帮扶困难群众",
  "A6": "书记与党员谈心谈话", "A6-SEC": "支部书记与局党委书记谈心谈话",
  "A6-COM": "局党委成员相互谈心谈话", "A8": "亮身份亮承诺", "A7-OL": "组织生活会",
  "A7-DL": "民主生活会", "S2": "理论学习中心组学习", "S1": "年度学习计划（1月31日前）",
  "A2-PLAN": "年度“三会一课”计划（1月31日前）", "S4": "个人自学计划备案（3月31日前）",
  "S5-SEC": "局党委书记讲党课", "S5-COM": "局党委成员到联系点讲党课",
  "A7-LEAD": "领导干部参加联系点组织生活会", "S6": "冬训", "P5": "党性教育体检",
  "U3": "问题整改专项行动", "U7": "思想政治状况调查",
};

// the point categories of the shipped rule set (rules/points/default.yaml)
export const CATEGORY = { "study": "学习", "organisational-life": "组织生活",
                          "serving-the-public": "服务群众", "contribution": "发挥作用",
                          "discipline": "纪律", "obligations": "履行义务" };

export const DIMENSION = { POLITICAL: "政治合格", DISCIPLINE: "执行纪律合格",
                           CONDUCT: "品德合格", CONTRIBUTION: "发挥作用合格" };
export const GRADE = { EXCELLENT: "优秀", QUALIFIED: "合格", BASICALLY_QUALIFIED: "基本合格",
                       UNQUALIFIED: "不合格" };
export const APPRAISAL_STATE = { OPEN: "评议中", FINALIZED: "已报局党委备案" };
export const PLEDGE_STATE = { OPEN: "进行中", FULFILLED: "已兑现", UNFULFILLED: "未兑现",
                              OVERDUE: "已逾期" };

// The last day of a period ("2026-05", "2026-Q2", "2026") as [y, m, d],
// computed from the period alone (never the browser's clock).
export function lastDay(period) {
  const [y, rest] = String(period).split("-");
  const year = Number(y);
  let month = 12;
  if (rest && rest.startsWith("Q")) month = Number(rest.slice(1)) * 3;
  else if (rest) month = Number(rest);
  const days = [31, (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28,
                31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return [year, month, days];
}

export function dayName([y, m, d]) {
  return `${y}年${m}月${d}日`;
}

// "2026-05-20" → the periods of that day: ["2026-05", "2026-Q2", "2026"]
export function periodsOf(day) {
  const [y, m] = day.split("-");
  return [`${y}-${m}`, `${y}-Q${Math.floor((Number(m) - 1) / 3) + 1}`, y];
}
