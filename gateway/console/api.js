// The console's one way to the platform: POST /graphql with the signed-in
// user's token in the Authorization header. The token lives in this tab's
// sessionStorage only: never in an address, never in a log.
const KEY = "xf.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

// What went wrong, in the platform's own words. `code` is one of the
// contract's (BAD_INPUT, NOT_FOUND, FORBIDDEN, CONFLICT, UNAVAILABLE), or
// UNAUTHENTICATED (HTTP 401) or NETWORK; `field` names the input the
// platform blamed ("heldOn", "attendance", ...), when it named one.
export class ApiError extends Error {
  constructor(code, message, field = null, errors = []) {
    super(message);
    this.code = code;
    this.field = field;
    this.errors = errors;
  }
}

// The token was refused (HTTP 401): the console goes back to its sign-in
// page with `message` (app.js). Whatever the screen that asked then draws
// goes into a page no longer shown.
export function signedOut(message) {
  window.dispatchEvent(new CustomEvent("xf:signed-out", { detail: message }));
}

function randomKey() {
  // crypto.randomUUID needs a secure context; an intranet address over
  // plain http is not one, getRandomValues works everywhere
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Runs a query or mutation; resolves to `data`, or rejects with an ApiError
// (the first error's code and field; all of them in `errors`). A mutation
// carries an Idempotency-Key, so pressing the button twice records once.
export async function gql(query, variables = {}, { idempotencyKey } = {}) {
  const headers = { "Content-Type": "application/json" };
  const current = token.get();
  if (current) headers.Authorization = "Bearer " + current;
  if (/^\s*mutation\b/.test(query)) headers["Idempotency-Key"] = idempotencyKey || randomKey();
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers,
                                         body: JSON.stringify({ query, variables }) });
  } catch (err) {
    throw new ApiError("NETWORK", "无法连接平台，请检查网络后重试。");
  }
  if (response.status === 401) {
    const message = "令牌无效或已过期，请重新登录。";
    signedOut(message);
    throw new ApiError("UNAUTHENTICATED", message);
  }
  let body;
  try {
    body = await response.json();
  } catch (err) {
    throw new ApiError("UNAVAILABLE", `平台暂时无法应答（HTTP ${response.status}），请稍后重试。`);
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const ext = first.extensions || {};
    throw new ApiError(ext.code || "BAD_INPUT", first.message, ext.field || null, body.errors);
  }
  if (!response.ok) {
    throw new ApiError("UNAVAILABLE", `平台暂时无法应答（HTTP ${response.status}），请稍后重试。`);
  }
  return body.data;
}

// The claims of the token as it says them (scope, roles, sub). Not a check:
// the gateway checks the signature on every request; the console only uses
// them to choose which screens to offer.
export function claims(value = token.get()) {
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part),
      (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    const parsed = JSON.parse(json);
    return { sub: parsed.sub, scope: parsed.scope, roles: parsed.roles || [], exp: parsed.exp };
  } catch (err) {
    return null;
  }
}
