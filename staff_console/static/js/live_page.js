// What every signed-in page does to stay current, in one place: load its data in the
// background (trying again while the server cannot answer) and follow the live stream,
// with the alerts under the bar. A page says only what it loads and which events concern it.

import { api, coalesce, showProblem, syncClock } from "./common.js";
import { refreshAlerts, startAlerts } from "./alerts.js";
import { refreshOverdueCount } from "./action_count.js";
import { RETRY_MS, startLive } from "./live.js";

// A refresh for a page's data: many calls in a burst make one fetch of `path` (a string or
// a function giving it); `apply(data)` draws the answer. When the fetch fails, `problem`
// says `failed` and the page tries again after RETRY_MS; a 401 has gone to the sign-in page.
export function keepLoaded({ path, problem, failed, apply }) {
  const refresh = coalesce(async () => {
    try {
      const where = typeof path === "function" ? path() : path;
      const data = await api("GET", where, undefined, { background: true });
      syncClock(data?.now);
      showProblem(problem, null);
      apply(data);
    } catch (error) {
      if (error.status === 401) return;
      showProblem(problem, failed);
      setTimeout(refresh, RETRY_MS);
    }
  });
  return refresh;
}

// The alerts and the live stream. `onEvent(kind, data)` hears every event, after an alert
// has rung; after a gap in which events may have been missed, `refresh()` reloads the
// page's data, then the alerts, then `onReconnect()` whatever else the page shows.
export function startLivePage({ onEvent = () => {}, refresh = null, onReconnect = () => {} } = {}) {
  startAlerts();
  refreshOverdueCount();
  startLive(
    (kind, data) => {
      if (kind === "alert_raised") {
        refreshAlerts({ live: true });
        refreshOverdueCount();
      }
      onEvent(kind, data);
    },
    () => {
      refresh?.();
      refreshAlerts();
      refreshOverdueCount();
      onReconnect();
    },
  );
}
