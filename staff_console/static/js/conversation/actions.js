// The conversation's head: the facts in one line (channel, writer, status, organisation,
// who works it, since when it waits) and the actions: accept, urgent, resolve, reopen.

import { api, el, formatTime, orgName, showProblem, staffName, t } from "../common.js";

const node = (id) => document.getElementById(id);

function renderFacts(c) {
  const parts = [
    t(`channel.${c.channel}`),
    t(`writer.${c.writer ?? "unknown"}`),
    t(`status.${c.status}`),
    ...(c.org_id ? [orgName(c.org_id)] : []),
    c.counselor
      ? t("conversation.counselor", { name: staffName(c.counselor) })
      : t("conversation.no_counselor"),
  ];
  if (c.pair) parts.push(t("conversation.pair", { name: staffName(c.pair) }));
  if (c.waiting_since) {
    parts.push(t("conversation.waiting_since", { time: formatTime(c.waiting_since) }));
  }
  const unreachable = c.channel === "web" ? "transcript.unreachable_web" : "conversation.unreachable";
  node("facts").replaceChildren(
    parts.join(" · "),
    c.urgent ? el("span", { class: "badge urgent" }, t("conversation.urgent_badge")) : "",
    c.reachable === false ? el("strong", { class: "unreachable" }, t(unreachable)) : "",
  );
}

// Wires the buttons; returns render(conversation).
export function startActions(view) {
  const problemNode = node("problem");
  const buttons = {
    accept: node("accept"),
    urgent: node("urgent"),
    resolve: node("resolve"),
    reopen: node("reopen"),
  };

  async function act(path, body) {
    Object.values(buttons).forEach((button) => (button.disabled = true));
    try {
      await api("POST", `${view.base}/${path}`, body ?? {});
      showProblem(problemNode, null);
      view.refresh();
    } catch (error) {
      showProblem(problemNode, t("conversation.action_failed", { reason: error.message }));
    } finally {
      Object.values(buttons).forEach((button) => (button.disabled = false));
    }
  }

  buttons.accept.addEventListener("click", () => act("accept"));
  // Resolving asks once, in the page (no browser dialog): a slip of the finger on a tablet
  // must not close a case.
  const resolveConfirm = node("resolve-confirm");
  buttons.resolve.addEventListener("click", () => {
    resolveConfirm.showModal();
    node("resolve-cancel").focus();
  });
  node("resolve-cancel").addEventListener("click", () => resolveConfirm.close());
  node("resolve-yes").addEventListener("click", () => {
    resolveConfirm.close();
    act("resolve");
  });
  buttons.reopen.addEventListener("click", () => act("reopen"));
  buttons.urgent.addEventListener("click", () =>
    act("urgent", { urgent: !view.current().urgent }),
  );

  return (c) => {
    renderFacts(c);
    const open = c.status !== "resolved";
    buttons.accept.hidden = !(open && !c.counselor);
    buttons.resolve.hidden = !open;
    buttons.reopen.hidden = open;
    buttons.urgent.hidden = !open;
    buttons.urgent.dataset.on = String(Boolean(c.urgent));
    buttons.urgent.textContent = c.urgent ? t("conversation.urgent_off") : t("conversation.urgent_on");
  };
}
