// The reply box: send with the button or Ctrl+Enter, then follow our answer's fate as the
// transcript tells it (sending, sent, held, or failed with the reason). What was typed
// stays in the box until the server has it: nothing typed is lost.

import { api, t } from "../common.js";
import { refreshAlerts } from "../alerts.js";
import { deliveryWords } from "./history.js";

const node = (id) => document.getElementById(id);

// Wires the box; returns render(conversation) and say(state, words) for the line under it.
export function startReply(view) {
  const form = node("reply");
  const textArea = node("reply-text");
  const replyState = node("reply-state");
  const sendButton = node("send");
  const sendAnyway = node("send-anyway");
  let awaitedMessageId = null; // our last answer, until it is sent or fails
  let confirmedText = null; // the text the counselor confirmed after a colleague's answer

  function say(state, words) {
    replyState.dataset.state = state;
    replyState.textContent = words;
  }

  function followAnswer(c) {
    if (awaitedMessageId === null) return;
    const message = (c.messages ?? []).find((m) => m.id === awaitedMessageId);
    if (!message) return;
    if (message.delivery === "sent") {
      say("sent", t("reply.sent"));
      awaitedMessageId = null;
    } else if (message.delivery === "failed" || message.delivery === "not_sent") {
      say("failed", t("reply.failed", { reason: deliveryWords(message, c.channel) }));
      awaitedMessageId = null;
    } else if (message.delivery === "held") {
      say("held", t("reply.held")); // still followed: it may go out later
    } else {
      say("sending", t("reply.sending"));
    }
  }

  async function send({ confirmed = false } = {}) {
    sendAnyway.hidden = true;
    const text = textArea.value;
    if (!text.trim()) {
      say("failed", t("reply.empty"));
      textArea.focus();
      return;
    }
    sendButton.disabled = true;
    say("sending", t("reply.sending"));
    try {
      const body = confirmed && confirmedText === text ? { text, confirmed: true } : { text };
      const data = await api("POST", `${view.base}/messages`, body);
      textArea.value = ""; // kept until the server has it
      awaitedMessageId = data?.message?.id ?? null;
      if (data?.message) view.add("messages", data.message);
      view.refresh();
      refreshAlerts(); // answered: the server marked this conversation's alerts seen
    } catch (error) {
      if (error.code === "colleague_just_answered") {
        // Asked, not refused: the text stays, and one tap sends it anyway.
        confirmedText = text;
        say("failed", error.message);
        sendAnyway.hidden = false;
        view.refresh();
      } else {
        say("failed", t("reply.failed", { reason: error.message }));
      }
    } finally {
      sendButton.disabled = view.current().status === "resolved";
      textArea.focus();
    }
  }

  sendAnyway.addEventListener("click", () => send({ confirmed: true }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  textArea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  });

  const render = (c) => {
    const open = c.status !== "resolved";
    form.dataset.closed = String(!open);
    textArea.disabled = !open;
    sendButton.disabled = !open;
    if (!open) say("closed", t("reply.closed"));
    else if (replyState.dataset.state === "closed") say("", "");
    followAnswer(c);
  };
  return { render, say };
}
