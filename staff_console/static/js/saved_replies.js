// Saved replies (定型文): the shared ones (supervisors edit them) and my own. Titles and
// texts are drawn with textContent: a saved reply is data, never markup.

import { PAGE, api, el, showProblem, t } from "./common.js";
import { startLivePage } from "./live_page.js";

const node = (id) => document.getElementById(id);
const form = node("saved-form");
const titleInput = node("saved-title-input");
const textInput = node("saved-text");
const sharedBox = node("saved-shared"); // only for supervisors
const state = node("saved-state");
const cancel = node("saved-cancel");
const problem = node("problem");
const supervisor = PAGE.staff.can_supervise; // the server says who may change shared ones
let editing = null; // the reply being edited, or null for a new one

function setState(kind, words) {
  state.dataset.state = kind;
  state.textContent = words;
}

function startEdit(reply) {
  editing = reply;
  titleInput.value = reply.title;
  textInput.value = reply.text;
  if (sharedBox) {
    sharedBox.checked = reply.shared;
    sharedBox.disabled = true; // a reply stays shared or personal
  }
  node("form-title").textContent = t("saved.edit_heading");
  cancel.hidden = false;
  setState("", "");
  titleInput.focus();
}

function stopEdit() {
  editing = null;
  form.reset();
  if (sharedBox) sharedBox.disabled = false;
  node("form-title").textContent = t("saved.add");
  cancel.hidden = true;
}

function renderReply(reply) {
  const mayChange = !reply.shared || supervisor;
  const edit = el("button", { type: "button" }, t("saved.edit"));
  const remove = el("button", { type: "button" }, t("saved.delete"));
  edit.addEventListener("click", () => startEdit(reply));
  remove.addEventListener("click", async () => {
    if (!window.confirm(t("saved.confirm_delete", { title: reply.title }))) return;
    try {
      await api("POST", `/api/v1/saved-replies/${reply.id}/delete`);
      if (editing?.id === reply.id) stopEdit();
      load();
    } catch (error) {
      showProblem(problem, t("saved.failed", { reason: error.message }));
    }
  });
  return el(
    "li",
    { class: "saved-item", dataset: { replyId: String(reply.id) } },
    el("h3", { class: "saved-name" }, reply.title),
    el("p", { class: "saved-preview" }, reply.text),
    mayChange ? el("div", { class: "saved-actions" }, edit, remove) : null,
  );
}

async function load() {
  try {
    const data = await api("GET", "/api/v1/saved-replies", undefined, { background: true });
    const replies = data.saved_replies ?? [];
    const list = (items) =>
      items.length ? items.map(renderReply) : [el("li", { class: "muted" }, t("saved.empty"))];
    node("shared-list").replaceChildren(...list(replies.filter((r) => r.shared)));
    node("mine-list").replaceChildren(...list(replies.filter((r) => !r.shared)));
    showProblem(problem, null);
  } catch (error) {
    showProblem(problem, t("saved.load_failed", { reason: error.message }));
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { title: titleInput.value, text: textInput.value };
  try {
    if (editing) {
      await api("POST", `/api/v1/saved-replies/${editing.id}`, body);
    } else {
      await api("POST", "/api/v1/saved-replies", { ...body, shared: Boolean(sharedBox?.checked) });
    }
    stopEdit();
    setState("sent", t("saved.saved"));
    load();
  } catch (error) {
    setState("failed", t("saved.failed", { reason: error.message }));
  }
});
cancel.addEventListener("click", stopEdit);

load();
startLivePage();
