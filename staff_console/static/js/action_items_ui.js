// What the household page and the action items queue share about an action item: its owner
// in words, its state (an open item past its due date is overdue), its due date, and the
// dialog that marks it done with its result. Everything goes on the page with textContent.

import { PAGE, api, el, label, showProblem, t } from "./common.js";

const node = (id) => document.getElementById(id);
const tokyoToday = () => new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);

// The server's "today" (tests move its clock), else the browser's, in Tokyo.
export function today() {
  return PAGE.today ?? tokyoToday();
}

export function colleagueName(id) {
  const found = (PAGE.colleagues ?? []).find((c) => c.id === id);
  return found?.display_name ?? "";
}

export function ownerWords(owner) {
  if (!owner) return "";
  if (owner.staff_id !== undefined && owner.staff_id !== null) {
    return owner.display_name ?? colleagueName(owner.staff_id);
  }
  return owner.person
    ? t("action_items.owner_agency", { agency: owner.agency, person: owner.person })
    : t("action_items.owner_agency_only", { agency: owner.agency });
}

// The server says when an open item is overdue (by the window's date); `today()` only
// words how late it is.
export function stateOf(item) {
  return item.state === "open" && item.overdue ? "overdue" : item.state;
}

export function dayWords(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return PAGE.lang === "en"
    ? new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
    : `${y}年${m}月${d}日`;
}

export function dueWords(item) {
  const state = stateOf(item);
  if (state === "overdue") {
    const days = Math.round((Date.parse(today()) - Date.parse(item.due_on)) / 86400e3);
    return `${dayWords(item.due_on)}（${t("action_items.overdue_by", { days })}）`;
  }
  if (state === "open" && item.due_on === today()) return `${dayWords(item.due_on)}（${t("action_items.due_today")}）`;
  return dayWords(item.due_on);
}

export function stateBadge(item) {
  const state = stateOf(item);
  return el("span", { class: "item-state", dataset: { state } }, label("action_item_state", state));
}

// The "mark done" button of an open item; `after()` redraws once it is recorded.
export function doneButton(item, after) {
  if (item.state !== "open") return null;
  const button = el(
    "button",
    {
      type: "button",
      class: "item-done-button",
      dataset: { itemId: String(item.id) },
      title: `${t("action_items.mark_done")}：${item.what}`,
    },
    t("action_items.mark_done"),
  );
  button.addEventListener("click", () => openDone(item, after));
  return button;
}

let pending = null;

function openDone(item, after) {
  pending = { item, after };
  node("item-done-what").textContent = item.what;
  node("item-result").value = "";
  showProblem(node("item-done-problem"), null);
  node("item-done").showModal();
  node("item-result").focus();
}

// Wired once per page that includes templates/item_done.html.
export function setupDoneDialog(notice) {
  const dialog = node("item-done");
  if (!dialog) return;
  node("item-done-cancel").addEventListener("click", () => dialog.close());
  // Ctrl+Enter in the result records it, as in the reply box.
  node("item-result").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      node("item-done-form").requestSubmit();
    }
  });
  node("item-done-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return;
    const { item, after } = pending;
    node("item-done-save").disabled = true;
    try {
      await api("POST", `/api/v1/action-items/${item.id}/done`, { result: node("item-result").value.trim() });
      dialog.close();
      pending = null;
      if (notice) {
        notice.textContent = t("action_items.marked_done");
        notice.hidden = false;
      }
      after();
    } catch (error) {
      showProblem(node("item-done-problem"), t("action_items.failed", { reason: error.message }));
    } finally {
      node("item-done-save").disabled = false;
    }
  });
}
