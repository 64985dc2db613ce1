// The action items queue (対応項目): what was agreed at case conferences, mine, all, or
// overdue, oldest due first; an open one is marked done here with its result. The list
// follows the live stream (an item reminder or a change reloads it).

import { PAGE, el, t } from "./common.js";
import { keepLoaded, startLivePage } from "./live_page.js";
import { doneButton, dueWords, ownerWords, setupDoneDialog, stateBadge, stateOf, dayWords } from "./action_items_ui.js";
import { refreshOverdueCount } from "./action_count.js";

const node = (id) => document.getElementById(id);
let items = PAGE.action_items ?? [];

function row(item) {
  // An item of a household I may not open (I own it, elsewhere): the row, no link.
  const household = item.household;
  return el(
    "tr",
    { class: "action-item", dataset: { itemId: String(item.id), state: stateOf(item) } },
    el(
      "td",
      {},
      el("strong", { class: "item-what" }, item.what),
      item.result ? el("p", { class: "item-result" }, item.result) : null,
    ),
    el(
      "td",
      {},
      household
        ? el("a", { href: `/console/households/${household.id}` }, t("action_items.household_item", { number: household.number, label: household.label }))
        : null,
      household ? el("br") : null,
      el("span", { class: "item-conference" }, t("action_items.conference_item", { date: dayWords(item.held_on) })),
    ),
    el("td", {}, ownerWords(item.owner)),
    el("td", { class: "item-due" }, dueWords(item)),
    el("td", {}, stateBadge(item)),
    el("td", {}, doneButton(item, () => reload())),
  );
}

function render() {
  node("action-item-rows").replaceChildren(
    ...(items.length
      ? items.map(row)
      : [el("tr", {}, el("td", { colspan: "6", class: "hint" }, t("action_items.none")))]),
  );
}

const reload = keepLoaded({
  path: PAGE.api_path,
  problem: node("problem"),
  failed: t("action_items.load_failed"),
  apply: (data) => {
    items = data.action_items;
    render();
    refreshOverdueCount();
  },
});

setupDoneDialog(node("notice"));
render();
startLivePage({
  onEvent: (kind, data) => {
    if (kind === "alert_raised" || kind === "action_item_changed") reload();
  },
  refresh: reload,
});
