// Who is looking: my presence every heartbeat (the server says how often), "typing" while
// keys are pressed, "left" when the page goes; and the colleagues on this conversation.

import { PAGE, api, t } from "../common.js";

// Starts the heartbeat; returns fetch(), to look again after an event or a gap.
export function startPresence(view) {
  const presenceNode = document.getElementById("presence");
  const textArea = document.getElementById("reply-text");
  const path = `${view.base}/presence`;
  let presenceTimer = null;
  let typingSentAt = 0;
  let idleTimer = null;
  let recheckTimer = null;

  function render(present) {
    const others = present.filter((p) => p.staff_id !== PAGE.staff.id);
    const typing = others.filter((p) => p.typing);
    const parts = [];
    if (others.length) {
      const names = others.map((p) => p.display_name).join(t("presence.separator"));
      parts.push(t("presence.viewing", { names }));
    }
    for (const p of typing) parts.push(t("presence.typing", { name: p.display_name }));
    presenceNode.textContent = parts.join(" · ");
    presenceNode.dataset.typing = String(typing.length > 0);
    presenceNode.dataset.count = String(others.length);
    // A colleague's typing ends by itself on the server: look again when it would.
    clearTimeout(recheckTimer);
    if (typing.length) recheckTimer = setTimeout(fetchPresence, 7000);
  }

  async function fetchPresence() {
    try {
      const data = await api("GET", path, undefined, { background: true });
      render(data.present ?? []);
    } catch {
      // A hint only: the next event or heartbeat tries again.
    }
  }

  async function sayPresence(state, { background = true } = {}) {
    try {
      const data = await api("POST", path, { state }, { background });
      render(data.present ?? []);
      return data;
    } catch {
      return null;
    }
  }

  async function heartbeat() {
    const data = await sayPresence("viewing");
    clearTimeout(presenceTimer);
    presenceTimer = setTimeout(heartbeat, ((data?.heartbeat ?? 20) * 1000) | 0);
  }

  textArea.addEventListener("input", () => {
    const nowMs = Date.now();
    if (nowMs - typingSentAt > 3000) {
      typingSentAt = nowMs;
      sayPresence("typing", { background: false }); // typing is activity
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      typingSentAt = 0;
      sayPresence("viewing");
    }, 4000);
  });
  // Leaving: a keepalive request, which outlives the page (api() does not ask for one).
  window.addEventListener("pagehide", () => {
    fetch(path, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content ?? "",
        "X-Tobira-Background": "1",
      },
      body: JSON.stringify({ state: "left" }),
    });
  });

  heartbeat();
  return fetchPresence;
}
