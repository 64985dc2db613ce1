// One household (世帯): every member with their role, the conversations I may see (links),
// the invitations with their state (print, revoke, make one), a timeline and the notes of
// those conversations. Supervisors and admins may end the household's support (close it):
// it then reads 「終了（date）」 and makes no invitation. Only staff see this page; what a member or a colleague wrote is put
// on the page with textContent (el()), never as HTML.

import { PAGE, api, dayParts, el, formatTime, label, showProblem, staffName, t } from "./common.js";
import { keepLoaded, startLivePage } from "./live_page.js";
import { invite, memberWords } from "./households.js";
import { setupDoneDialog } from "./action_items_ui.js";
import { drawConferences } from "./conferences.js";
import { setupConferenceForm } from "./conference_form.js";

const node = (id) => document.getElementById(id);
let household = PAGE.household;
let conferences = PAGE.conferences ?? [];
const notes = PAGE.notes ?? [];
const visibleIds = () =>
  new Set(household.members.flatMap((m) => m.conversations.map((c) => c.id)));

function conversationLink(item) {
  return el(
    "li",
    { dataset: { conversationId: String(item.id) } },
    el(
      "a",
      { href: `/console/conversations/${item.id}` },
      t("household.conversation_item", {
        id: item.id,
        opened: formatTime(item.opened_at),
        status: label("status", item.status),
      }),
    ),
  );
}

function renderMembers() {
  node("members").replaceChildren(
    ...household.members.map((member) =>
      el(
        "li",
        { class: "member", dataset: { contactId: String(member.contact_id), role: member.role } },
        el(
          "p",
          { class: "member-head" },
          el("strong", { class: "member-role" }, memberWords(member)),
          el("span", { class: "member-facts" }, `${label("channel", member.channel)}・${t("household.joined", { time: formatTime(member.joined_at) })}`),
        ),
        member.conversations.length
          ? el("ul", { class: "member-conversations" }, member.conversations.map(conversationLink))
          : el("p", { class: "hint" }, t("household.no_visible_conversations")),
      ),
    ),
  );
}

// Where a new invitation is made from: the newest conversation I may see of a relative or a
// supporter (an invitation is for the person, never made from their own conversation).
// Once the person has joined, there is nobody left to invite.
function inviteFrom() {
  if (household.members.some((m) => m.role === "self")) return null;
  const from = household.members
    .filter((m) => m.role !== "self")
    .flatMap((m) => m.conversations);
  from.sort((a, b) => Date.parse(b.opened_at) - Date.parse(a.opened_at));
  return from[0]?.id ?? null;
}

function renderInvitations() {
  const items = household.invitations.map((item) =>
    el(
      "li",
      { class: "invitation", dataset: { invitationId: String(item.id), state: item.state } },
      el(
        "span",
        { class: "invitation-words" },
        // Only an open invitation has a last day worth reading.
        item.state === "open"
          ? t("household.invitation_item", {
              id: item.id,
              state: label("invitation_state", item.state),
              until: formatTime(item.expires_at),
            })
          : t("household.invitation_done", {
              id: item.id,
              state: label("invitation_state", item.state),
            }),
      ),
      item.state === "open"
        ? el(
            "span",
            { class: "invitation-buttons" },
            el("a", { class: "button", href: `/console/invitations/${item.id}/card` }, t("household.print")),
            el("button", { type: "button", class: "revoke", dataset: { id: String(item.id) } }, t("household.revoke")),
          )
        : null,
    ),
  );
  node("invitations").replaceChildren(
    ...(items.length ? items : [el("li", { class: "hint" }, t("household.no_invitations"))]),
  );
  // A closed household asks nobody new in (the API refuses too): say so instead.
  const closed = Boolean(household.closed_at);
  node("invite").hidden = closed || inviteFrom() === null;
  node("invite-lead").hidden = node("invite").hidden;
  node("invite-closed").hidden = !closed;
}

function renderClosed() {
  const day = household.closed_at ? dayParts(household.closed_at) : null;
  node("household-closed").textContent = day ? t("household.closed", day) : "";
  node("household-closed").hidden = !day;
  // Only on a supervisor's page (the template leaves it out for anyone else).
  const button = node("close-household");
  if (button) button.hidden = Boolean(day);
}

function renderTimeline() {
  const events = [{ at: household.created_at, text: t("household.event_created") }];
  for (const member of household.members) {
    events.push({ at: member.joined_at, text: t("household.event_joined", { who: memberWords(member) }) });
    for (const item of member.conversations) {
      events.push({ at: item.opened_at, text: t("household.event_opened", { id: item.id }), id: item.id });
    }
  }
  for (const item of household.invitations) {
    events.push({ at: item.created_at, text: t("household.event_invited", { id: item.id }) });
  }
  if (household.closed_at) events.push({ at: household.closed_at, text: t("household.event_closed") });
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  node("timeline").replaceChildren(
    ...events.map((event) =>
      el(
        "li",
        {},
        el("time", { datetime: event.at }, formatTime(event.at)),
        event.id
          ? el("a", { href: `/console/conversations/${event.id}` }, event.text)
          : el("span", {}, event.text),
      ),
    ),
  );
}

