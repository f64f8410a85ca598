// City: ranking and reports (screen 4, 排名与报表). Branch stars and each
// bureau's share of MET quota results side by side, then the supervision
// reports (月调度 / 季督查 / 年中观摩 / 年底述职) with their Excel workbooks.
import { gql, signedOut, token } from "../api.js";
import { field, h, screen, show, states } from "../ui.js";
import { periodName } from "../words.js";
import { REPORT_KIND } from "./office-words.js";
import { bureausOf } from "./bureau.js";

async function load(who, param) {
  const { today } = await gql(`{ today }`);
  const [year, month] = today.split("-").map(Number);
  const rootId = param || (who.all ? (who.orgs.find((o) => o.kind === "CITY") || who.orgs[0] || {}).id
                                   : who.org && who.org.id);
  if (!rootId) return { today, root: null };
  const { organization: root, branchRatings: ratings } = await gql(
    `query($id: ID!, $y: Int!) { organization(id: $id) { id name kind }
       branchRatings(orgId: $id, year: $y) {
         branch { id name } score stars change compliance points supervision } }`,
    { id: rootId, y: year });
  if (!root) return { today, root: null };
  const bureaus = root.kind === "CITY" ? await bureausOf([root]) : [root];
  return { today, year, month, root, ratings, bureaus };
}

export default {
  key: "city",
  title: "排名与报表",
  offered: (who) => who.all || (!!who.org && ["CITY", "BUREAU"].includes(who.org.kind)),
  async render(view, who, params) {
    await screen(view, "排名与报表", () => load(who, params[0]), (data) => {
      if (!data.root) return states.notFound();
      return page(who, data);
    });
  },
};

function page(who, data) {
  const { root, ratings, bureaus } = data;
  const scopes = root.kind === "CITY" ? [root, ...bureaus] : [root];
  const scopeSelect = h("select", { id: "city-scope", name: "scope" },
    scopes.map((o) => h("option", { value: o.id, selected: o.id === root.id }, o.name)));
  scopeSelect.addEventListener("change", () => {
    location.hash = `#/city/${encodeURIComponent(scopeSelect.value)}`;
  });
  return [
    h("div", { class: "office-bar" }, h("h1", {}, `排名与报表 · ${root.name}`),
      scopes.length > 1 ? field("范围", scopeSelect, "scope") : null),
    h("div", { class: "city-grid" },
      ratingsCard(data),
      sharesCard(data)),
    reportsCard(data, scopes),
  ];
}

function stars(n) {
  return h("span", { class: "stars", "aria-label": `${n}星`, title: `${n}星` },
    "★".repeat(n), h("span", { class: "off" }, "★".repeat(Math.max(0, 5 - n))));
}

const fixed = (x, d = 1) => Number(x).toFixed(d);

function ratingsCard({ ratings, year }) {
  return h("section", { class: "card", id: "ratings" },
    h("h2", {}, `${year}年支部星级评定`),
    ratings.length ? h("div", { class: "table-wrap" }, h("table", { class: "ratings" },
      h("thead", {}, h("tr", {}, h("th", {}, "名次"), h("th", {}, "支部"), h("th", {}, "星级"),
        h("th", { class: "num" }, "得分"), h("th", { class: "num" }, "指标完成"),
        h("th", { class: "num" }, "积分"), h("th", { class: "num" }, "督办"),
        h("th", {}, "升降"))),
      h("tbody", {}, ratings.map((r, i) => h("tr", { "data-branch": r.branch.id },
        h("td", {}, i + 1),
        h("td", {}, h("a", { href: `#/due/${encodeURIComponent(r.branch.id)}` }, r.branch.name)),
        h("td", {}, stars(r.stars)),
        h("td", { class: "num" }, fixed(r.score)),
        h("td", { class: "num" }, fixed(r.compliance, 0)),
        h("td", { class: "num" }, fixed(r.points)),
        h("td", { class: "num" }, fixed(r.supervision, 0)),
        h("td", {}, r.change > 0 ? h("span", { class: "change up" }, `升${r.change}星`)
                  : r.change < 0 ? h("span", { class: "change down" }, `降${-r.change}星`)
                  : "持平"))))))
      : states.empty("该范围内还没有党支部。"));
}

