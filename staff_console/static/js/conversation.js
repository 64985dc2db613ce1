// One conversation: the whole history (each message marked with who wrote it and whether it
// reached the client), the intake and handoff summary, the reply box, and the actions.
// Everything the client wrote is put on the page with textContent.

import {
  PAGE,
  api,
  coalesce,
  el,
  formatTime,
  has,
  orgName,
  showProblem,
  syncClock,
  t,
} from "./common.js";
import { refreshAlerts, startAlerts } from "./alerts.js";
import { INTAKE_FIELDS, intakeBrief, intakeValue } from "./intake.js";
import { startLive } from "./live.js";
import { renderEarlier } from "./earlier.js";

const RETRY_MS = 5000;

const node = (id) => document.getElementById(id);
const messagesNode = node("messages");
const problemNode = node("problem");
const form = node("reply");
const textArea = node("reply-text");
const replyState = node("reply-state");
const sendButton = node("send");
const buttons = {
  accept: node("accept"),
  urgent: node("urgent"),
  resolve: node("resolve"),
  reopen: node("reopen"),
};

let conversation = PAGE.conversation;
const base = `/api/v1/conversations/${conversation.id}`;
let awaitedMessageId = null; // our last answer, until it is sent or fails

const staffName = (ref) => ref?.display_name || ref?.name || "";
const textOf = (message) => message.text ?? message.body ?? "";

// client / bot / counselor / ack / system / internal: the class and the words for "who".
function authorOf(message) {
  if (message.internal) return ["internal", t("author.internal")];
  const kind = message.author_kind;
  if (kind === "client") return ["client", t("author.client")];
  if (kind === "staff" || kind === "counselor") {
    const name = staffName(message.author);
    return ["counselor", name ? t("author.counselor_named", { name }) : t("author.counselor")];
  }
  if (kind === "ack") return ["ack", t("author.ack")];
  if (kind === "bot") return ["bot", t("author.bot")];
  return ["system", t("author.system")];
}

function deliveryWords(message) {
  const state = message.delivery;
  if (state === "failed") {
    return message.delivery_error
      ? t("delivery.failed_reason", { reason: message.delivery_error })
      : t("delivery.failed");
  }
  if (state === "not_sent" && conversation.channel === "web") return t("transcript.not_sent_web");
  return has(`delivery.${state}`) ? t(`delivery.${state}`) : state;
}

function renderMessage(message) {
  const [who, label] = authorOf(message);
  const showsDelivery = message.delivery && !message.internal;
  return el(
    "li",
    { class: `msg from-${who}`, dataset: { messageId: String(message.id), author: who } },
    el(
      "header",
      {},
      el("span", { class: "who" }, label),
      el("time", { datetime: message.created_at }, formatTime(message.created_at)),
      showsDelivery
        ? el("span", { class: "delivery", dataset: { state: message.delivery } }, deliveryWords(message))
        : null,
      message.read_at ? el("span", { class: "read" }, t("delivery.read")) : null,
    ),
    el("p", { class: "text" }, message.display_text ?? textOf(message)),
    message.question
      ? el("p", { class: "question" }, t("transcript.tap_question", { question: message.question }))
      : null,
  );
}

// A staff note in the history: marked internal as plainly as the handoff summary is.
function renderNote(note) {
  const name = staffName(note.author);
  const label =
    note.kind === "handover"
      ? t("notes.handover_mark", { name, to: note.to ? staffName(note.to) : t("notes.next_shift") })
      : t("notes.private_mark", { name });
  return el(
    "li",
    {
      class: "msg from-internal note-item",
      dataset: { noteId: String(note.id), author: "internal", noteKind: note.kind },
    },
    el(
      "header",
      {},
      el("span", { class: "who" }, label),
      el("time", { datetime: note.created_at }, formatTime(note.created_at)),
    ),
    el("p", { class: "text" }, note.text ?? ""),
  );
}

// Messages and notes in one history, by time (a message before a note of the same instant).
function historyItems() {
  const items = [
    ...(conversation.messages ?? []).map((m) => [m.created_at, 0, () => renderMessage(m)]),
    ...(conversation.notes ?? []).map((n) => [n.created_at, 1, () => renderNote(n)]),
  ];
  items.sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]) || a[1] - b[1]);
  return items.map(([, , render]) => render());
}

