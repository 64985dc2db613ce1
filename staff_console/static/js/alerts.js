// Alerts for the signed-in counselor (reminder, escalation, failed turn, failed delivery):
// shown live under the bar of every page, with a short chime the counselor can turn off.
// One line however many there are: the newest alert and a count that opens the list over
// the page (a tablet keeps its height for the work). The chime is made with the Web Audio
// API (no sound file), the choice kept in this browser.

import { PAGE, api, el, t, has } from "./common.js";

const SOUND_KEY = "tobira.sound";

const area = document.getElementById("alerts");
const bar = document.getElementById("alert-bar");
const toggle = document.getElementById("alerts-toggle");
const soundButton = document.getElementById("sound");
const shown = new Set();
let audio = null;

function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

function showSound() {
  const on = soundOn();
  soundButton.dataset.on = String(on);
  soundButton.textContent = on ? t("nav.sound_on") : t("nav.sound_off");
}

// Browsers allow sound only after a gesture: make the audio context on the first one.
function unlockAudio() {
  if (audio === null && window.AudioContext) audio = new AudioContext();
  if (audio?.state === "suspended") audio.resume();
}

function chime() {
  soundButton.dataset.chimes = String(Number(soundButton.dataset.chimes ?? 0) + 1);
  unlockAudio();
  if (audio === null) return;
  const start = audio.currentTime + 0.02;
  // Two soft notes, falling: noticed, not alarming.
  [
    [880, 0],
    [659.25, 0.22],
  ].forEach(([frequency, delay]) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + delay);
    gain.gain.exponentialRampToValueAtTime(0.25, start + delay + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + delay + 0.5);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + delay);
    tone.stop(start + delay + 0.55);
  });
}

// Seen by this counselor: the server stops listing it (and the audit log says who saw it).
async function dismiss(alert, node, close) {
  close.disabled = true;
  try {
    await api("POST", `/api/v1/alerts/${alert.id}/seen`);
    node.remove();
    showCount();
  } catch {
    close.disabled = false;
  }
}

// The bar: hidden without alerts; the count, and the list folded to the newest one.
function showCount() {
  const count = area.querySelectorAll(".alert").length;
  bar.hidden = count === 0;
  if (count < 2) setOpen(false);
  document.getElementById("alerts-count").textContent = t("alerts.count", { count });
  document.getElementById("alerts-more").textContent =
    count < 2 ? "" : bar.dataset.open === "true" ? t("alerts.collapse") : t("alerts.show_all");
  toggle.disabled = count < 2;
  bar.dataset.count = String(count);
}

function setOpen(open) {
  bar.dataset.open = String(open);
  toggle.setAttribute("aria-expanded", String(open));
}

function alertText(alert) {
  const key = `alerts.${alert.kind}`;
  // An action item's alert names the item (it has no conversation).
  return t(has(key) ? key : "alerts.other", { id: alert.conversation_id ?? alert.action_item_id });
}

// At an escalation a supervisor acts from the alert itself, in one click: take the case
// over, or give it to the least loaded counselor at work. The alert is then put away.
function reassignButtons(alert, node, close) {
  if (alert.kind !== "escalate" || !PAGE.staff?.can_supervise) return [];
  const base = `/api/v1/conversations/${alert.conversation_id}`;
  const act = async (button, path, body) => {
    button.disabled = true;
    try {
      await api("POST", `${base}/${path}`, body);
      await dismiss(alert, node, close);
    } catch (error) {
      node.querySelector("p").textContent = `${alertText(alert)} — ${error.message}`;
      button.disabled = false;
    }
  };
  const takeOver = el("button", { type: "button", class: "act" }, t("people.take_over"));
  const reassign = el("button", { type: "button", class: "act" }, t("people.reassign"));
  takeOver.addEventListener("click", () => act(takeOver, "take-over", {}));
  reassign.addEventListener("click", () => act(reassign, "transfer", { to: "available" }));
  return [takeOver, reassign];
}

function render(alert) {
  const close = el("button", { type: "button", "aria-label": t("alerts.dismiss") }, "×");
  const node = el(
    "div",
    { class: "alert", role: "alert", dataset: { kind: alert.kind, alertId: String(alert.id) } },
    el("p", {}, alertText(alert)),
    alert.conversation_id
      ? el("a", { href: `/console/conversations/${alert.conversation_id}` }, t("alerts.open"))
      : alert.kind.startsWith("action_item")
        ? el("a", { href: "/console/action-items?view=mine" }, t("alerts.open_items"))
        : null,
  );
  node.append(...reassignButtons(alert, node, close), close);
  close.addEventListener("click", () => dismiss(alert, node, close));
  return node;
}

// Show the alerts not seen yet; ring once when any arrived live.
export async function refreshAlerts({ live = false } = {}) {
  let data;
  try {
    data = await api("GET", "/api/v1/alerts", undefined, { background: true });
  } catch {
    return;
  }
  // Newest first, above the older ones; an alert seen meanwhile (its conversation opened or
  // answered, here or in another tab) goes away.
  const listed = new Set((data?.alerts ?? []).map((alert) => alert.id));
  for (const node of area.querySelectorAll(".alert")) {
    if (!listed.has(Number(node.dataset.alertId))) node.remove();
  }
  const fresh = (data?.alerts ?? []).filter((alert) => !shown.has(alert.id));
  fresh.forEach((alert) => shown.add(alert.id));
  area.prepend(...fresh.map(render));
  // A life at risk is never folded behind a newer reminder: danger alerts lead the row.
  area.prepend(...[...area.querySelectorAll(".alert")].filter((n) => n.dataset.kind.startsWith("danger")));
  showCount();
  if (live && fresh.length > 0 && soundOn()) chime();
}

export function startAlerts() {
  showSound();
  showCount();
  toggle.addEventListener("click", () => {
    setOpen(bar.dataset.open !== "true");
    showCount();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.dataset.open === "true") {
      setOpen(false);
      showCount();
      toggle.focus();
    }
  });
  soundButton.addEventListener("click", () => {
    localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on");
    showSound();
    if (soundOn()) unlockAudio();
  });
  window.addEventListener("pointerdown", unlockAudio, { once: true });
  window.addEventListener("keydown", unlockAudio, { once: true });
  refreshAlerts();
}
