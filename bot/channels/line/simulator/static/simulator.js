// The demo's LINE simulator: people, their talk with the bot, quick replies as buttons.
// Everything shown is set with textContent.
"use strict";

(function () {
  const body = document.body;
  const select = document.getElementById("person");
  const talk = document.getElementById("talk");
  const replies = document.getElementById("replies");
  let shownKey = "";
  // The person being played is kept across a reload (demo only: nothing personal).
  const CHOSEN = "tobira-simulator-person";

  function remember() {
    try {
      localStorage.setItem(CHOSEN, select.value);
    } catch (_) {
      // Storage may be off (a private window): the first person is shown after a reload.
    }
  }

  function remembered() {
    try {
      return localStorage.getItem(CHOSEN) || "";
    } catch (_) {
      return "";
    }
  }

  async function call(method, path, payload) {
    const response = await fetch("/dev/line/api/" + path, {
      method: method,
      headers: payload ? { "Content-Type": "application/json" } : {},
      body: payload ? JSON.stringify(payload) : undefined,
    });
    return response.json();
  }

  async function loadPeople(selectId) {
    const data = await call("GET", "people");
    select.replaceChildren();
    for (const person of data.people) {
      const option = document.createElement("option");
      option.value = person.id;
      option.textContent = person.name;
      select.appendChild(option);
    }
    const wanted = selectId || remembered();
    if (wanted && data.people.some((person) => person.id === wanted)) select.value = wanted;
    remember();
    shownKey = "";
    await refresh();
  }

  async function refresh() {
    const id = select.value;
    if (!id) {
      talk.replaceChildren();
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = body.dataset.empty;
      talk.appendChild(li);
      return;
    }
    const data = await call("GET", "people/" + encodeURIComponent(id));
    const key = id + ":" + JSON.stringify(data.items);
    if (key === shownKey) return;
    shownKey = key;
    talk.replaceChildren();
    let last = null;
    for (const item of data.items) {
      const li = document.createElement("li");
      li.className = "msg from-" + item.from;
      const bubble = document.createElement("p");
      bubble.className = "bubble";
      if (item.from === "person" && item.kind === "follow") bubble.textContent = body.dataset.followed;
      else if (item.from === "person" && item.kind === "unfollow") bubble.textContent = body.dataset.unfollowed;
      else bubble.textContent = item.text;
      li.appendChild(bubble);
      talk.appendChild(li);
      last = item;
    }
    replies.replaceChildren();
    if (last && last.from === "bot") {
      for (const reply of last.replies) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "reply";
        button.textContent = reply.label;
        button.addEventListener("click", () => send({ type: "postback", data: reply.data, label: reply.label }));
        replies.appendChild(button);
      }
    }
    talk.scrollTop = talk.scrollHeight;
  }

  async function send(payload) {
    const id = select.value;
    if (!id) return;
    replies.replaceChildren();
    await call("POST", "people/" + encodeURIComponent(id) + "/events", payload);
    await refresh();
  }

  document.getElementById("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("name");
    const name = input.value.trim();
    if (!name) return;
    const person = await call("POST", "people", { name: name });
    input.value = "";
    await loadPeople(person.id);
    await send({ type: "follow" });
  });
  document.getElementById("follow").addEventListener("click", () => send({ type: "follow" }));
  document.getElementById("unfollow").addEventListener("click", () => send({ type: "unfollow" }));
  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await send({ type: "text", text: text });
  });
  select.addEventListener("change", () => {
    remember();
    shownKey = "";
    refresh();
  });
  loadPeople();
  // The bot answers after the webhook's 200 (and counselors at any time): look again often.
  setInterval(refresh, 700);
})();
