// The history: every message marked with who wrote it and whether it reached the client,
// and the staff notes among them, by time. It keeps to its newest message unless the
// counselor scrolled up to read. Client text goes on the page with textContent (el()).

import { el, formatTime, has, staffName, t } from "../common.js";

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

// Whether a message reached the client, in words (the reply box says it of our answer too).
export function deliveryWords(message, channel) {
  const state = message.delivery;
  if (state === "failed") {
    return message.delivery_error
      ? t("delivery.failed_reason", { reason: message.delivery_error })
      : t("delivery.failed");
  }
  if (state === "not_sent" && channel === "web") return t("transcript.not_sent_web");
  return has(`delivery.${state}`) ? t(`delivery.${state}`) : state;
}

function renderMessage(message, channel) {
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
        ? el(
            "span",
            { class: "delivery", dataset: { state: message.delivery } },
            deliveryWords(message, channel),
          )
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
function historyItems(conversation) {
  const items = [
    ...(conversation.messages ?? []).map((m) => [
      m.created_at,
      0,
      () => renderMessage(m, conversation.channel),
    ]),
    ...(conversation.notes ?? []).map((n) => [n.created_at, 1, () => renderNote(n)]),
  ];
  items.sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]) || a[1] - b[1]);
  return items.map(([, , render]) => render());
}

// Returns draw(conversation) and holdPlace(): call holdPlace() before the page changes,
// and the function it returns once everything is drawn.
export function startHistory() {
  const messagesNode = document.getElementById("messages");
  // Only the reader's own scrolling unsticks the history: the box also moves when the
  // content grows (the Japanese font loads) or the box shrinks (an alert appears above),
  // and then it should simply stay at the bottom.
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

  const draw = (conversation) => {
    const earlier = conversation.earlier_messages
      ? el(
          "li",
          { class: "earlier" },
          t("conversation.earlier", { count: conversation.earlier_messages }),
        )
      : null;
    messagesNode.replaceChildren(...[earlier, ...historyItems(conversation)].filter(Boolean));
  };
  // Last: the header above may have changed the box's height.
  const holdPlace = () => {
    const keepToBottom = stuck || nearBottom();
    return () => keepToBottom && toBottom();
  };
  return { draw, holdPlace };
}
