// The chat client of the public page, the widget's frame and the dashboard playground.
// Answers stream over Server-Sent Events read from a fetch() POST (EventSource can only GET).
// Streamed text is shown as plain text; the final answer arrives as HTML the server has
// already sanitised. Everything else is built with textContent, never innerHTML.
(function () {
  "use strict";

  const root = document.querySelector("[data-chat]");
  const configElement = document.getElementById("chat-config");
  if (!root || !configElement) return;
  const config = JSON.parse(configElement.textContent);
  const texts = config.texts;
  const log = root.querySelector("[data-chat-log]");
  const form = root.querySelector("[data-chat-form]");
  const input = form.querySelector("textarea");
  const sendButton = form.querySelector("button[type=submit]");
  const starters = root.querySelector("[data-chat-starters]");
  const greeting = log.querySelector(".bubble-greeting");
  let busy = false;
  // Messages on screen by id, and the last one: an agent's replies are fetched after it.
  const shown = new Set();
  let lastId = "";
  let pollTimer = null;
  const POLL_MS = 3000;
  const personButton = root.querySelector("[data-chat-person]");
  const waitingNote = root.querySelector("[data-chat-waiting]");

  if (config.color) {
    // On a light brand colour, text goes dark (chosen by contrast on the server: bots.models).
    const rootStyle = document.documentElement.style;
    rootStyle.setProperty("--brand", config.color);
    rootStyle.setProperty("--brand-ink", config.ink);
    rootStyle.setProperty("--brand-text", config.brand_text);
  }

  // --- The visitor's conversation, kept in this browser -------------------------------------

  function loadState() {
    try { return JSON.parse(localStorage.getItem(config.storage_key)) || {}; } catch (e) { return {}; }
  }
  function saveState(state) {
    try { localStorage.setItem(config.storage_key, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  let state = loadState();

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body) {
    const headers = { "Content-Type": "application/json" };
    if (config.channel === "playground") headers["X-CSRFToken"] = csrfToken();
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" });
  }

  // --- Rendering ----------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function addUserBubble(text) {
    log.appendChild(element("div", "bubble bubble-user", text));
    scrollDown();
  }

  function addBotBubble() {
    const bubble = element("div", "bubble bubble-bot");
    const body = element("div", "bubble-text typing", texts.typing);
    bubble.appendChild(body);
    log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  // A passage as a reader expects it: most come from Markdown documents, so headings and
  // **bold** show as bold, list markers as bullets and other marks are dropped, instead of
  // "# " and "**" in the text. Built with text nodes, so nothing in a passage becomes HTML.
  function passageQuote(text) {
    const quote = element("blockquote");
    text.split("\n").forEach(function (line, index) {
      if (index) quote.appendChild(document.createTextNode("\n"));
      const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
      if (heading) { quote.appendChild(element("strong", null, heading[1])); return; }
      line = line.replace(/^(\s*)[-*+]\s+/, "$1• ").replace(/`/g, "");
      line.split(/\*\*(.+?)\*\*|__(.+?)__/).forEach(function (piece, position) {
        if (!piece) return;
        // split() puts the captured bold text at odd positions (one of two groups per match).
        quote.appendChild(position % 3 ? element("strong", null, piece) : document.createTextNode(piece));
      });
    });
    return quote;
  }

  function renderSources(bubble, sources) {
    if (!sources || !sources.length) return;
    const list = element("ol", "sources");
    list.setAttribute("aria-label", texts.sources);
    sources.forEach(function (source) {
      const item = element("li");
      const details = element("details");
      details.dataset.n = source.n;
      let label = "[" + source.n + "] " + (source.document_name || "");
      if (source.page) label += ", " + texts.page + " " + source.page;
      if (config.debug && source.score !== undefined && source.score !== null) {
        label += " · relevance " + Math.round(Number(source.score) * 100) + "%" + (source.cited ? "" : " · not cited");
      }
      details.appendChild(element("summary", null, label));
      details.appendChild(passageQuote(source.text || ""));
      item.appendChild(details);
      list.appendChild(item);
    });
    bubble.appendChild(list);
    // A footnote mark in the answer opens its passage.
    bubble.querySelectorAll("sup.cite").forEach(function (mark) {
      mark.setAttribute("role", "button");
      mark.tabIndex = 0;
      function openPassage() {
        const target = list.querySelector('details[data-n="' + mark.dataset.n + '"]');
        if (target) { target.open = true; target.scrollIntoView({ block: "nearest" }); }
      }
      mark.addEventListener("click", openPassage);
      mark.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openPassage(); }
      });
    });
  }

  // Products an answer offers (the shop): image, name, size, price as it was when answered,
  // and whether it is in stock. The same list is in the answer's text for the API.
  function renderCards(bubble, cards) {
    if (!cards || !cards.length) return;
    const list = element("ul", "product-cards");
    list.setAttribute("aria-label", texts.products);
    cards.forEach(function (card) {
      const item = element("li", "product-card");
      if (card.image) {
        const image = element("img", "product-image");
        image.src = card.image;
        image.alt = "";
        image.loading = "lazy";
        item.appendChild(image);
      } else {
        item.appendChild(element("span", "product-image product-image-none", (card.name || "?").charAt(0)));
      }
      const body = element("div", "product-body");
      body.appendChild(element("strong", "product-name", card.name));
      if (card.variant) body.appendChild(element("span", "product-variant", card.variant));
      const line = element("div", "product-line");
      line.appendChild(element("span", "product-price", card.price));
      line.appendChild(element("span", "product-stock " + (card.in_stock ? "in-stock" : "out-of-stock"),
        card.in_stock ? texts.in_stock : texts.out_of_stock));
      body.appendChild(line);
      item.appendChild(body);
      list.appendChild(item);
    });
    const text = bubble.querySelector(".bubble-text");
    const paragraphs = text.querySelectorAll("p");
    // Between the answer's first paragraph and the rest (the invitation to order).
    if (paragraphs.length > 1) text.insertBefore(list, paragraphs[1]); else text.appendChild(list);
  }

  function renderDebug(bubble, message) {
    if (!config.debug || !message.timings) return;
    const t = message.timings;
    const parts = [
      message.origin + (message.model ? " · " + message.model : ""),
      "total " + (t.total || 0) + " ms (embed " + (t.embed || 0) + ", retrieve " + (t.retrieve || 0) + ", model " + (t.llm || 0) + ")",
      "tokens " + message.tokens.in + " in / " + message.tokens.out + " out",
    ];
    if (message.top_score !== null && message.top_score !== undefined) parts.push("relevance " + Math.round(Number(message.top_score) * 100) + "%");
    bubble.appendChild(element("p", "debug", parts.join(" · ")));
    if (message.note) bubble.appendChild(element("p", "debug debug-note", message.note));
  }

  // Drawn, not emoji: a system without a colour-emoji font shows an emoji as an empty box.
  const THUMB_UP = "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3";
  const THUMB_DOWN = "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17";

  function icon(path) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "feedback-icon");
    const line = document.createElementNS(ns, "path");
    line.setAttribute("d", path);
    svg.appendChild(line);
    return svg;
  }

  function renderFeedback(bubble, message) {
    const bar = element("div", "feedback");
    [[1, THUMB_UP, texts.helpful], [-1, THUMB_DOWN, texts.not_helpful]].forEach(function (choice) {
      const button = element("button", "feedback-button");
      button.appendChild(icon(choice[1]));
      button.type = "button";
      button.title = choice[2];
      button.setAttribute("aria-label", choice[2]);
      button.setAttribute("aria-pressed", message.rating === choice[0] ? "true" : "false");
      button.addEventListener("click", function () {
        // A second thumbs down only reopens the comment: sending it again would erase one.
        if (choice[0] < 0 && message.rating === -1) { askForComment(bar, message); return; }
        sendFeedback(bar, message, choice[0], "").then(function (saved) {
          if (saved && choice[0] < 0) askForComment(bar, message);
        });
      });
      bar.appendChild(button);
    });
    bubble.appendChild(bar);
  }

  // Resolves to whether the vote was saved; says so (or that it failed) beside the thumbs.
  function sendFeedback(bar, message, rating, comment) {
    return post(config.feedback_url, {
      conversation: state.conversation, token: state.token, message: message.id, rating: rating, comment: comment,
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      message.rating = rating;
      bar.querySelectorAll(".feedback-button").forEach(function (button, index) {
        button.setAttribute("aria-pressed", (index === 0 ? 1 : -1) === rating ? "true" : "false");
      });
      if (rating > 0) bar.querySelectorAll(".feedback-comment").forEach(function (form) { form.remove(); });
      feedbackNote(bar, texts.thanks, false);
      return true;
    }).catch(function () {
      feedbackNote(bar, texts.feedback_error, true);
      return false;
    });
  }

  function feedbackNote(bar, text, failed) {
    let note = bar.querySelector(".feedback-thanks");
    if (!note) note = bar.appendChild(element("span", "feedback-thanks"));
    note.textContent = text;
    note.classList.toggle("feedback-failed", failed);
  }

  // After a thumbs down, an optional comment in place (the vote is already saved).
  function askForComment(bar, message) {
    if (bar.querySelector(".feedback-comment")) return;
    const form = element("form", "feedback-comment");
    const field = element("input");
    field.type = "text";
    field.maxLength = 1000;
    field.placeholder = texts.comment;
    field.setAttribute("aria-label", texts.comment);
    const button = element("button", null, texts.send);
    button.type = "submit";
    form.appendChild(field);
    form.appendChild(button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const comment = field.value.trim();
      if (!comment) { field.focus(); return; }
      button.disabled = true;
      sendFeedback(bar, message, -1, comment).then(function (saved) {
        if (saved) form.remove(); else button.disabled = false;
        if (saved && config.handover) refresh(); // a person may look at it now
      });
    });
    bar.appendChild(form);
    field.focus();
  }

  function remember(message) {
    if (!message || !message.id) return;
    shown.add(message.id);
    lastId = message.id;
  }

  // An agent's reply: their name above it, the text as the server rendered and sanitised it.
  function addAgentBubble(message) {
    const bubble = element("div", "bubble bubble-agent");
    bubble.appendChild(element("p", "bubble-author", message.author));
    const body = element("div", "bubble-text");
    body.innerHTML = message.html; // sanitised by the server (nh3)
    bubble.appendChild(body);
    log.appendChild(bubble);
    scrollDown();
  }

  function showMessage(message) {
    if (shown.has(message.id)) return;
    if (message.role === "user") addUserBubble(message.text);
    else if (message.role === "assistant") finishBubble(addBotBubble(), message);
    else if (message.role === "agent") addAgentBubble(message);
    remember(message);
  }

  // While a person has the conversation the page asks every few seconds for their replies
  // (the history endpoint, after the last message shown), and stops once the bot is back.
  function setWithPerson(withPerson) {
    if (personButton) personButton.hidden = withPerson;
    if (waitingNote) waitingNote.hidden = !withPerson;
    clearTimeout(pollTimer);
    if (withPerson) pollTimer = setTimeout(refresh, POLL_MS);
  }

  async function refresh() {
    if (!state.conversation) return;
    const params = new URLSearchParams({ conversation: state.conversation, token: state.token || "" });
    if (lastId) params.set("after", lastId);
    try {
      const response = await fetch(config.history_url + "?" + params.toString(), { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (data.messages.length && starters) starters.hidden = true;
      data.messages.forEach(showMessage);
      setWithPerson(Boolean(data.with_person));
    } catch (e) {
      clearTimeout(pollTimer);
      pollTimer = setTimeout(refresh, POLL_MS * 3); // offline a moment: try again later
    }
  }

  function finishBubble(bubble, message) {
    remember(message);
    const body = bubble.querySelector(".bubble-text");
    body.classList.remove("typing");
    body.innerHTML = message.html; // sanitised by the server (nh3)
    if (!message.answered) bubble.classList.add("bubble-unanswered");
    renderCards(bubble, message.cards);
    renderSources(bubble, message.sources);
    renderDebug(bubble, message);
    if (!message.handover) renderFeedback(bubble, message);
    scrollDown();
  }

  function failBubble(bubble, text) {
    const body = bubble.querySelector(".bubble-text");
    body.classList.remove("typing");
    body.textContent = text;
    bubble.classList.add("bubble-error");
  }

  // --- Sending and streaming ----------------------------------------------------------------

  async function ask(text, person) {
    text = (text || "").trim();
    if (!text || busy) return;
    busy = true;
    sendButton.disabled = true;
    if (starters) starters.hidden = true;
    addUserBubble(text);
    const bubble = addBotBubble();
    try {
      const response = await post(config.stream_url, {
        message: text, conversation: state.conversation, token: state.token, channel: config.channel,
        prompt: config.prompt, person: Boolean(person),
      });
      if (!response.ok) {
        let message = texts.error;
        try { message = (await response.json()).error.message || message; } catch (e) { /* not JSON */ }
        failBubble(bubble, message);
        keepForRetry(text);
        return;
      }
      await readStream(response, bubble);
      if (config.handover) refresh(); // handed to a person by this answer? then wait for them
    } catch (error) {
      failBubble(bubble, texts.error);
      keepForRetry(text);
    } finally {
      busy = false;
      checkLength();
      input.focus();
    }
  }

  // A question that did not go through goes back in the box, to send again as it is.
  function keepForRetry(text) {
    if (!input.value) { input.value = text; checkLength(); }
  }

  async function readStream(response, bubble) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const body = bubble.querySelector(".bubble-text");
    let buffer = "";
    let started = false;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message", data = "";
        frame.split("\n").forEach(function (line) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        });
        if (!data) continue;
        const payload = JSON.parse(data);
        if (event === "conversation") {
          state = { conversation: payload.conversation, token: payload.token };
          saveState(state);
        } else if (event === "delta") {
          if (!started) { body.textContent = ""; body.classList.remove("typing"); started = true; }
          body.textContent += payload.text;
          scrollDown();
        } else if (event === "done") {
          finishBubble(bubble, payload);
        } else if (event === "waiting") {
          bubble.remove(); // stored for the person who has the conversation: no answer now
          remember(payload);
        }
      }
    }
  }

  function loadHistory() {
    if (state.conversation) refresh();
  }

  function newChat() {
    state = {};
    saveState(state);
    shown.clear();
    lastId = "";
    setWithPerson(false);
    log.textContent = "";
    if (greeting) log.appendChild(greeting);
    if (starters) starters.hidden = false;
    input.focus();
  }

  // Too long a question is said so while it is typed (or pasted), not cut short.
  const lengthNote = element("p", "chat-limit");
  lengthNote.hidden = true;
  lengthNote.setAttribute("role", "status");
  form.after(lengthNote);
  function checkLength() {
    const length = [...input.value.trim()].length; // characters, as the server counts them
    const over = length > config.max_chars;
    lengthNote.hidden = !over;
    if (over) lengthNote.textContent = texts.too_long.replace("{count}", length).replace("{max}", config.max_chars);
    sendButton.disabled = busy || over;
    return !over;
  }
  input.addEventListener("input", checkLength);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || !checkLength()) return; // the question stays in the box meanwhile
    const text = input.value;
    input.value = "";
    ask(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  if (starters) starters.addEventListener("click", function (event) {
    const button = event.target.closest("[data-chat-starter]");
    if (button) ask(button.textContent);
  });
  root.querySelector("[data-chat-new]").addEventListener("click", newChat);
  if (personButton) personButton.addEventListener("click", function () { ask(texts.person_request, true); });

  // The widget's script on the host page may open the chat with a question.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.type !== "kaiu:ask") return;
    if (typeof event.data.text === "string") ask(event.data.text.slice(0, config.max_chars));
  });

  window.kaiuChat = { ask: ask, newChat: newChat };
  loadHistory();
})();
