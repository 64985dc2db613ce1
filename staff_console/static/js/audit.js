// Supervisors: the audit log (who did or looked at what), with filters, and every alert
// raised, seen or not. Everything drawn with textContent.

import { api, el, formatTime, label, showProblem, t } from "./common.js";
import { startLivePage } from "./live_page.js";

const node = (id) => document.getElementById(id);
const problem = node("problem");

const conversationLink = (id) =>
  id ? el("a", { href: `/console/conversations/${id}` }, `#${id}`) : "—";

async function loadStaff() {
  const data = await api("GET", "/api/v1/staff", undefined, { background: true });
  node("f-staff").append(
    ...(data.staff ?? []).map((m) => el("option", { value: String(m.id) }, m.display_name)),
  );
}

async function loadAudit() {
  const params = new URLSearchParams();
  const pick = { staff: "f-staff", action: "f-action", conversation: "f-conversation", since: "f-since", until: "f-until" };
  for (const [name, id] of Object.entries(pick)) if (node(id).value) params.set(name, node(id).value);
  try {
    const data = await api("GET", `/api/v1/audit?${params}`);
    const actions = node("f-action");
    const chosen = actions.value;
    actions.replaceChildren(
      el("option", { value: "" }, t("auditing.any_action")),
      ...(data.actions ?? []).map((a) => el("option", { value: a }, label("audit_actions", a))),
    );
    actions.value = chosen;
    node("audit-rows").replaceChildren(
      ...(data.audit ?? []).map((e) =>
        el(
          "tr",
          { dataset: { action: e.action } },
          el("td", {}, formatTime(e.at)),
          el("td", {}, e.staff?.display_name ?? t("auditing.system")),
          el("td", {}, label("audit_actions", e.action)),
          el("td", {}, conversationLink(e.conversation_id)),
        ),
      ),
    );
    showProblem(problem, null);
  } catch (error) {
    showProblem(problem, t("auditing.failed", { reason: error.message }));
  }
}

async function loadAlerts() {
  try {
    const data = await api("GET", "/api/v1/alerts/history", undefined, { background: true });
    node("alert-rows").replaceChildren(
      ...(data.alerts ?? []).map((a) =>
        el(
          "tr",
          { dataset: { kind: a.kind } },
          el("td", {}, formatTime(a.created_at)),
          el("td", {}, label("alert_kinds", a.kind)),
          el("td", {}, a.addressee?.display_name ?? t("auditing.on_duty")),
          el("td", {}, conversationLink(a.conversation_id)),
          el("td", {}, a.seen_at ? formatTime(a.seen_at) : t("auditing.not_seen")),
        ),
      ),
    );
  } catch (error) {
    showProblem(problem, t("auditing.failed", { reason: error.message }));
  }
}

node("audit-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  loadAudit();
});

loadStaff().catch(() => {});
loadAudit();
loadAlerts();
startLivePage({ onEvent: (kind) => kind === "alert_raised" && loadAlerts() });