// The newest handover note addressed to me: read before anything else.
function renderHandoverFirst() {
  const mine = (conversation.notes ?? []).filter(
    (n) => n.kind === "handover" && n.to?.id === PAGE.staff.id,
  );
  const box = node("handover-first");
  const last = mine[mine.length - 1];
  box.hidden = !last;
  if (!last) return;
  node("handover-first-who").textContent = t("people.handover_from", {
    name: staffName(last.author),
    time: formatTime(last.created_at),
  });
  node("handover-first-text").textContent = last.text ?? "";
}

// Who works the case: hand over, pair, unpair (for supervisors and whoever works it).
const colleagues = PAGE.colleagues ?? [];
function renderPeople() {
  const c = conversation;
  const me = PAGE.staff;
  const works = [c.counselor?.id, c.pair?.id].includes(me.id);
  const open = c.status !== "resolved";
  node("people").hidden = !(open && (works || ["supervisor", "admin"].includes(me.role)));
  const counselorOrg = colleagues.find((m) => m.id === c.counselor?.id)?.org_id;
  const options = (select, members) => {
    const keep = select.value;
    select.replaceChildren(
      el("option", { value: "" }, t("people.no_pair")),
      ...members.map((m) => el("option", { value: String(m.id) }, m.display_name)),
    );
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  };
  options(node("transfer-to"), colleagues.filter((m) => m.id !== c.counselor?.id));
  options(
    node("pair-to"),
    colleagues.filter(
      (m) => m.role === "counselor" && m.org_id !== counselorOrg && m.id !== c.pair?.id,
    ),
  );
  node("pairing").hidden = !c.counselor;
  node("unpair").hidden = !c.pair;
}

async function changePeople(path, body) {
  const state = node("people-state");
  try {
    await api("POST", `${base}/${path}`, body);
    state.dataset.state = "sent";
    state.textContent = t("people.done");
    refresh();
    return true;
  } catch (error) {
    state.dataset.state = "failed";
    state.textContent = t("people.failed", { reason: error.message });
    return false;
  }
}

node("transfer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const to = Number(node("transfer-to").value);
  if (!to) return;
  const note = node("transfer-note").value;
  if (await changePeople("transfer", { to, note: note.trim() ? note : null })) {
    node("transfer-note").value = "";
  }
});
node("pairing").addEventListener("submit", (event) => {
  event.preventDefault();
  const pair = Number(node("pair-to").value);
  if (pair) changePeople("pair", { pair });
});
node("unpair").addEventListener("click", () => changePeople("pair", { pair: null }));

function renderIntake() {
  const intake = conversation.intake ?? {};
  const items = [];
  for (const field of INTAKE_FIELDS) {
    const value = intake[field];
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    items.push(el("dt", {}, t(`intake_fields.${field}`)), el("dd", {}, intakeValue(value)));
  }
  node("intake").replaceChildren(
    ...(items.length ? items : [el("dd", { class: "muted" }, t("conversation.no_intake"))]),
  );
  const summary = conversation.handoff_summary ?? conversation.summary_text ?? null;
  node("summary").textContent = summary || t("conversation.no_summary");
  // One line that opens: the page keeps its height for the history.
  node("intake-brief").textContent =
    intakeBrief(conversation.intake) || t("conversation.no_intake_short");
}

function renderFacts() {
  const c = conversation;
  const parts = [
    t(`channel.${c.channel}`),
    t(`writer.${c.writer ?? "unknown"}`),
    t(`status.${c.status}`),
    ...(c.org_id ? [orgName(c.org_id)] : []),
    c.counselor
      ? t("conversation.counselor", { name: staffName(c.counselor) })
      : t("conversation.no_counselor"),
  ];
  if (c.pair) parts.push(t("conversation.pair", { name: staffName(c.pair) }));
  if (c.waiting_since) {
    parts.push(t("conversation.waiting_since", { time: formatTime(c.waiting_since) }));
  }
  node("facts").replaceChildren(
    parts.join(" · "),
    c.urgent ? el("span", { class: "badge urgent" }, t("conversation.urgent_badge")) : "",
    c.reachable === false
      ? el("strong", { class: "unreachable" }, t(c.channel === "web" ? "transcript.unreachable_web" : "conversation.unreachable"))
      : "",
  );
}

