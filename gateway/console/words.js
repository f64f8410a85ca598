// The platform's terms in the words its users know (the contract's enums
// and roles, with their Chinese names from contract/core.graphql).
export const ORG_KIND = { CITY: "市", BUREAU: "局", COMMITTEE: "党委", BRANCH: "党支部",
                          GROUP: "党小组" };
export const ACTIVITY_KIND = {
  ACTIVITY_DAY: "党员集中活动日", GENERAL_MEETING: "党员大会", COMMITTEE_MEETING: "支委会",
  GROUP_MEETING: "党小组会", PARTY_LECTURE: "党课", VOLUNTEER_SERVICE: "志愿服务",
  ORG_LIFE_MEETING: "组织生活会", DEMOCRATIC_LIFE_MEETING: "民主生活会",
  CENTRAL_GROUP_STUDY: "理论学习中心组学习", WINTER_TRAINING: "冬训",
};
export const ATTENDANCE = { PRESENT: "出席", EXCUSED: "请假", ABSENT: "缺席" };
export const QUOTA_STATUS = { MET: "已完成", PENDING: "进行中", MISSED: "未完成" };
export const ITEM_STATE = { ASSIGNED: "已交办", REPORTED: "已报告", CLOSED: "已办结",
                            ESCALATED: "已升级" };
export const ROLE = { admin: "管理员", secretary: "书记", member: "党员", viewer: "查看者" };

// "2026-05" → "2026年5月", "2026-Q2" → "2026年第二季度", "2026" → "2026年"
export function periodName(period) {
  const [year, rest] = String(period).split("-");
  if (!rest) return `${year}年`;
  if (rest.startsWith("Q")) return `${year}年第${"一二三四"[Number(rest.slice(1)) - 1]}季度`;
  return `${year}年${Number(rest)}月`;
}
