// One day's handover notes (申し送り): those for me first, then those for the next shift,
// then the rest. Everything a colleague wrote is put on the page with textContent.

import { PAGE, el, formatTime, t } from "./common.js";
import { keepLoaded, startLivePage } from "./live_page.js";

const groupsNode = document.getElementById("groups");
const problemNode = document.getElementById("problem");
let notes = PAGE.notes ?? [];

const name = (ref) => ref?.display_name || "";

function renderNote(note) {
  const to = note.to ? name(note.to) : t("notes.next_shift");
  return el(
    "li",
    { class: "handover-note", dataset: { noteId: String(note.id) } },
    el(
      "header",
      {},
      el("span", { class: "badge internal" }, t("handover.internal")),
      el("span", { class: "who" }, t("handover.from_to", { from: name(note.author), to })),
      el("time", { datetime: note.created_at }, formatTime(note.created_at)),
    ),
    el("p", { class: "text" }, note.text ?? ""),
    el(
      "a",
      { href: `/console/conversations/${note.conversation_id}` },
      t("handover.open", { id: note.conversation_id }),
    ),
  );
}

function render() {
  const me = PAGE.staff.id;
  const groups = [
    ["for-me", t("handover.for_me"), notes.filter((n) => n.to?.id === me)],
    ["for-shift", t("handover.for_shift"), notes.filter((n) => !n.to)],
    ["others", t("handover.others"), notes.filter((n) => n.to && n.to.id !== me)],
  ];
  const shown = groups
    .filter(([, , items]) => items.length)
    .map(([id, title, items]) =>
      el(
        "section",
        { class: "handover-group", id: `group-${id}` },
        el("h2", {}, `${title}（${items.length}）`),
        el("ol", { class: "handover-list" }, items.map(renderNote)),
      ),
    );
  groupsNode.replaceChildren(
    ...(shown.length ? shown : [el("p", { class: "handover-empty" }, t("handover.empty"))]),
  );
}

const refresh = keepLoaded({
  path: `/api/v1/handover?day=${PAGE.day}`,
  problem: problemNode,
  failed: t("handover.load_failed"),
  apply: (data) => {
    notes = data.notes ?? [];
    render();
  },
});

render();
startLivePage({ onEvent: (kind) => kind === "note_added" && refresh(), refresh });
