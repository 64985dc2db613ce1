// The weekly review: each new intake with its record; a supervisor accepts it to a
// counselor, and a pair from the other organisation if they like, in a few clicks. The
// client is then told who answers and when (the server says it, once).

import { PAGE, api, el, formatTime, showProblem, t } from "./common.js";
import { intakeList } from "./intake.js";
import { startLivePage } from "./live_page.js";

const node = (id) => document.getElementById(id);
const list = node("intakes");
const problem = node("problem");
const colleagues = (PAGE.colleagues ?? []).filter((m) => m.role === "counselor");
let review = PAGE.review;
const accepted = new Map(); // conversation id -> the words said about it on this page

function select(id, label, members, empty) {
  const box = el("select", { id }, empty ? el("option", { value: "" }, empty) : null);
  for (const m of members) box.append(el("option", { value: String(m.id) }, m.display_name));
  return [el("label", { for: id }, label), box];
}

function renderIntake(item) {
  const done = accepted.get(item.id);
  const head = el(
    "header",
    {},
    el("h2", {}, t("review.case", { id: item.id })),
    el(
      "span",
      { class: "muted" },
      [t(`writer.${item.writer ?? "unknown"}`), t(`channel.${item.channel}`),
        t("review.since", { time: formatTime(item.handed_off_at) })].join(" · "),
    ),
    item.new ? el("span", { class: "badge new" }, t("review.new")) : el("span", { class: "badge" }, t("review.carried")),
  );
  const card = el(
    "li",
    { class: "review-card", dataset: { conversationId: String(item.id) } },
    head,
    intakeList(item.intake),
    // The bot's summary repeats the record; shown only when there is no record to read.
    item.handoff_summary && !Object.keys(item.intake ?? {}).length
      ? el("pre", { class: "summary" }, item.handoff_summary)
      : null,
  );
  if (done) {
    card.append(el("p", { class: "accepted", role: "status" }, done));
    return card;
  }
  const [counselorLabel, counselor] = select(
    `counselor-${item.id}`,
    t("review.counselor"),
    colleagues,
    t("review.choose"),
  );
  const [pairLabel, pair] = select(`pair-${item.id}`, t("review.pair"), [], t("review.no_pair"));
  const fillPairs = () => {
    const org = colleagues.find((m) => m.id === Number(counselor.value))?.org_id;
    pair.replaceChildren(
      el("option", { value: "" }, t("review.no_pair")),
      ...colleagues
        .filter((m) => m.org_id !== org)
        .map((m) => el("option", { value: String(m.id) }, m.display_name)),
    );
  };
  counselor.addEventListener("change", fillPairs);
  fillPairs();
  const go = el("button", { type: "button", class: "primary", disabled: true }, t("review.accept"));
  counselor.addEventListener("change", () => (go.disabled = !counselor.value));
  const state = el("span", { class: "reply-state", role: "status" });
  go.addEventListener("click", async () => {
    go.disabled = true;
    const body = { counselor_id: Number(counselor.value) };
    if (pair.value) body.pair_id = Number(pair.value);
    try {
      const data = await api("POST", `/api/v1/conversations/${item.id}/accept`, body);
      const row = data.conversation;
      accepted.set(
        item.id,
        row.pair
          ? t("review.accepted_pair", { name: row.counselor.display_name, pair: row.pair.display_name })
          : t("review.accepted", { name: row.counselor.display_name }),
      );
      render();
    } catch (error) {
      state.dataset.state = "failed";
      state.textContent = t("review.failed", { reason: error.message });
      go.disabled = false;
    }
  });
  card.append(el("div", { class: "review-choose" }, counselorLabel, counselor, pairLabel, pair, go, state));
  return card;
}

function render() {
  node("review-since").textContent = review.last_review
    ? t("review.last", { time: formatTime(review.last_review.closed_at) })
    : t("review.first");
  const shown = [
    ...review.intakes,
    // Accepted on this page: kept in view with what was done, until the page is left.
    ...[...accepted.keys()]
      .filter((id) => !review.intakes.some((i) => i.id === id))
      .map((id) => acceptedItems.get(id))
      .filter(Boolean),
  ];
  shown.forEach((item) => acceptedItems.set(item.id, item));
  list.replaceChildren(
    ...(shown.length ? shown.map(renderIntake) : [el("li", { class: "muted" }, t("review.empty"))]),
  );
}
const acceptedItems = new Map();

node("close-review").addEventListener("click", async () => {
  try {
    const data = await api("POST", "/api/v1/review/close");
    node("review-state").dataset.state = "sent";
    node("review-state").textContent = t("review.closed", { count: data.accepted });
    review = await api("GET", "/api/v1/review", undefined, { background: true });
    accepted.clear();
    render();
  } catch (error) {
    showProblem(problem, t("review.failed", { reason: error.message }));
  }
});

render();
startLivePage({
  onEvent: async (kind) => {
    if (kind === "conversation_queued") {
      review = await api("GET", "/api/v1/review", undefined, { background: true });
      render();
    }
  },
});
