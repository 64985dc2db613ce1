// What every signed-in page shares: its texts, the API, the server's clock, and el(),
// which builds elements with textContent only. Client text is untrusted: nothing here
// ever parses a string as HTML.

const TEXTS = JSON.parse(document.getElementById("texts").textContent);
export const PAGE = JSON.parse(document.getElementById("page-data").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const TIME_ZONE = "Asia/Tokyo";

// "section.key" in the counselor's language, with {placeholders} filled in.
export function t(key, values = {}) {
  const [section, name] = key.split(".");
  const template = TEXTS[section]?.[name] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, k) => (k in values ? String(values[k]) : whole));
}

export function has(key) {
  const [section, name] = key.split(".");
  return TEXTS[section]?.[name] !== undefined;
}

// A stored value (a status, a kind, an audit action) in words; the raw value only when a
// label is missing (tests/console/test_labels.py keeps that from happening).
export function label(section, value) {
  return has(`${section}.${value}`) ? t(`${section}.${value}`) : String(value ?? "");
}

// An organisation by its name from the configuration, never its id.
export function orgName(id) {
  return (PAGE.organisations ?? {})[id] ?? (id ? String(id) : "—");
}

// A staff member as the pages name them (the API sends display_name; older shapes name).
export const staffName = (ref) => ref?.display_name || ref?.name || "";

// el("p", {class: "x", dataset: {state: "sent"}}, "text", child) -> <p class="x">text…</p>
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- the server's clock: tests run the service on a clock of their own ------------------
let offsetMs = 0;
export function syncClock(serverNowIso) {
  const server = Date.parse(serverNowIso ?? "");
  if (!Number.isNaN(server)) offsetMs = server - Date.now();
}
export function now() {
  return Date.now() + offsetMs;
}
syncClock(PAGE.now);

export function formatDuration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return t("wait.minutes", { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("wait.hours", { h: hours, m: minutes % 60 });
  return t("wait.days", { d: Math.floor(hours / 24), h: hours % 24 });
}

const locale = () => (PAGE.lang === "en" ? "en-GB" : "ja-JP");

export function formatTime(iso) {
  const when = Date.parse(iso ?? "");
  if (Number.isNaN(when)) return "";
  const sameDay =
    new Date(when + 9 * 3600e3).toISOString().slice(0, 10) ===
    new Date(now() + 9 * 3600e3).toISOString().slice(0, 10);
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, ...options }).format(when);
}

// A day as its parts in Tokyo, for texts that spell a date out ("{year}年{month}月{day}日",
// "{day} {month} {year}"): the month a number, its name in English (as the server does).
export function dayParts(iso) {
  const when = Date.parse(iso ?? "");
  if (Number.isNaN(when)) return null;
  const part = (options) => new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, ...options }).format(when);
  return {
    year: Number(part({ year: "numeric" })),
    month: PAGE.lang === "en" ? part({ month: "long" }) : Number(part({ month: "numeric" })),
    day: Number(part({ day: "numeric" })),
  };
}

// ---- the API ------------------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// background: a refresh after a server-sent event, which must not count as activity
// (the idle timeout still signs out someone who walked away).
export async function api(method, path, body = undefined, { background = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = CSRF;
  if (background) headers["X-Tobira-Background"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, t("errors.network"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401) {
    signedOut("expired");
    throw new ApiError(401, t("errors.session"));
  }
  if (!response.ok) throw new ApiError(response.status, errorMessage(data), errorCode(data));
  return data;
}

function errorMessage(data) {
  const error = data?.error;
  if (typeof error === "string") return data.message ?? error;
  return error?.message ?? data?.message ?? t("errors.unknown");
}

function errorCode(data) {
  const error = data?.error;
  return typeof error === "object" ? error?.code : data?.code;
}

let leaving = false;
export function signedOut(notice = "expired") {
  if (leaving) return;
  leaving = true;
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`/console/login?notice=${notice}&next=${next}`);
}

// Signing out from this page: the session ends on the server before the form's redirect
// arrives, and meanwhile a fetch answered 401 or the stream's signed_out (a colleague's
// presence event, a timer) would send the page to "your session expired" instead. From
// the moment the form is sent, whatever says "signed out" is this sign-out: only the
// form's own redirect decides where the page goes.
export const SIGNING_OUT = "tobira:signing-out";
document.querySelector("form.signout")?.addEventListener("submit", () => {
  leaving = true;
  window.dispatchEvent(new Event(SIGNING_OUT));
});

// Many events in a burst, one fetch: run `task` once, a moment after the last call.
export function coalesce(task, waitMs = 120) {
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer === null) timer = setTimeout(run, waitMs);
  };
  return schedule;
}

export function showProblem(node, message) {
  node.textContent = message ?? "";
  node.hidden = !message;
}
