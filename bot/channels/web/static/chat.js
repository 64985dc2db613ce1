// The web chat page: talks to /chat/api/ (JSON and server-sent events). Every text a
// person wrote is put on the page with textContent, never as HTML.
"use strict";

(function () {
  const body = document.body;
  const lang = body.dataset.lang || "ja";
  const leaveUrl = body.dataset.leaveUrl || "about:blank";
  const texts = JSON.parse(document.getElementById("texts").textContent);
  const log = document.getElementById("log");
  const choices = document.getElementById("choices");
  const statusLine = document.getElementById("status");
  const errorLine = document.getElementById("error");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const shown = new Set();
  const pageTitle = document.title;
  // Helpline numbers in our own messages: 0120-279-338, 0570-783-556, 119... Only digits
  // and hyphens are matched, so what goes into the tel: link is never anything else.
  const PHONE = /0\d{1,4}-\d{1,4}-\d{3,4}|(?<![\d-])(?:110|119|189)(?![\d-])/g;
  const clock = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Tokyo",
  });
  let offered = [];
  let cursor = 0;
  let stream = null;
  let restartTimer = null;
  // A family's invitation link (/chat#invite=TOKEN): the token is in the fragment, which
  // the browser never sends to a server. It is handed over once, with the start, and taken
  // out of the address bar at once so that it stays in no history or bookmark.
  const inviteMatch = /^#invite=([A-Za-z0-9_-]{1,200})$/.exec(window.location.hash);
  let invite = inviteMatch ? inviteMatch[1] : null;
  if (window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function api(path) {
    const sep = path.includes("?") ? "&" : "?";
    return "/chat/api/" + path + sep + "lang=" + lang;
  }

  async function post(path, payload) {
    const response = await fetch(api(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload || {}),
      credentials: "same-origin",
    });
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
  }

  function showStatus(text) {
    statusLine.textContent = text || "";
    statusLine.hidden = !text;
  }

  function showError(text) {
    errorLine.textContent = text || "";
    errorLine.hidden = !text;
  }

  function scrollDown() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  // Our text, with phone numbers as tel: links built node by node (never as HTML).
  function fillWithPhones(bubble, text) {
    let from = 0;
    for (const match of text.matchAll(PHONE)) {
      bubble.append(document.createTextNode(text.slice(from, match.index)));
      const link = document.createElement("a");
      link.className = "tel";
      link.href = "tel:" + match[0].replace(/[^0-9]/g, "");
      link.textContent = match[0];
      bubble.append(link);
      from = match.index + match[0].length;
    }
    bubble.append(document.createTextNode(text.slice(from)));
  }

  function timeOf(item) {
    const at = Date.parse(item.at || "");
    const time = document.createElement("time");
    time.className = "at";
    const when = Number.isNaN(at) ? new Date() : new Date(at);
    time.dateTime = when.toISOString();
    time.textContent = clock.format(when);
    return time;
  }

  // An answer that arrives while the tab is in the background: the title says only that
  // something is new, nothing of what (someone else may see the tab).
  function markNew() {
    if (document.hidden) document.title = texts.new_mark + pageTitle;
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) document.title = pageTitle;
  });

  function addItem(item) {
    if (shown.has(item.id)) return;
    shown.add(item.id);
    const li = document.createElement("li");
    li.className = "msg from-" + item.author;
    li.dataset.id = item.id;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (item.author === "visitor" ? texts.you : texts.us) + ": ";
    li.appendChild(who);
    if (item.counselor) {
      // A person wrote this, not the bot: say who, as the bot promised.
      const name = document.createElement("span");
      name.className = "counselor";
      name.textContent = texts.counselor.replace("{name}", item.counselor);
      li.appendChild(name);
    }
    for (const part of item.parts) {
      const bubble = document.createElement("p");
      bubble.className = "bubble";
      if (item.author === "tobira") fillWithPhones(bubble, part.text);
      else bubble.textContent = part.text;
      li.appendChild(bubble);
    }
    li.appendChild(timeOf(item));
    log.appendChild(li);
    if (item.author === "tobira") {
      const last = item.parts[item.parts.length - 1];
      showChoices(last && last.choices ? last.choices : []);
      const n = parseInt(item.id.slice(1), 10);
      if (n > cursor) cursor = n;
    }
    scrollDown();
    return li;
  }

  function showChoices(list) {
    offered = list;
    choices.replaceChildren();
    for (const choice of list) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.label;
      button.addEventListener("click", () => sendChoice(choice));
      choices.appendChild(button);
    }
  }

  function clearPage() {
    shown.clear();
    cursor = 0;
    log.replaceChildren();
    choices.replaceChildren();
    showError("");
  }

  // Her words go on the page at once (our answer may arrive on the stream before the
  // POST itself returns); if they were refused they come off again, with the reason.
  async function send(payload, shownText) {
    const id = clientId();
    const before = offered;
    const mine = { id: "c" + id, author: "visitor", parts: [{ text: shownText, choices: [] }] };
    const li = addItem(mine);
    showChoices([]);
    sendButton.disabled = true;
    try {
      const result = await post("messages", Object.assign({ id: id }, payload));
      if (!result.ok) {
        li.remove();
        shown.delete(mine.id);
        showChoices(before);
        showError(result.data.message || texts.reconnecting);
        return false;
      }
      showError("");
      if (result.data.new_visitor) {
        // The old conversation could not be continued: this is a new one.
        clearPage();
        addItem(mine);
        openStream();
      }
      return true;
    } catch (_) {
      li.remove();
      shown.delete(mine.id);
      showChoices(before);
      showError(texts.reconnecting);
      return false;
    } finally {
      sendButton.disabled = false;
    }
  }

  function sendText(text) {
    return send({ text: text }, text);
  }

  function sendChoice(choice) {
    return send({ choice: choice.data }, choice.label);
  }

  function openStream() {
    if (stream) stream.close();
    stream = new EventSource(api("events?after=" + cursor));
    stream.addEventListener("open", () => showStatus(""));
    stream.addEventListener("message", (event) => {
      const item = JSON.parse(event.data);
      if (item.author === "tobira" && !shown.has(item.id)) markNew();
      addItem(item);
    });
    stream.addEventListener("ended", () => {
      stream.close();
      begin();
    });
    stream.addEventListener("error", () => {
      showStatus(texts.reconnecting);
      if (stream.readyState === EventSource.CLOSED && !restartTimer) {
        // Refused (no live visitor) or the service went away: begin again shortly.
        restartTimer = setTimeout(() => {
          restartTimer = null;
          begin();
        }, 2000);
      }
    });
  }

  async function begin() {
    try {
      const started = await post("start", invite ? { invite: invite } : {});
      if (started.ok) invite = null;
      if (!started.ok) {
        showError(started.data.message || texts.reconnecting);
        restartTimer = setTimeout(() => {
          restartTimer = null;
          begin();
        }, 5000);
        return;
      }
      const response = await fetch(api("messages"), { credentials: "same-origin" });
      const data = await response.json();
      clearPage();
      for (const item of data.messages) addItem(item);
      if (data.cursor > cursor) cursor = data.cursor;
      openStream();
    } catch (_) {
      showStatus(texts.reconnecting);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        begin();
      }, 3000);
    }
  }

  async function leave() {
    // Clear what is on screen at once, then end the token, then go (Back cannot return).
    if (stream) stream.close();
    document.title = "";
    body.replaceChildren();
    const ended = fetch(api("leave"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => null);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 700))]);
    window.location.replace(leaveUrl);
  }

  document.getElementById("leave").addEventListener("click", leave);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (await sendText(text)) input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  showStatus(texts.starting);
  begin();
})();
