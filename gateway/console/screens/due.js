// Branch secretary: what is due this month, this quarter and this year
// (screen 1), and the form that records an activity.
import { gql } from "../api.js";
import { failure, field, h, show, showFieldError, states } from "../ui.js";
import { ACTIVITY_KIND, ATTENDANCE, QUOTA_STATUS, periodName } from "../words.js";
import { RULE_TITLE, dayName, lastDay, periodsOf } from "./branch-words.js";

const BRANCH = `query($id: ID!) { today organization(id: $id) {
  id name kind members { id name } contacts { id name } } }`;
const COMPLIANCE = `query($id: ID!, $m: String!, $q: String!, $y: String!) {
  month: compliance(orgId: $id, period: $m) { period results { ...r } }
  quarter: compliance(orgId: $id, period: $q) { period results { ...r } }
  year: compliance(orgId: $id, period: $y) { period results { ...r } } }
  fragment r on QuotaResult { rule subjectId period required actual status }`;
const RECORD = `mutation($i: ActivityInput!) { recordActivity(input: $i) {
  id kind theme heldOn } }`;
const SCOPES = [["month", "本月"], ["quarter", "本季度"], ["year", "本年度"]];
const RANK = { MISSED: 0, PENDING: 1, MET: 2 };

export default {
  key: "due",
  title: "待办指标",
  offered: (who) => !!who.org && ["BRANCH", "GROUP"].includes(who.org.kind),
  async render(view, who, params) {
    const orgId = params[0] || who.org.id;
    show(view, h("h1", {}, "待办指标"), states.loading("待办指标"));
    let branch;
    let quotas;
    try {
      const data = await gql(BRANCH, { id: orgId });
      if (!data.organization) {
        show(view, h("h1", {}, "待办指标"), states.notFound("没有找到这个党支部。"));
        return;
      }
      data.organization.members.sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
      branch = { ...data.organization, today: data.today };
      quotas = await loadQuotas(branch);
    } catch (err) {
      show(view, h("h1", {}, "待办指标"), failure(err));
      return;
    }
    draw(view, who, branch, quotas);
  },
};

// The quotas of the three periods of the platform's day, only those of the
// branch itself and of its members.
async function loadQuotas(branch) {
  const [m, q, y] = periodsOf(branch.today);
  const data = await gql(COMPLIANCE, { id: branch.id, m, q, y });
  const ours = new Set([branch.id, ...branch.members.map((x) => x.id)]);
  const out = {};
  for (const [key] of SCOPES) {
    out[key] = { period: data[key].period,
                 results: data[key].results.filter((r) => ours.has(r.subjectId))
                   .sort((a, b) => RANK[a.status] - RANK[b.status]
                                   || a.rule.localeCompare(b.rule)) };
  }
  return out;
}

function counted(quotas) {
  return SCOPES.reduce((sum, [key]) =>
    sum + quotas[key].results.reduce((s, r) => s + r.actual, 0), 0);
}

