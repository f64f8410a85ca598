// Bureau office: who is behind (screen 3, 督查督办). A heat map of the
// bureau's branches × the months of the platform's year, coloured by the
// chosen monthly quota; a cell opens the branch's results and items; below,
// the bureau's supervision items with the moves the user may make.
import { gql } from "../api.js";
import { field, h, screen, show, showFieldError, states } from "../ui.js";
import { ITEM_STATE, QUOTA_STATUS, periodName } from "../words.js";
import { MONTHS, ruleName, worst } from "./office-words.js";

const RESULT = "rule subjectId period required actual status";
const ITEM = "id org { id name } rule period state openedAt dueOn report";

// The children of each of `ids`, in one request: [[{id,name,kind}], ...]
async function childrenOf(ids) {
  const vars = Object.fromEntries(ids.map((id, i) => [`i${i}`, id]));
  const head = ids.map((_, i) => `$i${i}: ID!`).join(", ");
  const body = ids.map((_, i) => `o${i}: organization(id: $i${i}) { children { id name kind } }`)
    .join("\n");
  const data = await gql(`query(${head}) { ${body} }`, vars);
  return ids.map((_, i) => (data[`o${i}`] ? data[`o${i}`].children : []));
}

// The branches below `rootId`, found level by level (party groups are not
// walked into: they sit below their branch).
export async function branchesBelow(rootId) {
  const branches = [];
  let frontier = [rootId];
  for (let depth = 0; frontier.length && depth < 6; depth += 1) {
    const next = [];
    for (const kids of await childrenOf(frontier)) {
      for (const org of kids) {
        if (org.kind === "BRANCH") branches.push(org);
        else if (org.kind !== "GROUP") next.push(org.id);
      }
    }
    frontier = next;
  }
  return branches;
}

// The bureaus of the cities `cities` ([{id, name}]) as [{id, name, city}].
export async function bureausOf(cities) {
  const lists = cities.length ? await childrenOf(cities.map((c) => c.id)) : [];
  return lists.flatMap((kids, i) => kids.filter((o) => o.kind === "BUREAU")
    .map((o) => ({ ...o, city: cities[i].name })));
}

const month = (year, m) => `${year}-${String(m).padStart(2, "0")}`;
const date = (value) => (value ? String(value).slice(0, 10) : "");

async function load(rootId) {
  const { today, organization: root } = await gql(
    `query($id: ID!) { today organization(id: $id) { id name kind } }`, { id: rootId });
  if (!root) return { today, root: null };
  if (root.kind === "CITY") return { today, root, bureaus: await bureausOf([root]) };
  const [year, now] = today.split("-").map(Number);
  const branches = await branchesBelow(root.id);
  const periods = Array.from({ length: now }, (_, i) => month(year, i + 1));
  const body = periods.map((p, i) =>
    `m${i}: compliance(orgId: $id, period: "${p}") { results { ${RESULT} } }`).join("\n");
  const data = await gql(`query($id: ID!) { ${body} }`, { id: root.id });
  const results = periods.flatMap((_, i) => data[`m${i}`].results);
  return { today, year, now, root, branches, results };
}

function picker(bureaus, current) {
  const select = h("select", { id: "bureau-pick", name: "bureau" },
    h("option", { value: "" }, "请选择局"),
    bureaus.map((b) => h("option", { value: b.id, selected: b.id === current },
                         `${b.city} · ${b.name}`)));
  select.addEventListener("change", () => {
    if (select.value) location.hash = `#/bureau/${encodeURIComponent(select.value)}`;
  });
  return field("查看的局", select, "bureau");
}

export default {
  key: "bureau",
  title: "督查督办",
  offered: (who) => who.all || (!!who.org && ["CITY", "BUREAU", "COMMITTEE"].includes(who.org.kind)),
  async render(view, who, params) {
    const rootId = params[0] || (who.all ? null : who.org && who.org.id);
    if (!rootId) {
      // the whole installation: choose a bureau of one of the cities
      await screen(view, "局列表", () => bureausOf(who.orgs.filter((o) => o.kind === "CITY")),
        (bureaus) => [h("h1", {}, "督查督办"),
                      bureaus.length ? h("div", { class: "card office-pick" }, picker(bureaus))
                                     : states.empty("还没有局。")]);
      return;
    }
    let rule = null;
    const draw = (data) => {
      if (!data.root) return states.notFound();
      if (data.bureaus) {
        return [h("h1", {}, `督查督办 · ${data.root.name}`),
                h("div", { class: "card office-pick" }, picker(data.bureaus))];
      }
      return page(view, who, data, () => rule, (r) => { rule = r; });
    };
    const reload = () => screen(view, "督查数据", () => load(rootId), draw);
    view.reload = reload;
    await reload();
  },
};

