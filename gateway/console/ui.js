// Small DOM helpers and the plain pages for each state a screen can be in.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function show(view, ...children) {
  view.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
}

// The plain pages: loading, nothing to show, not yours, not answering.
export const states = {
  loading: (what = "") => h("p", { class: "state loading", role: "status" },
                            `正在加载${what}…`),
  empty: (text = "暂无数据。") => h("p", { class: "state empty" }, text),
  forbidden: (text) => h("div", { class: "state forbidden", role: "alert" },
    h("h2", {}, "无权查看"),
    h("p", {}, text || "该内容不在您的管理范围内。如需查看，请联系上级党组织开通权限。")),
  unavailable: (text) => h("div", { class: "state unavailable", role: "alert" },
    h("h2", {}, "服务暂不可用"),
    h("p", {}, text || "平台的某项服务暂时没有应答，请稍后刷新重试。"),
    h("button", { type: "button", onclick: () => location.reload() }, "重试")),
  notFound: (text) => h("div", { class: "state empty", role: "alert" },
    h("h2", {}, "未找到"), h("p", {}, text || "没有找到要查看的内容。")),
};

// The page for an error a screen could not handle itself.
export function failure(err) {
  switch (err && err.code) {
    case "FORBIDDEN": return states.forbidden();
    case "NOT_FOUND": return states.notFound(err.message);
    case "UNAVAILABLE":
    case "NETWORK": return states.unavailable(err.message);
    default: return h("div", { class: "state error", role: "alert" },
      h("h2", {}, "出错了"), h("p", {}, (err && err.message) || String(err)));
  }
}

// Runs `load` with the loading page shown, then `draw(result)`; an error
// becomes its plain page (a 401 has sent the user back to sign-in: api.js). A load
// that a newer one into the same `view` has overtaken (a second click on
// 刷新) draws nothing; app.js gives each route a container of its own, so
// a load that finishes after the user moved on draws into nothing visible.
export async function screen(view, what, load, draw) {
  const ticket = {};
  view.ticket = ticket;
  const current = () => view.ticket === ticket;
  show(view, states.loading(what));
  try {
    const result = await load();
    if (current()) show(view, draw(result));
  } catch (err) {
    if (current()) show(view, failure(err));
  }
}

// A form field with its label and the place its error is shown: the
// platform's message goes beside the field it names (ApiError.field).
export function field(label, input, name) {
  const error = h("span", { class: "field-error", role: "alert", "data-field": name });
  return h("label", { class: "field", "data-name": name },
    h("span", { class: "label" }, label), input, error);
}

export function showFieldError(form, err) {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  const name = err.field && String(err.field).split(".").pop();
  const slot = name && form.querySelector(`.field-error[data-field="${name}"]`);
  if (slot) {
    slot.textContent = err.message;
    slot.closest(".field").classList.add("invalid");
    return slot;
  }
  const general = form.querySelector(".form-error");
  if (general) general.textContent = err.message;
  return general;
}

export const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};
