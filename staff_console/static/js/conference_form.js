// Recording a case conference (templates/conference_form.html), made for speed: agencies are
// chips (the configured ones, plus any typed and added with Enter), the lead agency is
// chosen from those present, the key worker from the staff, and items are rows where Enter
// in the due date opens the next row. The server checks everything again and answers a
// refusal with a sentence, which is shown as it is (textContent).

import { PAGE, api, el, showProblem, t } from "./common.js";
import { today } from "./action_items_ui.js";

const node = (id) => document.getElementById(id);
const chosen = []; // agencies present, in the order chosen
let offered = [];

function chip(name) {
  const on = chosen.includes(name);
  const button = el(
    "button",
    { type: "button", class: "chip", "aria-pressed": String(on), dataset: { agency: name } },
    name,
  );
  button.addEventListener("click", () => {
    toggle(name);
    // Keep the keyboard where it was after the redraw.
    node("agency-chips").querySelector(`[data-agency="${CSS.escape(name)}"]`)?.focus();
  });
  return button;
}

function toggle(name) {
  const at = chosen.indexOf(name);
  if (at >= 0) chosen.splice(at, 1);
  else chosen.push(name);
  drawAgencies();
}

function option(value, text, selected) {
  const item = el("option", { value }, text);
  item.selected = selected;
  return item;
}

function drawAgencies() {
  const names = [...offered, ...chosen.filter((name) => !offered.includes(name))];
  node("agency-chips").replaceChildren(...names.map(chip));
  const lead = node("lead-agency");
  const was = lead.value;
  lead.replaceChildren(
    option("", t("conference.lead_choose"), false),
    ...chosen.map((name) => option(name, name, name === was)),
  );
  if (!chosen.includes(was)) lead.value = "";
  for (const row of node("item-rows").querySelectorAll("tr")) fillOwners(row.querySelector(".item-owner"));
}

function addTyped() {
  const input = node("agency-other");
  const name = input.value.trim().replace(/\s+/g, " ");
  if (!name) return;
  if (!chosen.includes(name)) chosen.push(name);
  input.value = "";
  drawAgencies();
  input.focus();
}

// An owner is a staff member ("staff:ID") or an agency present ("agency:NAME").
function fillOwners(select) {
  const was = select.value;
  const staff = el(
    "optgroup",
    { label: t("conference.owner_staff_group") },
    (PAGE.colleagues ?? []).map((c) => option(`staff:${c.id}`, c.display_name, `staff:${c.id}` === was)),
  );
  const agencies = el(
    "optgroup",
    { label: t("conference.owner_agency_group") },
    chosen.map((name) => option(`agency:${name}`, name, `agency:${name}` === was)),
  );
  select.replaceChildren(option("", "—", false), staff, agencies);
  if (![...select.options].some((o) => o.value === was)) select.value = "";
  select.closest("tr").querySelector(".item-person").disabled = !select.value.startsWith("agency:");
}

function addRow({ focus = false } = {}) {
  const n = node("item-rows").children.length + 1;
  const what = el("input", { type: "text", class: "item-what", maxlength: "300", "aria-label": `${t("conference.item_what")} ${n}` });
  const owner = el("select", { class: "item-owner", "aria-label": `${t("conference.item_owner")} ${n}` });
  const person = el("input", { type: "text", class: "item-person", maxlength: "100", "aria-label": `${t("conference.item_person")} ${n}` });
  const due = el("input", { type: "date", class: "item-due", "aria-label": `${t("conference.item_due")} ${n}` });
  const remove = el("button", { type: "button", class: "item-remove", title: t("conference.item_remove"), "aria-label": t("conference.item_remove") }, "×");
  const row = el("tr", {}, el("td", {}, what), el("td", {}, owner), el("td", {}, person), el("td", {}, due), el("td", {}, remove));
  node("item-rows").append(row);
  fillOwners(owner);
  owner.addEventListener("change", () => {
    person.disabled = !owner.value.startsWith("agency:");
  });
  // Enter in the last field opens the next row: a meeting's items typed without the mouse.
  due.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (row === node("item-rows").lastElementChild) addRow({ focus: true });
    else row.nextElementSibling.querySelector(".item-what").focus();
  });
  remove.addEventListener("click", () => {
    row.remove();
    if (!node("item-rows").children.length) addRow();
  });
  if (focus) what.focus();
  return row;
}

function items() {
  const found = [];
  for (const row of node("item-rows").querySelectorAll("tr")) {
    const what = row.querySelector(".item-what").value.trim();
    const owner = row.querySelector(".item-owner").value;
    const due = row.querySelector(".item-due").value;
    if (!what && !owner && !due) continue; // an empty row is no item
    let who = null;
    if (owner.startsWith("staff:")) who = { staff_id: Number(owner.slice(6)) };
    else if (owner.startsWith("agency:")) who = { agency: owner.slice(7), person: row.querySelector(".item-person").value.trim() };
    found.push({ what, owner: who, due_on: due || null });
  }
  return found;
}

function reset() {
  chosen.length = 0;
  node("held-on").value = today();
  node("decisions").value = "";
  node("next-review").value = "";
  node("key-worker").value = "";
  node("item-rows").replaceChildren();
  drawAgencies();
  addRow();
  addRow();
  showProblem(node("conference-problem"), null);
}

export function setupConferenceForm({ householdId, onSaved }) {
  const form = node("conference-form");
  const opener = node("conference-new");
  offered = PAGE.agencies ?? [];
  node("key-worker").append(...(PAGE.colleagues ?? []).map((c) => option(String(c.id), c.display_name, false)));
  reset();

  const show = (open) => {
    form.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    opener.hidden = open;
    if (open) node("held-on").focus();
    else opener.focus();
  };
  opener.addEventListener("click", () => show(true));
  node("conference-cancel").addEventListener("click", () => {
    reset();
    show(false);
  });
  node("agency-add").addEventListener("click", addTyped);
  node("agency-other").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addTyped();
    }
  });
  node("item-add").addEventListener("click", () => addRow({ focus: true }));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") show(false);
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = node("conference-problem");
    const lead = node("lead-agency").value;
    const keyWorker = node("key-worker").value;
    // Someone steers: said at once, before asking the server (which says the same).
    if (!lead || !keyWorker) {
      showProblem(problem, !lead ? t("conference.missing_lead") : t("conference.missing_key_worker"));
      (!lead ? node("lead-agency") : node("key-worker")).focus();
      return;
    }
    const body = {
      held_on: node("held-on").value,
      agencies: [...chosen],
      lead_agency: lead,
      key_worker_id: Number(keyWorker),
      decisions: node("decisions").value.trim(),
      next_review_on: node("next-review").value || null,
      action_items: items(),
    };
    const save = node("conference-save");
    save.disabled = true;
    save.textContent = t("conference.saving");
    try {
      const answer = await api("POST", `/api/v1/households/${householdId}/conferences`, body);
      reset();
      show(false);
      onSaved(answer.conference);
    } catch (error) {
      // Nothing typed is lost: the form stays as it was.
      showProblem(problem, t("conference.failed", { reason: error.message }));
    } finally {
      save.disabled = false;
      save.textContent = t("conference.save");
    }
  });
}