function renderActions() {
  const c = conversation;
  const open = c.status !== "resolved";
  buttons.accept.hidden = !(open && !c.counselor);
  buttons.resolve.hidden = !open;
  buttons.reopen.hidden = open;
  buttons.urgent.hidden = !open;
  buttons.urgent.dataset.on = String(Boolean(c.urgent));
  buttons.urgent.textContent = c.urgent ? t("conversation.urgent_off") : t("conversation.urgent_on");
  form.dataset.closed = String(!open);
  textArea.disabled = !open;
  sendButton.disabled = !open;
  if (!open) setReplyState("closed", t("reply.closed"));
  else if (replyState.dataset.state === "closed") setReplyState("", "");
}

function setReplyState(state, words) {
  replyState.dataset.state = state;
  replyState.textContent = words;
}

// Our answer's fate, as the transcript tells it: sending, sent, or failed with the reason.
function followAnswer() {
  if (awaitedMessageId === null) return;
  const message = (conversation.messages ?? []).find((m) => m.id === awaitedMessageId);
  if (!message) return;
  if (message.delivery === "sent") {
    setReplyState("sent", t("reply.sent"));
    awaitedMessageId = null;
  } else if (message.delivery === "failed" || message.delivery === "not_sent") {
    setReplyState("failed", t("reply.failed", { reason: deliveryWords(message) }));
    awaitedMessageId = null;
  } else if (message.delivery === "held") {
    setReplyState("held", t("reply.held")); // still followed: it may go out later
  } else {
    setReplyState("sending", t("reply.sending"));
  }
}

// The history keeps to its newest message, unless the counselor scrolled up to read.
// Only the reader's own scrolling unsticks it: the box also moves when the content grows
// (the Japanese font loads) or the box shrinks (an alert appears above), and then it
// should simply stay at the bottom.
let readerMoved = false;
let stuck = true;
for (const kind of ["wheel", "touchmove", "keydown", "pointerdown"]) {
  messagesNode.addEventListener(kind, () => (readerMoved = true), { passive: true });
}
const nearBottom = () =>
  messagesNode.scrollHeight - messagesNode.scrollTop - messagesNode.clientHeight < 40;
const toBottom = () => {
  messagesNode.scrollTop = messagesNode.scrollHeight;
};
messagesNode.addEventListener("scroll", () => {
  if (readerMoved) stuck = nearBottom();
});
new ResizeObserver(() => stuck && toBottom()).observe(messagesNode);
document.fonts?.ready.then(() => stuck && toBottom());

function render() {
  const keepToBottom = stuck || nearBottom();
  const earlier = conversation.earlier_messages
    ? el("li", { class: "earlier" }, t("conversation.earlier", { count: conversation.earlier_messages }))
    : null;
  messagesNode.replaceChildren(
    ...[earlier, ...historyItems()].filter(Boolean),
  );
  renderFacts();
  renderActions();
  renderIntake();
  renderHandoverFirst();
  renderPeople();
  renderEarlier(conversation);
  followAnswer();
  if (keepToBottom) toBottom(); // last: the header above may have changed the box's height
}

const refresh = coalesce(async () => {
  try {
    const data = await api("GET", base, undefined, { background: true });
    syncClock(data.now);
    conversation = data.conversation ?? data;
    showProblem(problemNode, null);
    render();
  } catch (error) {
    if (error.status === 401) return;
    showProblem(problemNode, t("conversation.load_failed"));
    setTimeout(refresh, RETRY_MS);
  }
});

const sendAnyway = node("send-anyway");
let confirmedText = null; // the text the counselor confirmed after a colleague's answer

async function send({ confirmed = false } = {}) {
  sendAnyway.hidden = true;
  const text = textArea.value;
  if (!text.trim()) {
    setReplyState("failed", t("reply.empty"));
    textArea.focus();
    return;
  }
  sendButton.disabled = true;
  setReplyState("sending", t("reply.sending"));
  try {
    const body = confirmed && confirmedText === text ? { text, confirmed: true } : { text };
    const data = await api("POST", `${base}/messages`, body);
    textArea.value = ""; // kept until the server has it: nothing typed is lost
    awaitedMessageId = data?.message?.id ?? null;
    if (data?.message) {
      conversation.messages = [...(conversation.messages ?? []), data.message];
      render();
    }
    refresh();
    refreshAlerts(); // answered: the server marked this conversation's alerts seen
  } catch (error) {
    if (error.code === "colleague_just_answered") {
      // Asked, not refused: the text stays, and one tap sends it anyway.
      confirmedText = text;
      setReplyState("failed", error.message);
      sendAnyway.hidden = false;
      refresh();
    } else {
      setReplyState("failed", t("reply.failed", { reason: error.message }));
    }
  } finally {
    sendButton.disabled = conversation.status === "resolved";
    textArea.focus();
  }
}

