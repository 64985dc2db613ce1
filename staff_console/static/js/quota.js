// For supervisors: LINE pushes used this month against the plan's allowance, a warning
// from 80%. Replies are free; each push counts (the free plan allows 200 a month).

import { PAGE, api, t } from "./common.js";

export const QUOTA_EVERY_MS = 5 * 60 * 1000;

export async function showQuota() {
  const box = document.getElementById("quota");
  if (!box || !PAGE.staff?.can_supervise) return;
  let data;
  try {
    data = await api("GET", "/api/v1/quota", undefined, { background: true });
  } catch {
    return;
  }
  const line = (data.channels ?? []).find((c) => c.channel === "line");
  if (!line) return;
  box.hidden = false;
  if (line.unknown) {
    box.dataset.state = "unknown";
    box.textContent = t("quota.unknown");
  } else if (line.limit === null) {
    box.dataset.state = "ok";
    box.textContent = t("quota.unlimited", { used: line.used });
  } else if (line.spent) {
    box.dataset.state = "spent";
    box.textContent = t("quota.spent", { used: line.used, limit: line.limit });
  } else {
    box.dataset.state = line.warn ? "warn" : "ok";
    const words = { used: line.used, limit: line.limit, percent: Math.round(line.ratio * 100) };
    box.textContent = t(line.warn ? "quota.warn" : "quota.used", words);
  }
}
