// The inbox, the console's home page: one queue's rows, kept live. A row turns amber as
// the follow-up nears and red as the escalation nears (with words too, not colour alone).

import { PAGE, el, formatDuration, formatTime, now, staffName, t } from "./common.js";
import { intakeBrief } from "./intake.js";
import { keepLoaded, startLivePage } from "./live_page.js";
import { QUOTA_EVERY_MS, showQuota } from "./quota.js";

const TICK_MS = 30 * 1000; // waits and colours move with the clock between fetches

const rowsNode = document.getElementById("rows");
const emptyNode = document.getElementById("empty");
const problemNode = document.getElementById("problem");
const updatedNode = document.getElementById("updated");
let rows = PAGE.conversations ?? [];

// The server's rule (staff_console/api/shapes.py `attention`), applied again between
// fetches so a row turns amber, then red, as the clock moves: red from RED_BEFORE the
// escalation (the time promised to the client), amber once the reminder or follow-up is due.
const RED_BEFORE_MS = 30 * 60 * 1000;
const due = (row, name) => Date.parse(row[`${name}_due`] ?? "");

export function attention(row, at = now()) {
  if (!row.waiting_since) return "none";
  const escalate = due(row, "escalate");
  if (!Number.isNaN(escalate) && at >= escalate - RED_BEFORE_MS) return "red";
  const reached = ["followup", "remind"].some((name) => at >= due(row, name));
  return reached ? "amber" : "none";
}

// What the colour means, in words: how long until the promised answer, or that it passed.
function promiseWords(row, level, at = now()) {
  if (level === "none") return "";
  const escalate = due(row, "escalate");
  if (Number.isNaN(escalate)) return t("wait.near");
  if (at >= escalate) return t("wait.promise_over");
  return t("wait.promise_in", { time: formatDuration(escalate - at) });
}

const href = (row) => `/console/conversations/${row.id}`;

// Who the row is about, in a few words: 「母 · 40代 · 10年より長い」.
const intakeWords = (row) => intakeBrief(row.intake_brief, ["relationship", "age_band", "duration"]);

function renderRow(row) {
  const level = attention(row);
  const words = promiseWords(row, level);
  const waited = row.waiting_since
    ? formatDuration(now() - Date.parse(row.waiting_since))
    : t("wait.none");
  const badges = [];
  if (row.urgent) badges.push(el("span", { class: "badge urgent" }, t("wait.urgent")));
  if (!row.counselor && row.status !== "resolved") {
    badges.push(el("span", { class: "badge unassigned" }, t("wait.unassigned")));
  }
  const tr = el(
    "tr",
    {
      // Urgent (a danger signal, or marked by staff) shows its edge whatever the clock says.
      class: [level !== "none" ? `row-${level}` : "", row.urgent ? "row-urgent" : ""]
        .filter(Boolean)
        .join(" ") || null,
      dataset: { conversationId: String(row.id) },
    },
    el(
      "td",
      { class: "waited" },
      el(
        "a",
        {
          class: "open",
          href: href(row),
          "aria-label": `${t("conversation.title", { id: row.id })}: ${waited}`,
        },
        waited,
      ),
      words ? el("span", { class: "due" }, words) : null,
    ),
    el("td", {}, badges, t(`status.${row.status}`)),
    el("td", {}, t(`channel.${row.channel}`)),
    el(
      "td",
      { class: "writer" },
      t(`writer.${row.writer ?? "unknown"}`),
      intakeWords(row) ? el("span", { class: "brief" }, intakeWords(row)) : null,
    ),
    el(
      "td",
      {},
      row.counselor ? staffName(row.counselor) : el("span", { class: "muted" }, "—"),
      row.pair ? el("span", { class: "preview" }, t("wait.pair", { name: staffName(row.pair) })) : null,
    ),
    el(
      "td",
      { class: "last" },
      formatTime(row.last_message_at),
      el("span", { class: "muted" }, ` #${row.id}`),
      // The client's own words, cut short by the server: text, never markup.
      row.preview ? el("span", { class: "client-preview" }, row.preview) : null,
    ),
  );
  // Tapping anywhere on a row opens it (tablets); the link inside is for the keyboard.
  tr.addEventListener("click", (event) => {
    if (event.target.closest("a")) return;
    location.assign(href(row));
  });
  return tr;
}

function render() {
  // Redrawn every few seconds: a keyboard user keeps their place on the row they were on.
  const focused = document.activeElement?.closest?.("#rows tr")?.dataset.conversationId;
  rowsNode.replaceChildren(...rows.map(renderRow));
  if (focused) {
    rowsNode.querySelector(`tr[data-conversation-id="${CSS.escape(focused)}"] a.open`)?.focus();
  }
  emptyNode.hidden = rows.length > 0;
  const counts = PAGE.counts ?? {};
  for (const [queue, count] of Object.entries(counts)) {
    const node = document.getElementById(`count-${queue}`);
    if (node) node.textContent = count > 0 ? t("inbox.count", { count }) : "";
  }
  updatedNode.textContent = t("inbox.updated", { time: formatTime(new Date(now()).toISOString()) });
}

const query = () => new URLSearchParams({ queue: PAGE.queue, ...(PAGE.filters ?? {}) });
const refresh = keepLoaded({
  path: () => `/api/v1/conversations?${query()}`,
  problem: problemNode,
  failed: t("inbox.load_failed"),
  apply: (data) => {
    rows = data.conversations ?? [];
    if (data.counts) PAGE.counts = data.counts;
    render();
  },
});

render();
showQuota();
// The sender reads LINE's figures at most every five minutes: look as often, so a warning
// reaches a supervisor who keeps the inbox open all day.
setInterval(showQuota, QUOTA_EVERY_MS);
startLivePage({ onEvent: refresh, refresh });
setInterval(render, TICK_MS);
