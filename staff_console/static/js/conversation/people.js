// Who works the case: the newest handover note addressed to me, read before anything else;
// then hand over, pair, unpair (for supervisors and whoever works the case). Whether I
// supervise is the server's word (`can_supervise`), never a list of roles kept here.

import { PAGE, api, el, formatTime, staffName, t } from "../common.js";

const node = (id) => document.getElementById(id);

function renderHandoverFirst(c) {
  const mine = (c.notes ?? []).filter((n) => n.kind === "handover" && n.to?.id === PAGE.staff.id);
  const box = node("handover-first");
  const last = mine[mine.length - 1];
  box.hidden = !last;
  if (!last) return;
  node("handover-first-who").textContent = t("people.handover_from", {
    name: staffName(last.author),
    time: formatTime(last.created_at),
  });
  node("handover-first-text").textContent = last.text ?? "";
}

// A <select> of colleagues, keeping the one chosen if it is still there.
function fill(select, members) {
  const keep = select.value;
  select.replaceChildren(
    el("option", { value: "" }, t("people.no_pair")),
    ...members.map((m) => el("option", { value: String(m.id) }, m.display_name)),
  );
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

function renderPeople(c, colleagues) {
  const me = PAGE.staff;
  const works = [c.counselor?.id, c.pair?.id].includes(me.id);
  const open = c.status !== "resolved";
  node("people").hidden = !(open && (works || me.can_supervise));
  const counselorOrg = colleagues.find((m) => m.id === c.counselor?.id)?.org_id;
  fill(node("transfer-to"), colleagues.filter((m) => m.id !== c.counselor?.id));
  fill(
    node("pair-to"),
    colleagues.filter(
      (m) => m.role === "counselor" && m.org_id !== counselorOrg && m.id !== c.pair?.id,
    ),
  );
  node("pairing").hidden = !c.counselor;
  node("unpair").hidden = !c.pair;
}

// Wires the forms; returns render(conversation).
export function startPeople(view) {
  const colleagues = PAGE.colleagues ?? [];

  async function change(path, body) {
    const state = node("people-state");
    try {
      await api("POST", `${view.base}/${path}`, body);
      state.dataset.state = "sent";
      state.textContent = t("people.done");
      view.refresh();
      return true;
    } catch (error) {
      state.dataset.state = "failed";
      state.textContent = t("people.failed", { reason: error.message });
      return false;
    }
  }

  node("transfer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const to = Number(node("transfer-to").value);
    if (!to) return;
    const note = node("transfer-note").value;
    if (await change("transfer", { to, note: note.trim() ? note : null })) {
      node("transfer-note").value = "";
    }
  });
  node("pairing").addEventListener("submit", (event) => {
    event.preventDefault();
    const pair = Number(node("pair-to").value);
    if (pair) change("pair", { pair });
  });
  node("unpair").addEventListener("click", () => change("pair", { pair: null }));

  return (c) => {
    renderHandoverFirst(c);
    renderPeople(c, colleagues);
  };
}
