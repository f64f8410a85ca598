// Branch: its members' points, study and practice (screen 2).
import { gql } from "../api.js";
import { failure, h, show, states } from "../ui.js";
import { APPRAISAL_STATE, CATEGORY, DIMENSION, GRADE, PLEDGE_STATE } from "./branch-words.js";

const BRANCH = `query($id: ID!) { today organization(id: $id) { id name kind
  members { id name } } }`;
const DIMENSIONS = ["POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION"];

// The branch's pledges and appraisal of the year and its members' points,
// then each member's four-qualified dimensions, self-study plan and log and
// households as aliases (m0_…, m1_…), PER_REQUEST members a request: the
// gateway takes at most 50 aliased fields in one operation.
const BRANCH_YEAR = `query($id: ID!, $y: Int!) {
  pledges(orgId: $id, year: $y) { member { id } state }
  appraisal(branchId: $id, year: $y) { state results { member { id } score grade needsReview } }
  organization(id: $id) { members { id points(year: $y) { total byCategory { category points } } } }
}`;
const PER_REQUEST = 12;

function memberQuery(count) {
  const vars = ["$y: Int!", "$from: Date!", "$to: Date!"];
  const parts = [];
  for (let i = 0; i < count; i += 1) {
    vars.push(`$m${i}: ID!`);
    parts.push(`m${i}_dims: fourQualified(memberId: $m${i}, year: $y) { dimension score }`,
               `m${i}_plan: selfStudyPlan(memberId: $m${i}, year: $y) { filedOn }`,
               `m${i}_log: selfStudyLog(memberId: $m${i}, from: $from, to: $to) { id }`,
               `m${i}_homes: households(memberId: $m${i}) { id }`);
  }
  return `query(${vars.join(", ")}) {\n  ${parts.join("\n  ")}\n}`;
}

// Everything the table shows, by member id: {dims, plan, log, homes}.
async function loadDetails(branch, year, today) {
  const chunks = [];
  for (let i = 0; i < branch.members.length; i += PER_REQUEST) {
    chunks.push(branch.members.slice(i, i + PER_REQUEST));
  }
  const [common, ...parts] = await Promise.all([
    gql(BRANCH_YEAR, { id: branch.id, y: year }),
    ...chunks.map((chunk) => {
      const variables = { y: year, from: `${year}-01-01`, to: today };
      chunk.forEach((m, i) => { variables[`m${i}`] = m.id; });
      return gql(memberQuery(chunk.length), variables);
    }),
  ]);
  const each = {};
  chunks.forEach((chunk, c) => chunk.forEach((m, i) => {
    const d = parts[c];
    each[m.id] = { dims: d[`m${i}_dims`] || [], plan: d[`m${i}_plan`],
                   log: d[`m${i}_log`] || [], homes: d[`m${i}_homes`] || [] };
  }));
  return { ...common, each };
}

const fmt = (n) => (Math.round(n * 10) / 10).toString();

export default {
  key: "members",
  title: "党员情况",
  offered: (who) => !!who.org && ["BRANCH", "GROUP"].includes(who.org.kind),
  async render(view, who, params) {
    const orgId = params[0] || who.org.id;
    const title = h("h1", {}, "党员情况");
    show(view, title, states.loading("党员情况"));
    try {
      const first = await gql(BRANCH, { id: orgId });
      const branch = first.organization;
      if (!branch) {
        show(view, title, states.notFound("没有找到这个党支部。"));
        return;
      }
      branch.members.sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
      const year = Number(first.today.slice(0, 4));
      const head = h("p", { class: "hint" }, `${branch.name} · ${year}年度 · 平台日期 ${first.today}`);
      if (!branch.members.length) {
        show(view, title, head, states.empty("本支部还没有党员。党员登记后，这里会列出他们的积分、学习和实践情况。"));
        return;
      }
      const data = await loadDetails(branch, year, first.today);
      show(view, title, head, draw(branch, year, data));
    } catch (err) {
      show(view, title, failure(err));
    }
  },
};

function draw(branch, year, data) {
  const points = Object.fromEntries(((data.organization && data.organization.members) || [])
    .map((m) => [m.id, m.points]));
  const pledges = {};
  for (const p of data.pledges || []) (pledges[p.member.id] ||= []).push(p.state);
  const appraisal = data.appraisal;
  const graded = Object.fromEntries(((appraisal && appraisal.results) || [])
    .map((r) => [r.member.id, r]));

  const headers = ["姓名", "年度积分", ...DIMENSIONS.map((d) => DIMENSION[d]),
                   "自学计划", "自学记录", "承诺", "联户"];
  if (appraisal) headers.push("民主评议");
  headers.push("积分构成");
  const rows = branch.members.map((m) => {
    const p = points[m.id] || { total: 0, byCategory: [] };
    const { plan, log, homes } = data.each[m.id];
    const dims = Object.fromEntries(data.each[m.id].dims.map((d) => [d.dimension, d.score]));
    const mine = pledges[m.id] || [];
    const cells = [
      h("td", { class: "name" }, m.name),
      h("td", { class: "num points" }, fmt(p.total)),
      ...DIMENSIONS.map((d) => h("td", { class: "num", dataset: { dimension: d } },
                                  dims[d] === undefined ? "—" : fmt(dims[d]))),
      h("td", {}, plan ? h("span", { class: "yes" }, `已备案（${plan.filedOn}）`)
                       : h("span", { class: "no" }, "未备案")),
      h("td", { class: "num" }, `${log.length} 条`),
      h("td", {}, mine.length
        ? `${mine.length} 项（${mine.map((s) => PLEDGE_STATE[s] || s).join("、")}）` : "未承诺"),
      h("td", { class: "num" }, `${homes.length} 户`),
    ];
    if (appraisal) {
      const r = graded[m.id];
      cells.push(h("td", {}, r ? `${r.grade ? GRADE[r.grade] : "待定"}（${fmt(r.score)} 分）` +
                               (r.needsReview ? " 需复核" : "") : "—"));
    }
    cells.push(h("td", { class: "categories" }, p.byCategory.length
      ? p.byCategory.map((c) => `${CATEGORY[c.category] || c.category} ${fmt(c.points)}`)
        .join("；") : "—"));
    return h("tr", { dataset: { member: m.id } }, cells);
  });

  return [
    appraisal ? appraisalCard(year, appraisal) : null,
    h("section", { class: "card" },
      h("h2", {}, `党员（${branch.members.length} 名）`),
      h("div", { class: "table-wrap" }, h("table", { class: "members" },
        h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))),
        h("tbody", {}, rows)))),
  ];
}

function appraisalCard(year, appraisal) {
  const counts = {};
  for (const r of appraisal.results) {
    const key = r.grade || "NONE";
    counts[key] = (counts[key] || 0) + 1;
  }
  const said = Object.entries(GRADE).filter(([g]) => counts[g])
    .map(([g, t]) => `${t} ${counts[g]} 人`);
  if (counts.NONE) said.push(`待定 ${counts.NONE} 人`);
  return h("section", { class: "card appraisal" },
    h("h2", {}, `${year}年度民主评议党员 `,
      h("span", { class: `status ${appraisal.state}` },
        APPRAISAL_STATE[appraisal.state] || appraisal.state)),
    h("p", { class: "members-summary" },
      said.length ? said.map((s) => h("span", {}, s)) : "尚无评议结果。"));
}
