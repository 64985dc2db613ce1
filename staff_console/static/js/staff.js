// Supervisors' staff page: who is working, on leave or covering today, and setting leave
// (the counselor's open conversations move to the cover, and back after).

import { api, el, orgName, showProblem, t } from "./common.js";
import { startLivePage } from "./live_page.js";

const node = (id) => document.getElementById(id);
const problem = node("problem");
let members = [];

function statusWords(member) {
  if (member.status === "on_leave") {
    const base = t("staffing.on_leave", { to: member.leave.to });
    return member.leave.cover ? base + t("staffing.covered_by", { name: member.leave.cover }) : base;
  }
  if (member.status === "covering") {
    return t("staffing.covering", { names: member.covering.join(t("presence.separator")) });
  }
  return t("staffing.working");
}

function render() {
  node("staff-rows").replaceChildren(
    ...members.map((m) =>
      el(
        "tr",
        { dataset: { staffId: String(m.id), status: m.status } },
        el("td", {}, m.display_name),
        el("td", {}, orgName(m.org_id)),
        el("td", {}, t(`roles.${m.role}`)),
        el("td", { class: `status-${m.status}` }, statusWords(m)),
      ),
    ),
  );
  const who = node("leave-who");
  const cover = node("leave-cover");
  const keepWho = who.value;
  who.replaceChildren(
    el("option", { value: "" }, t("review.choose")),
    ...members.map((m) => el("option", { value: String(m.id) }, m.display_name)),
  );
  who.value = keepWho;
  const fillCover = () => {
    cover.replaceChildren(
      el("option", { value: "" }, t("staffing.no_cover")),
      ...members
        .filter((m) => String(m.id) !== who.value)
        .map((m) => el("option", { value: String(m.id) }, m.display_name)),
    );
  };
  who.onchange = fillCover;
  fillCover();
}

async function load() {
  try {
    const data = await api("GET", "/api/v1/staff", undefined, { background: true });
    members = data.staff ?? [];
    node("staff-day").textContent = t("staffing.day", { day: data.day });
    showProblem(problem, null);
    render();
  } catch (error) {
    showProblem(problem, t("staffing.failed", { reason: error.message }));
  }
}

node("leave-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const state = node("leave-state");
  const who = node("leave-who").value;
  if (!who) return;
  const body = {
    from: node("leave-from").value,
    to: node("leave-to").value,
    cover: node("leave-cover").value ? Number(node("leave-cover").value) : null,
    note: node("leave-note").value || null,
  };
  try {
    await api("POST", `/api/v1/staff/${who}/leave`, body);
    state.dataset.state = "sent";
    state.textContent = t("staffing.saved");
    node("leave-note").value = "";
    load();
  } catch (error) {
    state.dataset.state = "failed";
    state.textContent = t("staffing.failed", { reason: error.message });
  }
});

load();
startLivePage();