// Each bureau's share of MET results: from the supervision report of the
// year (everything in it) or of the month, one request for all bureaus.
function sharesCard({ bureaus, year, month }) {
  const body = h("div", { class: "shares-body" });
  const yearPeriod = String(year);
  const monthPeriod = `${year}-${String(month).padStart(2, "0")}`;
  const buttons = {};
  const choose = async (which) => {
    for (const [k, b] of Object.entries(buttons)) b.setAttribute("aria-pressed", String(k === which));
    const [kind, period] = which === "year" ? ["ANNUAL", yearPeriod] : ["MONTHLY", monthPeriod];
    body.replaceChildren(states.loading("达标率"));
    if (!bureaus.length) { body.replaceChildren(states.empty("还没有局。")); return; }
    try {
      const vars = Object.fromEntries(bureaus.map((b, i) => [`b${i}`, b.id]));
      const head = bureaus.map((_, i) => `$b${i}: ID!`).join(", ");
      const q = bureaus.map((_, i) => `r${i}: report(orgId: $b${i}, kind: ${kind}, period: "${period}") {
        rows { quotasMet quotasMissed quotasPending } }`).join("\n");
      const data = await gql(`query(${head}) { ${q} }`, vars);
      const lines = bureaus.map((b, i) => {
        const sum = (k) => data[`r${i}`].rows.reduce((n, r) => n + r[k], 0);
        const met = sum("quotasMet");
        const all = met + sum("quotasMissed") + sum("quotasPending");
        return { b, met, all, share: all ? met / all : null };
      }).sort((x, y) => (y.share ?? -1) - (x.share ?? -1));
      body.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "shares" },
        h("thead", {}, h("tr", {}, h("th", {}, "局"), h("th", {}, "已完成 / 全部"),
                         h("th", {}, "达标率"))),
        h("tbody", {}, lines.map(({ b, met, all, share }) => h("tr", { "data-org": b.id },
          h("td", {}, b.name), h("td", { class: "num" }, `${met} / ${all}`),
          h("td", {}, h("div", { class: "share" },
            h("span", { class: "bar" }, h("span", { style: `width:${share === null ? 0 : Math.round(share * 100)}%` })),
            h("span", { class: "pct" }, share === null ? "—" : `${fixed(share * 100)}%`)))))))),
        h("p", { class: "hint" }, `${periodName(period)}各局指标结果中“已完成”的占比（含进行中的指标）。`));
    } catch (err) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message));
    }
  };
  buttons.year = h("button", { type: "button", "data-range": "year", onclick: () => choose("year") }, "本年");
  buttons.month = h("button", { type: "button", "data-range": "month", onclick: () => choose("month") }, "本月");
  choose("year");
  return h("section", { class: "card", id: "shares" },
    h("div", { class: "office-bar" }, h("h2", {}, "各局指标达标率"),
      h("div", { class: "toggle", role: "group", "aria-label": "统计期间" }, buttons.year, buttons.month)),
    body);
}

// The periods of a kind of report in the platform's year, latest first.
function periods(kind, year, month) {
  const pad = (m) => String(m).padStart(2, "0");
  switch (kind) {
    case "MONTHLY": return Array.from({ length: month }, (_, i) => `${year}-${pad(month - i)}`);
    case "QUARTERLY": {
      const q = Math.ceil(month / 3);
      return Array.from({ length: q }, (_, i) => `${year}-Q${q - i}`);
    }
    case "MIDYEAR": return month > 6 ? [`${year}-H2`, `${year}-H1`] : [`${year}-H1`];
    default: return [String(year), String(year - 1)];
  }
}

const halfName = (p) => (/-H[12]$/.test(p) ? `${p.slice(0, 4)}年${p.endsWith("1") ? "上" : "下"}半年`
                                           : periodName(p));

