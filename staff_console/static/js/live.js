// Live updates: one EventSource on /api/v1/events. Events carry ids and kinds only; the page
// fetches what it shows. EventSource reconnects by itself after a dropped connection; when
// the server refused it (the session ended), it does not, so we look at /api/v1/me and
// either go to the sign-in page or open a new one after a pause.

import { SIGNING_OUT, api, signedOut, t } from "./common.js";

export const KINDS = [
  "message_received",
  "message_queued",
  "message_sent",
  "message_failed",
  "conversation_queued",
  "conversation_assigned",
  "conversation_resolved",
  "conversation_changed",
  "alert_raised",
  "note_added",
  "presence_changed",
];

// How long a page waits before it tries the server again (the stream, a failed load).
export const RETRY_MS = 5000;

// onEvent(kind, data); onReconnect() after a gap in which events may have been missed.
export function startLive(onEvent, onReconnect) {
  const badge = document.getElementById("live");
  let source = null;
  let hadGap = false;

  const show = (state) => {
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = state === "open" ? t("live.connected") : t("live.reconnecting");
  };

  const open = () => {
    source = new EventSource("/api/v1/events");
    source.addEventListener("open", () => {
      show("open");
      if (hadGap) onReconnect();
      hadGap = true; // every later open follows a gap
    });
    source.addEventListener("error", () => {
      show("connecting");
      if (source.readyState === EventSource.CLOSED) retryLater();
    });
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        let data = {};
        try {
          data = JSON.parse(message.data || "{}");
        } catch {
          data = {};
        }
        onEvent(kind, data);
      });
    }
    source.addEventListener("signed_out", (message) => {
      source.close();
      // Signed out in another tab of this session, or gone idle / ended by an admin.
      let reason = "expired";
      try {
        reason = JSON.parse(message.data || "{}").notice === "signed_out" ? "signed_out" : "expired";
      } catch {
        reason = "expired";
      }
      signedOut(reason);
    });
  };

  let stopped = false;
  const retryLater = () => {
    source.close();
    if (stopped) return;
    setTimeout(async () => {
      try {
        await api("GET", "/api/v1/me", undefined, { background: true });
      } catch {
        // 401 has already gone to the sign-in page; anything else: try again later.
      }
      if (!stopped) open();
    }, RETRY_MS);
  };

  const stop = () => {
    stopped = true;
    source?.close();
  };
  window.addEventListener("pagehide", stop);
  window.addEventListener(SIGNING_OUT, stop);
  open();
}