function draw(view, who, branch, quotas) {
  const tables = h("div", { class: "due-periods" });
  const notice = h("p", { class: "notice", role: "status", id: "due-notice" });
  let current = quotas;
  const drawTables = (q) => {
    current = q;
    tables.replaceChildren(...SCOPES.map(([key, label]) => periodCard(branch, key, label, q[key])));
  };
  drawTables(quotas);

  const refresh = async (before, deadline) => {
    // points and quotas follow the activity through events: ask again about
    // once a second until the new activity is counted (or ~15 s have passed)
    let latest;
    try {
      latest = await loadQuotas(branch);
    } catch (err) {
      notice.classList.remove("waiting");
      notice.textContent = `刷新指标失败：${err.message}`;
      return;
    }
    drawTables(latest);
    if (counted(latest) > before) {
      notice.classList.remove("waiting");
      notice.textContent += " 指标已更新。";
    } else if (Date.now() < deadline) {
      setTimeout(() => { if (tables.isConnected) refresh(before, deadline); }, 1000);
    } else {
      notice.classList.remove("waiting");
      notice.textContent += " 指标稍后更新，请稍后刷新查看。";
    }
  };

  const actions = h("div", { class: "due-actions" });
  if (who.mayWrite) {
    const open = h("button", { type: "button", class: "primary", id: "record-activity" },
                   "记录活动");
    const slot = h("div", { class: "due-form-slot" });
    open.addEventListener("click", () => {
      if (slot.firstChild) { slot.firstChild.querySelector("[name=theme]").focus(); return; }
      slot.replaceChildren(activityForm(branch, {
        close: () => slot.replaceChildren(),
        recorded: async (activity) => {
          slot.replaceChildren();
          notice.classList.add("waiting");
          notice.textContent = `已记录：${ACTIVITY_KIND[activity.kind]}“${activity.theme}”` +
                               `（${activity.heldOn}），正在更新指标…`;
          refresh(counted(current), Date.now() + 15000);
        },
      }));
      slot.querySelector("[name=theme]").focus();
    });
    actions.append(open, slot);
  }
  show(view,
    h("div", { class: "due-head" },
      h("h1", {}, "待办指标"),
      h("p", { class: "hint" }, `${branch.name} · 平台日期 ${branch.today}`)),
    actions, notice, tables);
}

function periodCard(branch, key, label, { period, results }) {
  const names = Object.fromEntries(branch.members.map((m) => [m.id, m.name]));
  const end = dayName(lastDay(period));
  const body = results.length
    ? h("div", { class: "table-wrap" }, h("table", { class: "quotas" },
        h("thead", {}, h("tr", {}, ["指标", "对象", "状态", "进度", "还差", "截止"]
          .map((t) => h("th", {}, t)))),
        h("tbody", {}, results.map((r) => {
          const missing = Math.max(r.required - r.actual, 0);
          return h("tr", { dataset: { rule: r.rule, period: r.period, subject: r.subjectId,
                                      status: r.status } },
            h("td", {}, h("span", { class: "rule-key" }, r.rule), " ",
              h("span", { class: "rule-title" }, RULE_TITLE[r.rule] || "")),
            h("td", {}, r.subjectId === branch.id ? "本支部" : (names[r.subjectId] || r.subjectId)),
            h("td", {}, h("span", { class: `status ${r.status}` },
                          QUOTA_STATUS[r.status] || r.status)),
            h("td", { class: "num" }, `${r.actual} / ${r.required}`),
            h("td", { class: "num missing" }, r.status === "MET" ? "—" : `还差 ${missing}`),
            h("td", { class: "deadline" },
              r.status === "PENDING" ? `${end}前` : (r.status === "MET" ? "—" : "已截止")));
        }))))
    : states.empty("本期没有需要完成的指标。");
  return h("section", { class: "card due-period", dataset: { period, scope: key } },
    h("h2", {}, `${label}（${periodName(period)}）`,
      h("span", { class: "hint" }, ` 截止 ${end}`)),
    body);
}