function page(view, who, data, getRule, setRule) {
  const { root, branches, results, year, now } = data;
  const ids = new Set(branches.map((b) => b.id));
  const monthly = [...new Set(results.filter((r) => ids.has(r.subjectId) && /^\d{4}-\d{2}$/.test(r.period))
    .map((r) => r.rule))].sort();
  let rule = getRule();
  if (!monthly.includes(rule)) rule = monthly.includes("A1") ? "A1" : monthly[0] || null;
  setRule(rule);

  const panel = h("section", { class: "card cell-panel", id: "cell-panel", hidden: true });
  const grid = h("div", { class: "table-wrap heatmap-wrap" });
  const drawGrid = () => {
    grid.replaceChildren(heatmap(branches, results, rule, year, now, (branch, period) =>
      openCell(panel, branch, period, results)));
  };
  const ruleSelect = h("select", { id: "rule-filter", name: "rule" },
    monthly.map((r) => h("option", { value: r, selected: r === rule }, ruleName(r))));
  ruleSelect.addEventListener("change", () => {
    rule = ruleSelect.value;
    setRule(rule);
    drawGrid();
  });
  drawGrid();
  const refresh = h("button", { type: "button", id: "refresh", onclick: () => view.reload() },
                    "刷新");
  const legend = h("p", { class: "legend" },
    ["MET", "PENDING", "MISSED"].map((s) => h("span", { class: `swatch ${s}` }, QUOTA_STATUS[s])),
    h("span", { class: "swatch NONE" }, "无此指标"), h("span", { class: "swatch FUTURE" }, "未到"));
  return [
    h("h1", {}, `督查督办 · ${root.name}`),
    h("section", { class: "card", id: "heatmap" },
      h("div", { class: "office-bar" },
        h("h2", {}, `${year}年各支部月度指标`),
        ruleFilter(ruleSelect, monthly), refresh),
      legend,
      branches.length ? grid : states.empty("该组织下还没有党支部。")),
    panel,
    itemsSection(who, root),
  ];
}

function ruleFilter(select, monthly) {
  return monthly.length ? field("指标", select, "rule") : h("span", { class: "hint" }, "暂无月度指标");
}

function heatmap(branches, results, rule, year, now, open) {
  const status = new Map();
  for (const r of results) {
    if (r.rule !== rule) continue;
    const key = `${r.subjectId}|${r.period}`;
    status.set(key, worst(status.get(key), r.status));
  }
  return h("table", { class: "heatmap" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "支部"),
      MONTHS.map((m) => h("th", { scope: "col" }, m)))),
    h("tbody", {}, branches.map((b) => h("tr", { "data-branch": b.id },
      h("th", { scope: "row" }, h("a", { href: `#/due/${encodeURIComponent(b.id)}` }, b.name)),
      MONTHS.map((_, i) => {
        const period = month(year, i + 1);
        if (i + 1 > now) {
          return h("td", { class: "cell FUTURE", "data-branch": b.id, "data-period": period,
                           "data-status": "FUTURE", title: `${periodName(period)}：未到` }, "");
        }
        const s = status.get(`${b.id}|${period}`) || "NONE";
        return h("td", { class: `cell ${s}`, "data-branch": b.id, "data-period": period,
                         "data-status": s },
          h("button", { type: "button", title: `${b.name} ${periodName(period)}`,
                        "aria-label": `${b.name} ${periodName(period)} ${QUOTA_STATUS[s] || "无此指标"}`,
                        onclick: () => open(b, period) },
            QUOTA_STATUS[s] || "—"));
      })))));
}

async function openCell(panel, branch, period, results) {
  panel.hidden = false;
  document.querySelectorAll("td.cell.chosen").forEach((td) => td.classList.remove("chosen"));
  const td = document.querySelector(`td.cell[data-branch="${CSS.escape(branch.id)}"][data-period="${period}"]`);
  if (td) td.classList.add("chosen");
  panel.dataset.branch = branch.id;
  panel.dataset.period = period;
  const own = results.filter((r) => r.subjectId === branch.id && r.period === period);
  const items = h("div", { class: "cell-items" }, states.loading("督办事项"));
  show(panel,
    h("div", { class: "office-bar" },
      h("h2", {}, `${branch.name} · ${periodName(period)}`),
      h("a", { class: "button", href: `#/due/${encodeURIComponent(branch.id)}`, id: "to-due" },
        "查看该支部待办指标"),
      h("button", { type: "button", class: "link", onclick: () => { panel.hidden = true; } },
        "关闭")),
    h("h3", {}, "指标结果"),
    own.length ? h("div", { class: "table-wrap" }, h("table", { class: "cell-results" },
      h("thead", {}, h("tr", {}, h("th", {}, "指标"), h("th", {}, "要求"), h("th", {}, "实际"),
                       h("th", {}, "状态"))),
      h("tbody", {}, own.map((r) => h("tr", { "data-rule": r.rule },
        h("td", {}, ruleName(r.rule)), h("td", {}, r.required), h("td", {}, r.actual),
        h("td", {}, h("span", { class: `status ${r.status}` }, QUOTA_STATUS[r.status])))))))
      : states.empty("该月没有该支部的指标结果。"),
    h("h3", {}, "督办事项"),
    items);
  panel.scrollIntoView({ block: "nearest" });
  try {
    const data = await gql(`query($o: ID!) { supervisionItems(orgId: $o) { ${ITEM} } }`,
                           { o: branch.id });
    if (panel.dataset.branch !== branch.id || panel.dataset.period !== period) return;
    const list = data.supervisionItems;
    items.replaceChildren(list.length ? itemTable(list, null, null)
                                      : states.empty("该支部没有督办事项。"));
  } catch (err) {
    items.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message));
  }
}

