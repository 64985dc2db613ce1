// Saved replies (定型文) in the reply box: Ctrl+/ or the button opens the picker; the chosen
// text is filled in at the cursor, then edited before sending. Titles and texts are data:
// drawn with textContent.

import { api, el, t } from "../common.js";

const node = (id) => document.getElementById(id);

// `say(state, words)`: the reply box's line under it.
export function startSavedPicker(view, say) {
  const textArea = node("reply-text");
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
    say("", t("saved.inserted"));
  }

  function matchingReplies() {
    const wanted = pickerFilter.value.trim().toLowerCase();
    return savedReplies.filter(
      (r) =>
        !wanted || r.title.toLowerCase().includes(wanted) || r.filled.toLowerCase().includes(wanted),
    );
  }

  function renderPicker() {
    const items = matchingReplies().map((reply) => {
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
      const data = await api("GET", `/api/v1/saved-replies?conversation=${view.current().id}`);
      savedReplies = data.saved_replies ?? [];
    } catch (error) {
      const words = t("saved.load_failed", { reason: error.message });
      pickerList.replaceChildren(el("li", { class: "problem" }, words));
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
}