function reportsCard({ year, month, root }, scopes) {
  const shown = h("div", { class: "report-shown" });
  const note = h("p", { class: "form-error download-note", role: "alert" });
  const orgSelect = h("select", { id: "report-org", name: "org" },
    scopes.map((o) => h("option", { value: o.id, selected: o.id === root.id }, o.name)));
  const rows = Object.entries(REPORT_KIND).map(([kind, name]) => {
    const select = h("select", { name: "period", "aria-label": `${name}周期` },
      periods(kind, year, month).map((p) => h("option", { value: p }, halfName(p))));
    const view = h("button", { type: "button", "data-view": kind,
      onclick: () => showReport(shown, orgSelect.value, kind, select.value) }, "查看");
    const get = h("button", { type: "button", class: "primary", "data-download": kind,
      onclick: async () => {
        get.disabled = true;
        note.textContent = "";
        try {
          const org = scopes.find((o) => o.id === orgSelect.value) || root;
          await download(kind, org, select.value);
        } catch (err) {
          note.textContent = err.message;
        } finally {
          get.disabled = false;
        }
      } }, "下载 Excel");
    return h("tr", { id: `report-${kind}`, "data-kind": kind },
      h("td", {}, name), h("td", {}, select), h("td", {}, h("div", { class: "buttons" }, view, " ", get)));
  });
  return h("section", { class: "card", id: "reports" },
    h("div", { class: "office-bar" }, h("h2", {}, "督查报表"),
      scopes.length > 1 ? field("报表组织", orgSelect, "org") : null),
    h("div", { class: "table-wrap" }, h("table", { class: "reports" },
      h("thead", {}, h("tr", {}, h("th", {}, "报表"), h("th", {}, "周期"), h("th", {}, ""))),
      h("tbody", {}, rows))),
    note, shown);
}

async function showReport(box, orgId, kind, period) {
  show(box, states.loading("报表"));
  try {
    const { report } = await gql(`query($o: ID!, $k: ReportKind!, $p: String!) {
      report(orgId: $o, kind: $k, period: $p) { org { name } period rows { org { id name }
        quotasMet quotasMissed quotasPending itemsOpen itemsClosed itemsEscalated averagePoints } } }`,
      { o: orgId, k: kind, p: period });
    const cols = [["quotasMet", "指标达标"], ["quotasMissed", "未达标"], ["quotasPending", "待定"],
                  ["itemsOpen", "督办未销号"], ["itemsClosed", "已销号"], ["itemsEscalated", "已追责"]];
    show(box, h("h3", {}, `${report.org.name} · ${REPORT_KIND[kind]} · ${halfName(report.period)}`),
      report.rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "report-rows" },
        h("thead", {}, h("tr", {}, h("th", {}, "支部"), cols.map(([, n]) => h("th", { class: "num" }, n)),
                         h("th", { class: "num" }, "党员平均积分"))),
        h("tbody", {}, report.rows.map((r) => h("tr", {}, h("td", {}, r.org.name),
          cols.map(([k]) => h("td", { class: "num" }, r[k])),
          h("td", { class: "num" }, fixed(r.averagePoints))))))) : states.empty("该报表没有支部。"));
  } catch (err) {
    show(box, h("p", { class: "form-error", role: "alert" }, err.message));
  }
}

// The workbook, fetched with the token in the Authorization header (never
// in an address) and saved from a blob's object URL.
async function download(kind, org, period) {
  const response = await fetch(`/reports/${kind}/${encodeURIComponent(org.id)}/${encodeURIComponent(period)}.xlsx`,
                               { headers: { Authorization: `Bearer ${token.get()}` } });
  if (!response.ok) {
    let message = `报表暂时无法下载（HTTP ${response.status}），请稍后重试。`;
    try {
      const body = await response.json();
      if (body.errors && body.errors.length) message = body.errors[0].message;
    } catch (err) { /* not JSON: keep the plain message */ }
    if (response.status === 401) signedOut(message);
    throw new Error(message);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: `${org.name}-${REPORT_KIND[kind]}-${period}.xlsx`,
                     style: "display:none" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}