async function act(path, body) {
  Object.values(buttons).forEach((button) => (button.disabled = true));
  try {
    await api("POST", `${base}/${path}`, body ?? {});
    showProblem(problemNode, null);
    refresh();
  } catch (error) {
    showProblem(problemNode, t("conversation.action_failed", { reason: error.message }));
  } finally {
    Object.values(buttons).forEach((button) => (button.disabled = false));
  }
}

sendAnyway.addEventListener("click", () => send({ confirmed: true }));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
textArea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    send();
  }
});
buttons.accept.addEventListener("click", () => act("accept"));
// Resolving asks once, in the page (no browser dialog): a slip of the finger on a tablet
// must not close a case.
const resolveConfirm = node("resolve-confirm");
buttons.resolve.addEventListener("click", () => {
  resolveConfirm.showModal();
  node("resolve-cancel").focus();
});
node("resolve-cancel").addEventListener("click", () => resolveConfirm.close());
node("resolve-yes").addEventListener("click", () => {
  resolveConfirm.close();
  act("resolve");
});
buttons.reopen.addEventListener("click", () => act("reopen"));
buttons.urgent.addEventListener("click", () => act("urgent", { urgent: !conversation.urgent }));

// ---- notes for colleagues: a form of their own, so a note is never sent by mistake -------
const noteForm = node("note");
const noteKind = node("note-kind");
const noteTo = node("note-to");
const noteText = node("note-text");
const noteState = node("note-state");
const noteSave = node("note-save");

for (const colleague of PAGE.colleagues ?? []) {
  if (colleague.id === PAGE.staff.id) continue;
  noteTo.append(el("option", { value: String(colleague.id) }, colleague.display_name));
}
noteKind.addEventListener("change", () => {
  const handover = noteKind.value === "handover";
  noteTo.hidden = !handover;
  node("note-to-label").hidden = !handover;
});

function setNoteState(state, words) {
  noteState.dataset.state = state;
  noteState.textContent = words;
}

async function saveNote() {
  const text = noteText.value;
  if (!text.trim()) {
    setNoteState("failed", t("notes.empty"));
    noteText.focus();
    return;
  }
  const body = { text, kind: noteKind.value };
  if (noteKind.value === "handover" && noteTo.value) body.to = Number(noteTo.value);
  noteSave.disabled = true;
  setNoteState("sending", t("notes.saving"));
  try {
    const data = await api("POST", `${base}/notes`, body);
    noteText.value = ""; // kept until the server has it
    if (data?.note) {
      conversation.notes = [...(conversation.notes ?? []), data.note];
      render();
    }
    setNoteState("sent", t("notes.saved"));
  } catch (error) {
    setNoteState("failed", t("notes.failed", { reason: error.message }));
  } finally {
    noteSave.disabled = false;
  }
}
noteForm.addEventListener("submit", (event) => {
  event.preventDefault();
  saveNote();
});

// ---- saved replies (定型文): Ctrl+/ or the button; filled in, then edited before sending ---
const picker = node("saved-picker");
const pickerFilter = node("saved-filter");
const pickerList = node("saved-list");
let savedReplies = [];

function insertReply(text) {
  const start = textArea.selectionStart ?? textArea.value.length;
  const end = textArea.selectionEnd ?? start;
  textArea.value = textArea.value.slice(0, start) + text + textArea.value.slice(end);
  picker.close();
  textArea.focus();
  textArea.setSelectionRange(start + text.length, start + text.length);
  setReplyState("", t("saved.inserted"));
}

function matchingReplies() {
  const wanted = pickerFilter.value.trim().toLowerCase();
  return savedReplies.filter(
    (r) => !wanted || r.title.toLowerCase().includes(wanted) || r.filled.toLowerCase().includes(wanted),
  );
}

function renderPicker() {
  const shown = matchingReplies();
  const items = shown.map((reply) => {
    const choose = el(
      "button",
      { type: "button", class: "saved-choice", dataset: { replyId: String(reply.id) } },
      el("span", { class: "saved-name" }, reply.title),
      reply.shared ? el("span", { class: "badge" }, t("saved.shared_badge")) : null,
      el("span", { class: "saved-preview" }, reply.filled),
    );
    choose.addEventListener("click", () => insertReply(reply.filled));
    return el("li", {}, choose);
  });
  const empty = savedReplies.length ? t("saved.none_match") : t("saved.empty");
  pickerList.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, empty)]));
}

