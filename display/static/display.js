// The floor display (呼出表示盤): renders the view of `display:{id}` it receives over the
// websocket, and announces each call event once through the Announcer. No mouse, no
// keyboard: it pairs once from ?token=, reconnects by itself, and never scrolls.
import { Announcer } from "./announcer.js";

const cfg = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = `madoguchi.display.${cfg.display}.token`;
const LANG_CYCLE_MS = 8000;
const HIGHLIGHT_MS = 10000;
const BACKOFF_MAX_MS = 30000;

const state = { view: null, lang: cfg.languages[0] || "ja", online: false, newest: null,
  newestUntil: 0, attempts: 0, socket: null, refused: false };

// -- pairing: the token comes once in the address (#token=, a fragment the server never
// sees; or ?token=), is kept, and leaves the address bar ----------------------------------
function pairedToken() {
  const url = new URL(location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const given = fragment.get("token") || url.searchParams.get("token");
  if (given) {
    localStorage.setItem(TOKEN_KEY, given);
    url.searchParams.delete("token");
    fragment.delete("token");
    const hash = fragment.toString();
    history.replaceState(null, "", url.pathname + url.search + (hash ? `#${hash}` : ""));
  }
  return localStorage.getItem(TOKEN_KEY);
}

function showPairing(refused) {
  state.refused = refused;
  document.body.dataset.state = refused ? "refused" : "unpaired";
  $("pairing").hidden = false;
  $("screen").hidden = true;
  $("pairing-title").textContent = cfg.pairing.title;
  $("pairing-refused").hidden = !refused;
  $("pairing-refused").textContent = cfg.pairing.refused;
  $("pairing-steps").replaceChildren(...cfg.pairing.steps.map((step, i) => {
    const li = document.createElement("li");
    const text = step.replace("{display}", cfg.display).replace("{address}", location.origin + location.pathname);
    if (i % 2) { const code = document.createElement("code"); code.textContent = text; li.append(code); }
    else li.textContent = text;
    return li;
  }));
}

// -- words --------------------------------------------------------------------------------
function label(key, fields = {}) {
  const texts = cfg.labels[key] || {};
  let text = texts[state.lang] ?? texts.ja ?? key;
  for (const [k, v] of Object.entries(fields)) text = text.replaceAll(`{${k}}`, v);
  return text;
}
const named = (names) => (names && (names[state.lang] || names.ja)) || "";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- rendering: the whole screen from the view, every time --------------------------------
function render() {
  const view = state.view;
  for (const node of document.querySelectorAll("[data-label]")) node.textContent = label(node.dataset.label);
  document.documentElement.lang = state.lang;
  if (!view) return;
  const floors = [...new Set(view.areas.map((a) => a.floor))];
  $("floor").textContent = floors.join("・");
  $("areas").textContent = `${named(view.office.names)}　${view.areas.map((a) => named(a.names)).join("・")}`;
  $("issuing").dataset.open = String(view.issuing);
  $("issuing").textContent = label(view.issuing ? "issuing" : "issuing_closed");
  renderTiles(view);
  renderPairs($("ready"), view.ready.slice(0, 8));
  const calling = new Set(view.calling.map((c) => c.number));
  renderPairs($("recent"), view.recent_calls.filter((c) => !calling.has(c.number)).slice(0, 8));
  renderServices(view);
  const notice = named(view.notice);
  $("notice").hidden = !notice || !$("caption").hidden;
  $("notice").textContent = notice;
}

function renderTiles(view) {
  const newest = Date.now() < state.newestUntil ? state.newest : null;
  const tiles = view.calling.slice(0, 6).map((c) => {
    const tile = el("li", "tile");
    tile.dataset.number = c.number;
    if (c.number === newest) tile.classList.add("newest");
    const recalled = view.recent_calls.find((r) => r.number === c.number);
    if (recalled && recalled.type === "ticket.recalled") tile.classList.add("recall");
    const desk = el("span", "desk");
    desk.append(el("span", "n", c.counter), el("span", "label", label("counter")));
    tile.append(el("span", "badge", label("newest")), el("span", "number", c.number), el("span", "arrow", "→"), desk);
    return tile;
  });
  $("tiles").replaceChildren(...tiles);
  $("none").hidden = tiles.length > 0;
}

function renderPairs(list, calls) {
  list.replaceChildren(...calls.map((c) => {
    const li = el("li");
    li.dataset.number = c.number;
    li.append(el("span", "number", c.number), el("span", "to", `→ ${c.counter}`));
    return li;
  }));
}

function renderServices(view) {
  $("services").replaceChildren(...view.services.map((s) => {
    const card = el("div", s.issuing ? "service" : "service closed");
    card.dataset.service = s.id;
    const name = el("div", "name");
    name.append(el("span", "prefix", s.prefix), el("span", "lang-cycled", named(s.names)));
    const waiting = el("div", "waiting", label("waiting"));
    waiting.append(el("b", "", label("people", { n: s.waiting })));
    const last = s.issuing
      ? el("div", "estimate", label("minutes", { lo: s.estimate.low_min, hi: s.estimate.high_min }))
      : el("div", "closed-mark", label(s.closed_reason === "stopped" ? "service_stopped" : "service_closed"));
    card.append(name, waiting, last);
    return card;
  }));
}

function tickClock() {
  const time = new Intl.DateTimeFormat("ja-JP", { timeZone: cfg.timezone, hour: "2-digit", minute: "2-digit" });
  $("clock").textContent = time.format(new Date());
}

function cycleLanguage() {
  const langs = cfg.languages.length ? cfg.languages : ["ja"];
  document.body.classList.add("switching");
  setTimeout(() => {
    state.lang = langs[(langs.indexOf(state.lang) + 1) % langs.length];
    render();
    document.body.classList.remove("switching");
  }, 400);
}

function showCaption(said) {
  const caption = $("caption");
  caption.hidden = false;
  caption.lang = said.lang;
  caption.textContent = said.text;
  $("notice").hidden = true;
}

// -- the announcements ------------------------------------------------------------------
const announcer = new Announcer({
  storageKey: `madoguchi.display.${cfg.display}.announced`,
  chime: cfg.chime,
  volume: cfg.volume,
  player: $("player"),
  clipHeaders() {
    const token = localStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: `Bearer ${token}` } : {};
  },
  onStart(item) {
    state.newest = item.number;
    state.newestUntil = Date.now() + HIGHLIGHT_MS;
    render();
    setTimeout(render, HIGHLIGHT_MS + 50);
    if (item.announce.length) showCaption(item.announce[0]); // from the chime on
  },
  onSay(said) { showCaption(said); },
  onDone() {
    if (!announcer.queue.length) { $("caption").hidden = true; render(); }
  },
  onSoundBlocked(blocked) { $("sound-off").hidden = !blocked; },
});

