// A household's case conferences on its page: each with its date, the agencies, who steers
// (lead agency, key worker), what was decided, and its action items with owner, due date
// and state; an open item can be marked done with its result. Links to the summary for
// partners (and its results version). Words staff wrote go on the page with textContent.

import { PAGE, el, t } from "./common.js";
import { colleagueName, dayWords, doneButton, dueWords, ownerWords, stateBadge, stateOf } from "./action_items_ui.js";

function itemLine(item, after) {
  return el(
    "li",
    { class: "conference-item", dataset: { itemId: String(item.id), state: stateOf(item) } },
    el("span", { class: "item-what" }, item.what),
    el("span", { class: "item-owner" }, ownerWords(item.owner)),
    el("span", { class: "item-due" }, dueWords(item)),
    stateBadge(item),
    item.result ? el("span", { class: "item-result" }, item.result) : null,
    doneButton(item, after),
  );
}

function conferenceCard(conference, after) {
  const keyWorker = conference.key_worker?.display_name ?? colleagueName(conference.key_worker_id);
  const join = PAGE.lang === "en" ? ", " : "、";
  return el(
    "li",
    { class: "conference", dataset: { conferenceId: String(conference.id) } },
    el(
      "header",
      { class: "conference-head" },
      el("h3", {}, t("conference.title", { date: dayWords(conference.held_on) })),
      el(
        "span",
        { class: "conference-links" },
        el("a", { class: "button", href: `/console/conferences/${conference.id}/summary` }, t("conference.summary")),
        el("a", { class: "button", href: `/console/conferences/${conference.id}/summary?results=1` }, t("conference.results_summary")),
      ),
    ),
    el("p", { class: "conference-facts" }, t("conference.facts", { agencies: conference.agencies.join(join) })),
    el("p", { class: "conference-steering" }, t("conference.steering", { lead: conference.lead_agency, key_worker: keyWorker })),
    conference.decisions ? el("p", { class: "conference-decisions" }, conference.decisions) : null,
    conference.next_review_on ? el("p", { class: "conference-review" }, t("conference.next_review", { date: dayWords(conference.next_review_on) })) : null,
    conference.action_items.length
      ? el("ul", { class: "conference-items" }, conference.action_items.map((item) => itemLine(item, after)))
      : null,
  );
}

// Draws `conferences` (newest first) into `list`; `after()` reloads once an item is done.
export function drawConferences(list, conferences, after) {
  const sorted = [...conferences].sort((a, b) => (b.held_on ?? "").localeCompare(a.held_on ?? "") || b.id - a.id);
  list.replaceChildren(
    ...(sorted.length ? sorted.map((c) => conferenceCard(c, after)) : [el("li", { class: "hint" }, t("conference.none"))]),
  );
}