async function openPicker() {
  if (picker.open) return;
  pickerFilter.value = "";
  savedReplies = [];
  renderPicker();
  picker.showModal();
  pickerFilter.focus();
  try {
    const data = await api("GET", `/api/v1/saved-replies?conversation=${conversation.id}`);
    savedReplies = data.saved_replies ?? [];
  } catch (error) {
    pickerList.replaceChildren(el("li", { class: "problem" }, t("saved.load_failed", { reason: error.message })));
    return;
  }
  renderPicker();
}

pickerFilter.addEventListener("input", renderPicker);
pickerFilter.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    const [first] = matchingReplies();
    if (first) insertReply(first.filled);
  } else if (event.key === "ArrowDown") {
    event.preventDefault();
    pickerList.querySelector("button")?.focus();
  }
});
pickerList.addEventListener("keydown", (event) => {
  if (!["ArrowDown", "ArrowUp"].includes(event.key)) return;
  event.preventDefault();
  const choices = [...pickerList.querySelectorAll("button")];
  const at = choices.indexOf(document.activeElement);
  const next = at + (event.key === "ArrowDown" ? 1 : -1);
  if (next < 0) pickerFilter.focus();
  else choices[Math.min(next, choices.length - 1)]?.focus();
});
node("saved-close").addEventListener("click", () => picker.close());
picker.addEventListener("close", () => textArea.focus());
node("saved-open").addEventListener("click", openPicker);
textArea.addEventListener("keydown", (event) => {
  if (event.key === "/" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    openPicker();
  }
});

// ---- who is looking: my presence every HEARTBEAT, typing while keys are pressed ---------
const presenceNode = node("presence");
const presencePath = `${base}/presence`;
let presenceTimer = null;
let typingSentAt = 0;
let idleTimer = null;
let recheckTimer = null;

function renderPresence(present) {
  const others = present.filter((p) => p.staff_id !== PAGE.staff.id);
  const typing = others.filter((p) => p.typing);
  const parts = [];
  if (others.length) {
    parts.push(
      t("presence.viewing", { names: others.map((p) => p.display_name).join(t("presence.separator")) }),
    );
  }
  for (const p of typing) parts.push(t("presence.typing", { name: p.display_name }));
  presenceNode.textContent = parts.join(" · ");
  presenceNode.dataset.typing = String(typing.length > 0);
  presenceNode.dataset.count = String(others.length);
  // A colleague's typing ends by itself on the server: look again when it would.
  clearTimeout(recheckTimer);
  if (typing.length) recheckTimer = setTimeout(fetchPresence, 7000);
}

async function fetchPresence() {
  try {
    const data = await api("GET", presencePath, undefined, { background: true });
    renderPresence(data.present ?? []);
  } catch {
    // A hint only: the next event or heartbeat tries again.
  }
}

async function sayPresence(state, { background = true } = {}) {
  try {
    const data = await api("POST", presencePath, { state }, { background });
    renderPresence(data.present ?? []);
    return data;
  } catch {
    return null;
  }
}

async function heartbeat() {
  const data = await sayPresence("viewing");
  clearTimeout(presenceTimer);
  presenceTimer = setTimeout(heartbeat, ((data?.heartbeat ?? 20) * 1000) | 0);
}

textArea.addEventListener("input", () => {
  const nowMs = Date.now();
  if (nowMs - typingSentAt > 3000) {
    typingSentAt = nowMs;
    sayPresence("typing", { background: false }); // typing is activity
  }
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    typingSentAt = 0;
    sayPresence("viewing");
  }, 4000);
});
window.addEventListener("pagehide", () => {
  fetch(presencePath, {
    method: "POST",
    keepalive: true,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content ?? "",
      "X-Tobira-Background": "1",
    },
    body: JSON.stringify({ state: "left" }),
  });
});

render();
heartbeat();
startAlerts();
startLive(
  (kind, data) => {
    if (kind === "alert_raised") refreshAlerts({ live: true });
    if (kind === "presence_changed") {
      if (data.conversation_id === conversation.id) fetchPresence();
      return;
    }
    if (data.conversation_id === conversation.id) refresh();
  },
  () => {
    refresh();
    refreshAlerts();
    fetchPresence();
  },
);
