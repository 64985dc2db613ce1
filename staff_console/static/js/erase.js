// Erasing a person on their request (issue 23), for supervisors and admins: a dialog that
// asks for the confirmation word typed in the page's language, then shows what was deleted.
// The API's own confirmation ("erase") is sent whatever the word shown. Built with el()
// only: nothing here parses a string as HTML.

import { PAGE, api, el, label, t } from "./common.js";

const dialog = document.getElementById("erase-dialog");
const form = document.getElementById("erase-form");
const word = document.getElementById("erase-word");
const yes = document.getElementById("erase-yes");
const problem = document.getElementById("erase-problem");
const done = document.getElementById("erase-done");
const contactId = PAGE.conversation?.contact_id;
const householdNote = document.getElementById("erase-household");

const typed = () => word.value.trim().normalize("NFKC").toLowerCase() === t("erase.word").toLowerCase();

function showProblem(message) {
  problem.textContent = message ?? "";
  problem.hidden = !message;
}

document.getElementById("erase-open")?.addEventListener("click", () => {
  word.value = "";
  yes.disabled = true;
  showProblem(null);
  dialog.showModal();
  word.focus();
  sayWhatBecomesOfTheHousehold();
});

// Asked afresh when the dialog opens: a household may have been made, joined or left since
// the page loaded. Background reads: the look at this conversation is already audited.
async function sayWhatBecomesOfTheHousehold() {
  householdNote.hidden = true;
  try {
    const detail = await api("GET", `/api/v1/conversations/${PAGE.conversation.id}`, undefined, {
      background: true,
    });
    const household = detail.household;
    if (!household) return;
    const found = await api("GET", `/api/v1/households/${household.id}`, undefined, { background: true });
    const alone = (found.household?.members ?? []).every((m) => m.contact_id === contactId);
    householdNote.textContent = t(alone ? "erase.household_goes" : "erase.household_stays", {
      label: household.label,
    });
    householdNote.hidden = false;
  } catch {
    // Only a courtesy: the erasure itself does not depend on it.
  }
}

document.getElementById("erase-cancel").addEventListener("click", () => dialog.close());
word.addEventListener("input", () => {
  yes.disabled = !typed();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!typed() || !contactId) return;
  yes.disabled = true;
  yes.textContent = t("erase.erasing");
  try {
    const answer = await api("POST", `/api/v1/contacts/${contactId}/erase`, { confirm: "erase" });
    showDone(answer.erased);
  } catch (error) {
    yes.textContent = t("erase.confirm");
    yes.disabled = !typed();
    showProblem(t("erase.failed", { reason: error.message }));
  }
});

function showDone(erased) {
  const list = document.getElementById("erase-counts");
  list.replaceChildren(
    ...Object.entries(erased.deleted)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) =>
        el("li", { dataset: { kind } }, el("span", {}, label("erase_kinds", kind)), el("b", {}, String(count))),
      ),
  );
  document.getElementById("erase-files").hidden = erased.files_clean;
  form.hidden = true;
  done.hidden = false;
  // Nothing of the conversation is left to show or to act on behind the dialog.
  document.querySelector(".conv-body")?.replaceChildren();
  document.getElementById("actions")?.replaceChildren();
  document.getElementById("intake-box")?.remove();
  document.getElementById("facts")?.replaceChildren();
  dialog.addEventListener("cancel", (e) => e.preventDefault());
}
