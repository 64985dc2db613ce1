// One conversation: the history, the intake and handoff summary, the reply box, notes,
// who works the case, saved replies and who else is looking. Each is a module of
// conversation/; this page holds the conversation, draws every part from it, and keeps it
// current (live_page.js). Everything the client wrote is put on the page with textContent.
//
// A part gets `view`: base (the conversation's API path), current() (the conversation as
// last drawn), refresh() (fetch it again) and add(list, item) (an item the server just
// accepted, drawn at once, before the refresh).

import { PAGE, t } from "./common.js";
import { renderEarlier } from "./earlier.js";
import { keepLoaded, startLivePage } from "./live_page.js";
import { startActions } from "./conversation/actions.js";
import { startHistory } from "./conversation/history.js";
import { startHousehold } from "./conversation/household_box.js";
import { renderIntakeBox } from "./conversation/intake_box.js";
import { startNotes } from "./conversation/notes.js";
import { startPeople } from "./conversation/people.js";
import { startPresence } from "./conversation/presence.js";
import { startReply } from "./conversation/reply.js";
import { startSavedPicker } from "./conversation/saved_picker.js";

let conversation = PAGE.conversation;
const base = `/api/v1/conversations/${conversation.id}`;

const refresh = keepLoaded({
  path: base,
  problem: document.getElementById("problem"),
  failed: t("conversation.load_failed"),
  apply: (data) => {
    conversation = data.conversation ?? data;
    render();
  },
});

const view = {
  base,
  current: () => conversation,
  refresh,
  add(list, item) {
    conversation[list] = [...(conversation[list] ?? []), item];
    render();
  },
};

const history = startHistory();
const reply = startReply(view);
const parts = [
  startActions(view),
  reply.render,
  renderIntakeBox,
  startPeople(view),
  renderEarlier,
  startHousehold(view),
];
startNotes(view);
startSavedPicker(view, reply.say);

function render() {
  const restorePlace = history.holdPlace();
  history.draw(conversation);
  for (const draw of parts) draw(conversation);
  restorePlace();
}

render();
const fetchPresence = startPresence(view);
startLivePage({
  onEvent: (kind, data) => {
    if (data.conversation_id !== conversation.id) return;
    if (kind === "presence_changed") fetchPresence();
    else refresh();
  },
  refresh,
  onReconnect: fetchPresence,
});
