// The conversation's household (世帯), beside it: the number and label (a link to the
// household's page), every member with their role, and their conversations I may see as
// links; a line that says only staff see it. From here a counselor makes an invitation
// card for the person, or a household by hand. Built with el() (textContent only).

import { api, el, formatTime, label, t } from "../common.js";
import { invite, memberWords } from "../households.js";

const node = (id) => document.getElementById(id);
const REFETCH_MS = 15000;

export function startHousehold(view) {
  let shownId = null;
  let household = null;
  let busy = false;

  const say = (text) => {
    node("household-state").textContent = text ?? "";
  };

  function draw() {
    const c = view.current();
    const ref = c.household;
    node("household-none").hidden = Boolean(ref);
    node("household-name").hidden = !ref;
    node("household-create").hidden = Boolean(ref);
    // An invitation is for the person: never made from the person's own conversation, nor
    // once they have joined.
    const joined = (household?.members ?? []).some((m) => m.role === "self");
    node("household-invite").hidden = c.writer === "self" || joined;
    if (!ref) {
      node("household-members").replaceChildren();
      return;
    }
    node("household-name").replaceChildren(
      el(
        "a",
        { href: `/console/households/${ref.id}`, id: "household-link" },
        t("household.title", { number: ref.number, label: ref.label }),
      ),
    );
    if (!household) return;
    node("household-members").replaceChildren(
      ...household.members.map((member) =>
        el(
          "li",
          { class: "member", dataset: { contactId: String(member.contact_id), role: member.role } },
          el("strong", { class: "member-role" }, memberWords(member)),
          member.conversations.length === 0
            ? el("p", { class: "hint" }, t("household.no_visible_conversations"))
            : null,
          el(
            "ul",
            { class: "member-conversations" },
            member.conversations.map((item) =>
              el(
                "li",
                {},
                item.id === c.id
                  ? el("span", { class: "this" }, t("household.this_conversation"))
                  : el(
                      "a",
                      { href: `/console/conversations/${item.id}` },
                      t("household.conversation_item", {
                        id: item.id,
                        opened: formatTime(item.opened_at),
                        status: label("status", item.status),
                      }),
                    ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function load(background) {
    const ref = view.current().household;
    if (!ref) {
      household = null;
      shownId = null;
      return;
    }
    try {
      const data = await api("GET", `/api/v1/households/${ref.id}`, undefined, { background });
      household = data.household;
      shownId = ref.id;
    } catch (error) {
      say(t("household.failed", { reason: error.message }));
    }
  }

  node("household-invite").addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    say("");
    try {
      await invite(view.current().id);
    } catch (error) {
      say(t("household.failed", { reason: error.message }));
      busy = false;
    }
  });

  node("household-create").addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    say("");
    try {
      await api("POST", `${view.base}/household`, {});
      view.refresh();
    } catch (error) {
      say(t("household.failed", { reason: error.message }));
    } finally {
      busy = false;
    }
  });

  // Drawn with every redraw of the conversation. The household is fetched when it first
  // shows or changes (a person's look, audited), and again in the background when the
  // conversation is redrawn after a while (a member may have joined meanwhile).
  let fetchedAt = 0;
  return (c) => {
    draw();
    const wanted = c.household?.id ?? null;
    const changed = wanted !== shownId;
    if (!changed && (wanted === null || Date.now() - fetchedAt < REFETCH_MS)) return;
    fetchedAt = Date.now();
    load(!changed).then(draw);
  };
}
