// The same client's earlier conversations (issue 19): number, dates and counselor, each a
// link to that conversation. Built with el() (textContent only), like every console page.

import { el, formatTime, t } from "./common.js";

export function renderEarlier(conversation) {
  const box = document.getElementById("earlier");
  if (!box) return;
  const earlier = conversation.earlier_conversations ?? [];
  box.hidden = earlier.length === 0;
  const items = earlier.map((item) =>
    el(
      "li",
      { dataset: { conversationId: String(item.id) } },
      el(
        "a",
        { href: `/console/conversations/${item.id}` },
        t("earlier.item", {
          number: item.number ?? item.id,
          opened: formatTime(item.opened_at),
          resolved: item.resolved_at ? formatTime(item.resolved_at) : t("earlier.still_open"),
          counselor: item.counselor?.display_name || t("earlier.nobody"),
        }),
      ),
    ),
  );
  document.getElementById("earlier-list").replaceChildren(...items);
}