// The form that records an activity of the branch: kind, theme, date,
// attendance of each member, speaker (party lecture) and guests (contacts).
function activityForm(branch, { close, recorded }) {
  const kind = h("select", { name: "kind" },
    Object.entries(ACTIVITY_KIND).map(([k, t]) => h("option", { value: k }, t)));
  const theme = h("input", { name: "theme", type: "text", required: true, maxlength: 200,
                             placeholder: "例如：学习党章 对照检查" });
  const heldOn = h("input", { name: "heldOn", type: "date", required: true,
                              value: branch.today });
  const speaker = h("select", { name: "speakerId" }, h("option", { value: "" }, "（请选择）"),
    branch.members.map((m) => h("option", { value: m.id }, m.name)));
  const speakerField = field("主讲人", speaker, "speakerId");
  const syncSpeaker = () => { speakerField.hidden = kind.value !== "PARTY_LECTURE"; };
  kind.addEventListener("change", syncSpeaker);
  syncSpeaker();

  const rows = branch.members.map((m, i) => attendanceRow(m, i));
  const attendance = h("div", { class: "field attendance", "data-name": "attendance" },
    h("span", { class: "label" }, `出席情况（${branch.members.length} 名党员）`),
    rows.length ? h("div", { class: "attendance-list" }, rows.map((r) => r.el))
                : h("p", { class: "hint" }, "本支部还没有党员。"),
    h("span", { class: "field-error", role: "alert", "data-field": "attendance" }));

  const guests = branch.contacts.map((m) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "guestIds", value: m.id }), m.name));
  const guestField = h("div", { class: "field guests", "data-name": "guestIds" },
    h("span", { class: "label" }, "列席的联系点领导（可选）"),
    guests.length ? h("div", { class: "checks" }, guests)
                  : h("p", { class: "hint" }, "没有可选的联系点领导。"),
    h("span", { class: "field-error", role: "alert", "data-field": "guestIds" }));

  const submit = h("button", { type: "submit", class: "primary" }, "提交");
  const form = h("form", { class: "card activity-form", id: "activity-form", novalidate: true },
    h("h2", {}, "记录活动"),
    h("div", { class: "form-grid" },
      field("活动类型", kind, "kind"), field("主题", theme, "theme"),
      field("日期", heldOn, "heldOn"), speakerField),
    attendance, guestField,
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "form-buttons" }, submit,
      h("button", { type: "button", onclick: close }, "取消")));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = {
      orgId: branch.id, kind: kind.value, theme: theme.value.trim(), heldOn: heldOn.value,
      attendance: rows.map((r) => r.value()),
    };
    if (kind.value === "PARTY_LECTURE" && speaker.value) input.speakerId = speaker.value;
    const chosen = guests.map((g) => g.querySelector("input")).filter((c) => c.checked)
      .map((c) => c.value);
    if (chosen.length) input.guestIds = chosen;
    submit.disabled = true;
    try {
      const data = await gql(RECORD, { i: input });
      await recorded(data.recordActivity);
    } catch (err) {
      // "attendance[2].reason" belongs to the third member's line of the
      // attendance list, "guestIds[0]" to the guests
      // beside the field, its name in front of the message goes
      const said = String(err.field || "");
      const message = said && err.message.startsWith(`${said}: `)
        ? err.message.slice(said.length + 2) : err.message;
      const line = said.match(/attendance\[(\d+)\]/);
      const blamed = line ? { field: `attendance-${line[1]}`, message }
        : /^(input\.)?(attendance|guestIds)\b/.test(said)
          ? { field: said.replace(/^input\./, "").replace(/\[.*$/, ""), message }
          : { field: said, message };
      showFieldError(form, blamed);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function attendanceRow(member, index) {
  const group = `att-${member.id}`;
  const reason = h("input", { type: "text", name: "reason", placeholder: "请假事由",
                              "aria-label": `${member.name}的请假事由` });
  const radios = Object.entries(ATTENDANCE).map(([status, text]) =>
    h("label", { class: "radio" },
      h("input", { type: "radio", name: group, value: status, checked: status === "PRESENT" }),
      text));
  const el = h("div", { class: "attendance-row", dataset: { member: member.id } },
    h("span", { class: "who-name" }, member.name), h("span", { class: "radios" }, radios),
    reason,
    h("span", { class: "field-error", role: "alert", "data-field": `attendance-${index}` }));
  const sync = () => { reason.hidden = status() !== "EXCUSED"; };
  const status = () => el.querySelector(`input[name="${group}"]:checked`).value;
  el.addEventListener("change", sync);
  sync();
  return {
    el,
    value: () => {
      const out = { memberId: member.id, status: status() };
      if (out.status === "EXCUSED" && reason.value.trim()) out.reason = reason.value.trim();
      return out;
    },
  };
}