function itemsSection(who, root) {
  const section = h("section", { class: "card", id: "items" });
  const stateSelect = h("select", { id: "item-state", name: "state" },
    h("option", { value: "" }, "全部"),
    Object.entries(ITEM_STATE).map(([k, v]) => h("option", { value: k }, v)));
  const body = h("div", { class: "items-body" });
  const reload = async () => {
    body.replaceChildren(states.loading("督办事项"));
    try {
      const data = await gql(
        `query($o: ID!, $s: SupervisionState) { supervisionItems(orgId: $o, state: $s) { ${ITEM} } }`,
        { o: root.id, s: stateSelect.value || null });
      const list = data.supervisionItems;
      body.replaceChildren(list.length ? itemTable(list, who, reload)
                                       : states.empty("没有符合条件的督办事项。"));
    } catch (err) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message));
    }
  };
  stateSelect.addEventListener("change", reload);
  section.append(h("div", { class: "office-bar" }, h("h2", {}, `${root.name}的督办事项`),
                   field("状态", stateSelect, "state")), body);
  reload();
  return section;
}

const MOVES = {
  report: { label: "报告", from: ["ASSIGNED"], arg: "report",
            query: `mutation($id: ID!, $t: String!) { reportSupervisionItem(id: $id, report: $t) { id state } }` },
  close: { label: "销号", from: ["REPORTED"], arg: "note",
           query: `mutation($id: ID!, $t: String) { closeSupervisionItem(id: $id, note: $t) { id state } }` },
  escalate: { label: "升级追责", from: ["ASSIGNED", "REPORTED"], arg: "note",
              query: `mutation($id: ID!, $t: String!) { escalateSupervisionItem(id: $id, note: $t) { id state } }` },
};

function itemTable(list, who, reload) {
  const acting = !!(who && who.mayWrite);
  return h("div", { class: "table-wrap" }, h("table", { class: "items" },
    h("thead", {}, h("tr", {}, h("th", {}, "组织"), h("th", {}, "指标"), h("th", {}, "周期"),
      h("th", {}, "状态"), h("th", {}, "交办日期"), h("th", {}, "办理期限"), h("th", {}, "报告"),
      acting && h("th", {}, "办理"))),
    h("tbody", {}, list.map((item) => h("tr", { "data-item": item.id, "data-state": item.state },
      h("td", {}, item.org.name), h("td", {}, ruleName(item.rule)),
      h("td", {}, periodName(item.period)),
      h("td", {}, h("span", { class: `status item ${item.state}` }, ITEM_STATE[item.state] || item.state)),
      h("td", {}, date(item.openedAt)), h("td", {}, date(item.dueOn)),
      h("td", {}, item.report || ""),
      acting && h("td", {}, actions(item, reload)))))));
}

function actions(item, reload) {
  const moves = Object.entries(MOVES).filter(([, m]) => m.from.includes(item.state));
  if (!moves.length) return "";
  const input = h("input", { type: "text", name: "note", placeholder: "报告内容或说明",
                             autocomplete: "off" });
  const form = h("form", { class: "item-actions" }, field("说明", input, "note"),
                 h("p", { class: "form-error", role: "alert" }));
  const buttons = moves.map(([name, move]) => h("button", {
    type: "button", "data-move": name,
    onclick: async (event) => {
      const all = form.querySelectorAll("button");
      all.forEach((b) => { b.disabled = true; });
      try {
        await gql(move.query, { id: item.id, t: input.value.trim() || (name === "close" ? null : "") });
        await reload();
      } catch (err) {
        // the platform decides: its message, beside the note when it names it
        showFieldError(form, { ...err, message: err.message,
                               field: err.field && /report|note/.test(err.field) ? "note" : err.field });
        all.forEach((b) => { b.disabled = false; });
      }
    },
  }, move.label));
  form.append(h("div", { class: "buttons" }, buttons));
  form.addEventListener("submit", (e) => e.preventDefault());
  return form;
}