// -- the live connection: `since`, exponential backoff with jitter, offline mark ---------
function setOnline(online) {
  state.online = online;
  $("offline").hidden = online;
  document.body.dataset.state = online ? "online" : "offline";
}

function connect(token) {
  // The token goes in the first message, not the address (which servers and proxies log).
  const params = new URLSearchParams({ auth: "message" });
  if (announcer.version !== null) params.set("since", String(announcer.version));
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${cfg.ws}?${params}`);
  state.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token }));
  let first = true;
  socket.onmessage = (message) => {
    const msg = JSON.parse(message.data);
    if (msg.type !== "view") return;
    state.attempts = 0;
    setOnline(true);
    if (msg.resync) announcer.reset(msg.version);
    else if (!first && msg.version <= announcer.version) return; // never go back
    else announcer.offer(msg.events || [], msg.version, { replay: first });
    first = false;
    state.view = msg.view;
    render();
  };
  socket.onclose = (event) => {
    setOnline(false);
    if (event.code === 1008) { showPairing(true); return; } // the token was refused
    const ceiling = Math.min(BACKOFF_MAX_MS, 500 * 2 ** state.attempts);
    state.attempts += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // fifty displays, not one second
    setTimeout(() => connect(token), delay);
  };
}

window.madoguchiDisplay = { announcer, state, get log() { return announcer.log; }, get queue() { return announcer.queue; } };

const token = pairedToken();
if (!token) showPairing(false);
else {
  render();
  tickClock();
  setInterval(tickClock, 1000);
  setInterval(cycleLanguage, LANG_CYCLE_MS);
  connect(token);
}
