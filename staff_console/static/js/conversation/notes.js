// Notes for colleagues (private, or a handover to someone or the next shift): a form of
// their own, so a note is never sent to the client by mistake.

import { PAGE, api, el, t } from "../common.js";

const node = (id) => document.getElementById(id);

export function startNotes(view) {
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

  function say(state, words) {
    noteState.dataset.state = state;
    noteState.textContent = words;
  }

  async function save() {
    const text = noteText.value;
    if (!text.trim()) {
      say("failed", t("notes.empty"));
      noteText.focus();
      return;
    }
    const body = { text, kind: noteKind.value };
    if (noteKind.value === "handover" && noteTo.value) body.to = Number(noteTo.value);
    noteSave.disabled = true;
    say("sending", t("notes.saving"));
    try {
      const data = await api("POST", `${view.base}/notes`, body);
      noteText.value = ""; // kept until the server has it
      if (data?.note) view.add("notes", data.note);
      say("sent", t("notes.saved"));
    } catch (error) {
      say("failed", t("notes.failed", { reason: error.message }));
    } finally {
      noteSave.disabled = false;
    }
  }
  node("note").addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
}
