// The header's count of overdue action items, on every signed-in page: fetched when the page
// starts and whenever an alert arrives (an overdue item raises one), drawn with textContent.

import { api, t } from "./common.js";

const badge = document.getElementById("nav-items-overdue");

export async function refreshOverdueCount() {
  if (!badge) return;
  try {
    const data = await api("GET", "/api/v1/action-items/overdue-count", undefined, { background: true });
    const count = Number(data.overdue ?? 0);
    badge.textContent = count ? t("action_items.nav_overdue", { count }) : "";
    badge.hidden = count === 0;
  } catch {
    // The count is a hint; the queue page says what failed.
  }
}
