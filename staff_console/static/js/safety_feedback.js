// Staff teach the danger detector (issue 17): on a client's text message, "missed" (見逃し:
// it should have been a danger signal, with the level it was) or, on one that raised a
// signal, "false alarm" (誤検知). Who marked what and when stays visible on the message.
//
// Kept apart from conversation.js: each time the history is drawn, this decorates its
// client messages from its own API (/api/v1/conversations/ID/safety-feedback). Built with
// el() only: nothing here parses a string as HTML.

import { PAGE, api, coalesce, el, formatTime, staffName, t } from "./common.js";

const LEVELS = ["crisis", "violence", "child"];
const history = document.getElementById("messages");
const base = `/api/v1/conversations/${PAGE.conversation.id}`;

let entries = new Map(); // message id -> {message_id, signal, can_mark, marks}
let choosing = null; // the message whose level chooser is open
const problems = new Map(); // message id -> the last refusal, shown on that message

const levelWords = (level) => t(`feedback.level_${level}`);

function markLine(mark, messageId) {
  const words =
    mark.kind === "missed"
      ? t("feedback.mark_missed", {
          level: levelWords(mark.level),
          name: staffName(mark.staff),
          time: formatTime(mark.marked_at),
        })
      : t("feedback.mark_false_alarm", { name: staffName(mark.staff), time: formatTime(mark.marked_at) });
  return el(
    "li",
    { dataset: { kind: mark.kind, mine: String(mark.mine) } },
    el("span", {}, words),
    mark.mine
      ? button(t("feedback.withdraw"), t("feedback.withdraw_help"), () => withdraw(messageId), "fb-withdraw")
      : null,
  );
}

function button(label, help, onClick, name, extra = {}) {
  const node = el("button", { type: "button", class: `fb-button ${name}`, title: help, ...extra }, label);
  node.addEventListener("click", onClick);
  return node;
}

function controls(entry) {
  const id = entry.message_id;
  const mine = entry.marks.find((m) => m.mine);
  if (entry.can_mark === "false_alarm") {
    if (mine?.kind === "false_alarm") return null;
    return button(t("feedback.false_alarm"), t("feedback.false_alarm_help"), () =>
      send(id, { kind: "false_alarm" }), "fb-false-alarm");
  }
  const open = choosing === id;
  const toggle = button(
    t("feedback.missed"),
    t("feedback.missed_help"),
    () => {
      choosing = open ? null : id;
      draw(id);
    },
    "fb-missed",
    { "aria-expanded": String(open) },
  );
  if (!open) return toggle;
  const chooser = el(
    "span",
    { class: "fb-levels", role: "group", "aria-label": t("feedback.choose_level") },
    el("span", { class: "fb-levels-label" }, t("feedback.choose_level")),
    ...LEVELS.map((level) =>
      button(levelWords(level), t("feedback.missed_help"), () => send(id, { kind: "missed", level }),
        "fb-level", { "aria-pressed": String(mine?.level === level), dataset: { level } }),
    ),
    button(t("feedback.cancel"), "", () => {
      choosing = null;
      draw(id);
    }, "fb-cancel"),
  );
  return [toggle, chooser];
}

function box(entry) {
  const id = entry.message_id;
  const signal = entry.signal
    ? el(
        "span",
        { class: "fb-signal" },
        entry.signal.level
          ? t("feedback.signalled", { level: levelWords(entry.signal.level) })
          : t("feedback.signalled_unknown"),
      )
    : null;
  const problem = problems.get(id);
  return el(
    "div",
    { class: "feedback", role: "group", "aria-label": t("feedback.region"), dataset: { canMark: entry.can_mark } },
    el("div", { class: "fb-row" }, signal, controls(entry)),
    entry.marks.length ? el("ul", { class: "fb-marks" }, ...entry.marks.map((m) => markLine(m, id))) : null,
    problem ? el("p", { class: "fb-problem", role: "alert" }, problem) : null,
  );
}

function draw(id) {
  const item = history.querySelector(`li.msg.from-client[data-message-id="${id}"]`);
  if (!item) return;
  item.querySelector(":scope > .feedback, :scope > header > .feedback")?.remove();
  const entry = entries.get(id);
  if (!entry) return;
  const made = box(entry);
  // A quiet line (a signal tag, two buttons) sits in the header row so the history keeps its
  // room on a tablet; marks, the level chooser or a problem go under the text.
  const header = item.querySelector(":scope > header");
  if (header && !made.querySelector(".fb-marks li, .fb-levels, .fb-problem")) header.append(made);
  else item.append(made);
}

function drawAll() {
  for (const item of history.querySelectorAll("li.msg.from-client[data-message-id]")) {
    draw(Number(item.dataset.messageId));
  }
}

async function change(id, path, body) {
  problems.delete(id);
  try {
    const data = await api("POST", `${base}/messages/${id}/${path}`, body);
    if (data?.message) entries.set(id, data.message);
    choosing = null;
  } catch (error) {
    problems.set(id, t("feedback.failed", { reason: error.message }));
  }
  draw(id);
}

const send = (id, body) => change(id, "safety-feedback", body);
const withdraw = (id) => change(id, "safety-feedback/withdraw", {});

const load = coalesce(async () => {
  try {
    const data = await api("GET", `${base}/safety-feedback`, undefined, { background: true });
    entries = new Map((data.messages ?? []).map((entry) => [entry.message_id, entry]));
    drawAll();
  } catch {
    // Marks are a help for training: the next drawing of the history tries again.
  }
});

// conversation.js redraws the whole history on every change: decorate it again at once
// from what we know, then ask for the marks (a colleague's may be new).
new MutationObserver(() => {
  drawAll();
  load();
}).observe(history, { childList: true });
load();