function renderNotes() {
  const shown = notes.filter((note) => visibleIds().has(note.conversation_id));
  node("notes").replaceChildren(
    ...(shown.length
      ? shown.map((note) =>
          el(
            "li",
            { class: "household-note", dataset: { noteId: String(note.id) } },
            el(
              "header",
              {},
              el("a", { href: `/console/conversations/${note.conversation_id}` }, t("household.note_item", { id: note.conversation_id, name: staffName(note.author) })),
              el("time", { datetime: note.created_at }, formatTime(note.created_at)),
            ),
            el("p", { class: "text" }, note.text ?? ""),
          ),
        )
      : [el("li", { class: "hint" }, t("household.no_notes"))]),
  );
}

function renderConferences() {
  drawConferences(node("conferences"), conferences, () => refreshConferences());
}

function render() {
  renderClosed();
  renderConferences();
  renderMembers();
  renderInvitations();
  renderTimeline();
  renderNotes();
}

const refresh = keepLoaded({
  path: `/api/v1/households/${household.id}`,
  problem: node("problem"),
  failed: t("household.load_failed"),
  apply: (data) => {
    household = data.household;
    render();
  },
});

// The conferences come from their own route: a change to an item reloads only them.
const refreshConferences = keepLoaded({
  path: `/api/v1/households/${household.id}/conferences`,
  problem: node("problem"),
  failed: t("conference.load_failed"),
  apply: (data) => {
    conferences = data.conferences;
    renderConferences();
  },
});
setupDoneDialog(node("notice"));
setupConferenceForm({
  householdId: household.id,
  onSaved: (conference) => {
    conferences = [conference, ...conferences.filter((c) => c.id !== conference.id)];
    renderConferences();
    const notice = node("notice");
    notice.textContent = t("conference.saved");
    notice.hidden = false;
  },
});

node("invite").addEventListener("click", async () => {
  const from = inviteFrom();
  if (from === null) return;
  node("invite").disabled = true;
  try {
    await invite(from);
  } catch (error) {
    showProblem(node("problem"), t("household.failed", { reason: error.message }));
    node("invite").disabled = false;
  }
});

// Revoking asks once, in the page: a slip of the finger must not end an invitation.
const confirmBox = node("revoke-confirm");
let revoking = null;
node("invitations").addEventListener("click", (event) => {
  const button = event.target.closest("button.revoke");
  if (!button) return;
  revoking = Number(button.dataset.id);
  node("revoke-confirm-text").textContent = t("household.revoke_confirm", { id: revoking });
  confirmBox.showModal();
});
node("revoke-cancel").addEventListener("click", () => confirmBox.close());
node("revoke-yes").addEventListener("click", async () => {
  confirmBox.close();
  try {
    await api("POST", `/api/v1/invitations/${revoking}/revoke`, {});
    showProblem(node("problem"), null);
    const notice = node("notice");
    notice.textContent = t("household.revoked");
    notice.hidden = false;
  } catch (error) {
    showProblem(node("problem"), t("household.failed", { reason: error.message }));
  }
  refresh();
});

// Ending the household's support asks once, saying what it means (retention, no invitation).
function retentionPeriod() {
  const days = PAGE.retention_days ?? 0;
  return days % 365 === 0
    ? t("household.period_years", { n: days / 365 })
    : t("household.period_days", { n: days });
}
const closeBox = node("close-confirm");
node("close-household")?.addEventListener("click", () => {
  node("close-confirm-text").textContent = t("household.close_confirm", { period: retentionPeriod() });
  closeBox.showModal();
});
node("close-cancel")?.addEventListener("click", () => closeBox.close());
node("close-yes")?.addEventListener("click", async () => {
  closeBox.close();
  node("close-household").disabled = true;
  try {
    await api("POST", `/api/v1/households/${household.id}/close`, {});
    showProblem(node("problem"), null);
    const notice = node("notice");
    notice.textContent = t("household.closed_done");
    notice.hidden = false;
  } catch (error) {
    showProblem(node("problem"), t("household.failed", { reason: error.message }));
  }
  node("close-household").disabled = false;
  refresh();
});

render();
startLivePage({
  onEvent: (kind, data) => {
    if (visibleIds().has(data.conversation_id)) refresh();
  },
  refresh: () => {
    refresh();
    refreshConferences();
  },
});
