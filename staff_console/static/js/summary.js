// The conference summary's toolbar: every print or download first says to whom the sheet
// goes, and the server records it (audited) before the browser prints. The PDF is a form
// post (the server records and answers with the file); printing records through the API
// and then opens the print dialog. Words come from the page's data block (textContent).

const data = JSON.parse(document.getElementById("summary-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const field = document.getElementById("shared-with");
const status = document.getElementById("summary-status");

function say(text, problem = false) {
  status.textContent = text;
  status.dataset.problem = String(problem);
  status.hidden = false;
}

function sharedWith() {
  const who = field.value.trim();
  if (!who) {
    say(data.texts.shared_with_needed, true);
    field.focus();
    return null;
  }
  return who;
}

// Printing outside our button (Ctrl+P) shows a note instead of the sheet (print CSS); once
// recorded, the sheet prints until the next change of recipient.
field.addEventListener("input", () => document.body.classList.remove("recorded"));

document.getElementById("summary-print").addEventListener("click", async () => {
  const who = sharedWith();
  if (who === null) return;
  let response;
  try {
    response = await fetch(`/api/v1/conferences/${data.conference_id}/shared`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ shared_with: who, results: data.results, form: "print" }),
      credentials: "same-origin",
    });
  } catch {
    say(data.texts.failed.replace("{reason}", data.texts.network), true);
    return;
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    say(data.texts.failed.replace("{reason}", body.error ?? response.status), true);
    return;
  }
  document.body.classList.add("recorded");
  say(data.texts.recorded.replace("{who}", who));
  window.print();
});

document.getElementById("summary-share").addEventListener("submit", (event) => {
  if (sharedWith() === null) {
    event.preventDefault();
    return;
  }
  // The file downloads; the page stays, and says it was recorded.
  say(data.texts.recorded.replace("{who}", field.value.trim()));
});
