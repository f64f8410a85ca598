// Words of the office screens (督查督办, 排名与报表) beyond words.js.
export const RULE = {
  A1: "党员集中活动日", "A2-GM": "党员大会", "A2-CM": "支委会", "A2-GR": "党小组会",
  "A2-PL": "党课", A4: "志愿服务", A6: "谈心谈话", "A7-OL": "组织生活会",
  S1: "年度学习计划", "A2-PLAN": "年度“三会一课”计划", S2: "理论学习中心组学习",
};
export const REPORT_KIND = { MONTHLY: "月调度", QUARTERLY: "季督查", MIDYEAR: "年中观摩",
                             ANNUAL: "年底述职" };
export const MONTHS = ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
                       "11月", "12月"];
// a rule as its users know it: "A1 党员集中活动日", or just its key
export const ruleName = (rule) => (RULE[rule] ? `${rule} ${RULE[rule]}` : rule);
// the worse of two quota statuses (MISSED is worst)
const RANK = { MET: 0, PENDING: 1, MISSED: 2 };
export const worst = (a, b) => (!a ? b : !b ? a : RANK[b] > RANK[a] ? b : a);
