// The console: sign-in, who is signed in, the screens they are offered, and
// the address bar's #/screen/org-id routes. Each screen is a module of
// screens/ with {key, title, offered(who), render(view, who, params)}:
// `offered` puts it in the menu; whether its data may be seen is the
// platform's to say (FORBIDDEN becomes the plain forbidden page), so a
// bureau office may open #/due/<branch id> of a branch below it.
import { claims, gql, token } from "./api.js";
import { failure, h, show, states } from "./ui.js";
import { ORG_KIND, ROLE } from "./words.js";
import due from "./screens/due.js";
import members from "./screens/members.js";
import bureau from "./screens/bureau.js";
import city from "./screens/city.js";

const SCREENS = [due, members, bureau, city];
const view = document.getElementById("view");
const nav = document.getElementById("nav");
const whoBox = document.getElementById("who");
let who = null;

function signIn(message) {
  token.clear();
  who = null;
  nav.replaceChildren();
  whoBox.replaceChildren();
  const input = h("textarea", { id: "token", name: "token", rows: 4, required: true,
                                autocomplete: "off", spellcheck: "false",
                                placeholder: "粘贴平台签发的令牌" });
  const error = h("p", { class: "form-error", role: "alert" }, message || "");
  const form = h("form", { class: "card signin", id: "signin" },
    h("h1", {}, "登录先锋平台"),
    h("p", { class: "hint" }, "请粘贴组织部门为您签发的访问令牌。令牌只保存在本浏览器标签页中，关闭即失效。"),
    h("label", { class: "field" }, h("span", { class: "label" }, "访问令牌"), input),
    error,
    h("button", { type: "submit", class: "primary" }, "登录"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!claims(value)) {
      error.textContent = "这不是平台签发的令牌，请检查后重新粘贴。";
      return;
    }
    token.set(value);
    error.textContent = "";
    try {
      await identify();
      route();
    } catch (err) {
      token.clear();
      error.textContent = err.message;
    }
  });
  show(view, form);
  input.focus();
}

// Who is signed in: the token's roles and the organisation at the top of
// what it may see.
async function identify() {
  const said = claims();
  const data = await gql(`{ organizations { id name kind } }`);
  const orgs = data.organizations || [];
  who = {
    sub: said.sub, roles: said.roles, scope: said.scope, all: said.scope === "*",
    org: orgs[0] || null, orgs,
    mayWrite: said.roles.includes("admin") || said.roles.includes("secretary"),
  };
  drawChrome();
  return who;
}

function drawChrome() {
  const offered = SCREENS.filter((s) => s.offered(who));
  nav.replaceChildren(...offered.map((s) =>
    h("a", { href: `#/${s.key}`, "data-screen": s.key }, s.title)));
  whoBox.replaceChildren(
    h("span", { class: "org" }, who.org ? `${who.org.name}（${ORG_KIND[who.org.kind] || ""}）`
                                        : "全市"),
    h("span", { class: "roles" }, who.roles.map((r) => ROLE[r] || r).join("、")),
    h("button", { type: "button", class: "link", id: "signout",
                  onclick: () => { token.clear(); location.hash = "#/"; signIn(); } }, "退出"));
}

// #/key/arg1/arg2 → the screen `key` with params [arg1, arg2]
function route() {
  if (!who) return;
  const [key, ...params] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean)
    .map(decodeURIComponent);
  const offered = SCREENS.filter((s) => s.offered(who));
  if (!offered.length) {
    show(view, states.forbidden("您的令牌没有可用的栏目。"));
    return;
  }
  const chosen = SCREENS.find((s) => s.key === key);
  if (!chosen) {
    location.replace(`#/${offered[0].key}`);
    return;
  }
  for (const a of nav.querySelectorAll("a")) {
    a.classList.toggle("current", a.dataset.screen === chosen.key);
  }
  document.title = `${chosen.title} · 先锋`;
  // a container of its own: a screen still loading for an earlier address
  // draws into a detached one, never over this one
  const page = h("div", { class: "page", "data-screen": chosen.key });
  show(view, page);
  Promise.resolve(chosen.render(page, who, params)).catch((err) => show(page, failure(err)));
}

window.addEventListener("hashchange", route);
// a refused token (api.js): back to sign-in, unless this is the sign-in
// form's own try, which says why beside the token it keeps
window.addEventListener("xf:signed-out", (event) => {
  if (who || !document.getElementById("signin")) signIn(event.detail);
});

async function start() {
  if (!token.get()) {
    signIn();
    return;
  }
  try {
    await identify();
    route();
  } catch (err) {
    // a refused token has already brought back the sign-in page (api.js)
    if (err.code !== "UNAUTHENTICATED") show(view, failure(err));
  }
}

start();
