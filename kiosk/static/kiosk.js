// The kiosk (発券機): pick a language and a procedure, get a numbered ticket.
// Follows its live channel kiosk:{kiosk}; issues through the HTTP API with its device token.

import { appointmentButton, appointmentScreen, checkInPost, refusalKey } from "./appointment.js";
import { arrivalCodePanel, arrivalScreen, arrivalSpeech, arrive, fetchArrivalCode } from "./arrival.js";
import { listenForScanner } from "./scanner.js";

const config = JSON.parse(document.getElementById("kiosk-config").textContent);
const TOKEN_KEY = `madoguchi.kiosk.${config.kiosk}.token`;
const PRINTED_RETURN_S = 10; // the number stays up while the ticket comes out
const ON_SCREEN_RETURN_S = 60; // time to photograph the number or scan the QR code
const IDLE_RESET_S = 60; // back to Japanese, priority off, when nobody touches the screen
const ARRIVAL_CODE_REFRESH_S = 300; // the arrival code is asked again this often, and at the day's end
const ARRIVAL_CODE_RETRY_S = 30; // ...or this soon when it could not be had
// Each language's code, name, lang attribute and voice (printer/languages.py).
const LANGUAGES = new Map(config.languages.map((lang) => [lang.code, lang]));

const state = {
  lang: "ja",
  priority: false,
  voice: false,
  large: false, // the large-text mode, until the screen resets
  view: null,
  version: -1,
  printer: null,
  screen: "start", // start | issuing | ticket | error | unpaired | appointment | arrival
  code: "", // the booking code typed on the appointment screen
  codeError: null,
  ticket: null,
  arrivalCode: null, // the day's code for tickets from home: {code, expiresAt}
  arrival: null, // a scanned ticket page's outcome (arrival.js arrive)
  busy: false,
  connected: false,
};
let returnTimer = null;
let idleTimer = null;
let arrivalTimer = null;
let arrivalAsks = 0; // the latest request for the arrival code; an older answer is dropped

const $ = (id) => document.getElementById(id);

// -- pairing: /kiosk/kiosk-2f#token=... once (a fragment never reaches the server or its
// logs; ?token= works too); the token stays on this screen only ---------------------------
function pair() {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const token = fragment.get("token") || url.searchParams.get("token");
  if (token) {
    window.localStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete("token");
    fragment.delete("token");
    const rest = url.searchParams.toString();
    const hash = fragment.toString();
    window.history.replaceState(null, "", url.pathname + (rest ? `?${rest}` : "") + (hash ? `#${hash}` : ""));
  }
  return window.localStorage.getItem(TOKEN_KEY);
}
let token = pair();

// -- text ----------------------------------------------------------------------------------
function t(key, fields = {}) {
  const text = (config.messages[state.lang] || config.messages.ja)[key] ?? config.messages.ja[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));
}
const named = (names) => (names && (names[state.lang] || names.ja)) || "";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function estimateText(service) {
  const e = service.estimate;
  if (!e || (service.waiting === 0 && e.high_min === 0)) return t("no_wait");
  if (e.low_min === e.high_min) return t("estimate_one", { lo: e.low_min });
  return t("estimate", { lo: e.low_min, hi: e.high_min });
}

function speak(text) {
  if (!state.voice || !("speechSynthesis" in window)) return;
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = LANGUAGES.get(state.lang).speech;
  window.speechSynthesis.speak(utterance);
}

// -- the frame around every screen -----------------------------------------------------------
function renderChrome() {
  document.documentElement.lang = LANGUAGES.get(state.lang).html;
  $("office-name").textContent = named(config.office_names);
  $("kiosk-title").textContent = t("title");
  const nav = $("languages");
  nav.replaceChildren(
    ...config.languages.map((lang) =>
      el("button", {
        type: "button",
        lang: lang.html,
        "data-lang": lang.code,
        "aria-pressed": String(lang.code === state.lang),
        text: lang.name,
        onclick: () => setLanguage(lang.code),
      }),
    ),
  );
  const voice = $("voice");
  voice.textContent = `🔊 ${t("voice")}`;
  voice.setAttribute("aria-pressed", String(state.voice));
  const large = $("large-text");
  large.textContent = `🔍 ${t("large_text")}`;
  large.setAttribute("aria-pressed", String(state.large));
  document.documentElement.classList.toggle("large-text", state.large);
  renderBanner();
}

function printerDown() {
  return Boolean(state.printer && state.printer.can_print === false);
}

function renderBanner() {
  const banner = $("banner");
  if (printerDown() && state.screen !== "unpaired") {
    banner.textContent = state.printer.state === "paper_out" ? t("paper_out") : t("printer_down");
    banner.dataset.printer = state.printer.state;
    banner.hidden = false;
  } else if (!state.connected && state.view) {
    banner.textContent = t("connecting");
    banner.dataset.printer = "";
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

function render() {
  renderChrome();
  const screen = $("screen");
  if (state.screen === "unpaired") screen.replaceChildren(unpairedScreen());
  else if (state.screen === "issuing") screen.replaceChildren(el("p", { class: "connecting", text: t("issuing") }));
  else if (state.screen === "ticket") screen.replaceChildren(ticketScreen(state.ticket));
  else if (state.screen === "error") screen.replaceChildren(errorScreen());
  else if (state.screen === "appointment") screen.replaceChildren(appointmentScreen(appointmentParts()));
  else if (state.screen === "arrival") screen.replaceChildren(arrivalScreen({ t, el, named, waitLine, outcome: state.arrival, back: backToStart }));
  else if (!state.view) screen.replaceChildren(el("p", { class: "connecting", text: t("connecting") }));
  else screen.replaceChildren(...startScreen(state.view));
}

// -- the start screen: procedures by area and floor ------------------------------------------
function startScreen(view) {
  const areas = el(
    "div",
    { class: "areas" },
    view.areas.map((area) =>
      el(
        "section",
        { class: "area", "aria-label": `${area.floor} ${named(area.names)}` },
        el("h2", {}, el("span", { class: "floor", text: t("floor", { floor: area.floor }) }), named(area.names)),
        el("div", { class: "services" }, area.services.map(serviceButton)),
      ),
    ),
  );
  const priority = el(
    "button",
    {
      type: "button",
      class: "priority",
      id: "priority",
      "aria-pressed": String(state.priority),
      onclick: () => {
        state.priority = !state.priority;
        render();
        if (state.priority) speak(t("priority_hint"));
      },
    },
    el("span", { class: "box", "aria-hidden": "true", text: state.priority ? "✓" : "" }),
    el("strong", { text: t("priority") }),
    el("span", { text: t("priority_hint") }),
  );
  const notice = named(view.notice);
  const said = notice ? [el("p", { class: "office-notice", role: "status", text: notice })] : [];
  const extras = view.appointments
    ? el("div", { class: "extras" }, priority, appointmentButton({ t, el, open: () => showAppointment() }))
    : priority;
  const code = arrivalCodeShown(view);
  const arrival = code ? [arrivalCodePanel({ t, el, code })] : [];
  return [el("h1", { class: "heading", text: t("choose") }), ...said, areas, extras, ...arrival];
}

function serviceButton(service) {
  const open = service.issuing;
  const reason = open ? null : t(service.closed_reason || "closed");
  const meta = open
    ? [el("span", { class: "waiting", text: t("waiting", { n: service.waiting }) }), el("span", { class: "estimate", text: estimateText(service) })]
    : [el("span", { class: "reason", text: reason })];
  const name = named(service.names);
  return el(
    "button",
    {
      type: "button",
      class: "service",
      "data-service": service.id,
      "aria-disabled": String(!open),
      onclick: () => (open ? issue(service.id) : speak(`${name}。${reason}`)),
    },
    el("span", { class: "name" }, el("span", { class: "prefix", "aria-hidden": "true", text: service.prefix }), name),
    LANGUAGES.get(state.lang).html !== "ja" ? el("span", { class: "name-ja", lang: "ja", text: service.names.ja }) : null,
    el("span", { class: "meta" }, meta),
  );
}

// -- issuing --------------------------------------------------------------------------------
async function issue(service) {
  if (state.busy) return;
  state.busy = true;
  state.screen = "issuing";
  render();
  try {
    let answer = await post(service);
    if ((answer.status === 401 || answer.status === 403) && token) {
      // A token that no longer works (rotated): forget it; open issuing needs none.
      window.localStorage.removeItem(TOKEN_KEY);
      token = null;
      if (config.open_issuing) answer = await post(service);
    }
    if (answer.status === 401 || answer.status === 403) {
      state.screen = config.open_issuing ? "error" : "unpaired";
    } else if (!answer.ok) {
      state.screen = "error";
    } else {
      state.ticket = await answer.json();
      state.screen = "ticket";
    }
  } catch (e) {
    state.screen = "error";
  } finally {
    state.busy = false;
  }
  state.priority = false;
  render();
  if (state.screen === "ticket") {
    const tk = state.ticket;
    speak(`${t("number_label")} ${tk.number}。${t("wait_for_call")}`);
    returnAfter(tk.print.status === "printed" ? PRINTED_RETURN_S : ON_SCREEN_RETURN_S);
  } else if (state.screen === "error") {
    speak(t("issue_failed"));
    returnAfter(PRINTED_RETURN_S);
  }
}

function post(service) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`/api/v1/offices/${encodeURIComponent(config.office)}/tickets`, {
    method: "POST",
    headers,
    // Printing here and the priority button need the kiosk's token: an unpaired kiosk of an
    // office that issues openly gets the visitor a ticket on the screen.
    body: JSON.stringify(
      token
        ? { service, kiosk: config.kiosk, lang: state.lang, priority: state.priority }
        : { service, lang: state.lang },
    ),
  });
}

// -- appointments (予約の方): check in by the booking code -------------------------------------
function showAppointment() {
  Object.assign(state, { screen: "appointment", code: "", codeError: null });
  render();
  speak(t("appointment_hint"));
}

function appointmentParts() {
  return {
    t,
    el,
    code: state.code,
    message: state.codeError,
    type: (digit) => {
      state.code = digit === null ? "" : (state.code + digit).slice(0, 6);
      state.codeError = null;
      render();
    },
    submit: () => checkIn(state.code),
    back: backToStart,
  };
}

async function checkIn(code) {
  if (state.busy) return;
  state.busy = true;
  try {
    const answer = await checkInPost(config.office, code, token);
    const body = await answer.json();
    if (answer.ok) {
      Object.assign(state, { ticket: body, screen: "ticket" });
    } else {
      Object.assign(state, { screen: "appointment", code: "", codeError: t(refusalKey(answer.status, body.reason)) });
    }
  } catch (e) {
    state.screen = "error";
  } finally {
    state.busy = false;
  }
  render();
  if (state.screen === "ticket") {
    speak(`${t("number_label")} ${state.ticket.number}。${t("wait_for_call")}`);
    returnAfter(state.ticket.print.status === "printed" ? PRINTED_RETURN_S : ON_SCREEN_RETURN_S);
  } else if (state.codeError) speak(state.codeError);
}

// People ahead and the estimate of a ticket in line ("" for one called or ended).
function waitLine(ticket) {
  const parts = [];
  if (ticket.position !== null && ticket.position !== undefined) parts.push(t("ahead", { n: ticket.position }));
  if (ticket.estimate) parts.push(estimateText({ waiting: ticket.position, estimate: ticket.estimate }));
  return parts.join("　");
}

function ticketScreen(ticket) {
  const printed = ticket.print.status === "printed";
  const wait = waitLine(ticket);
  const text = el(
    "div",
    { class: "text" },
    el("h1", { class: "label", text: t("number_label") }),
    el("div", { class: "number", id: "ticket-number", text: ticket.number }),
    el("div", { class: "service-name", text: named(ticket.service_names) }),
    wait ? el("div", { class: "wait", text: wait }) : null,
    el("div", { class: "instruction", text: t("wait_for_call") }),
    el("div", {
      class: printed ? "status" : "status failed",
      id: "print-status",
      "data-print": ticket.print.status,
      text: printed ? t("printed") : t("on_screen"),
    }),
    el("button", { type: "button", class: "done", onclick: backToStart, text: t("done") }),
    el("div", { class: "countdown", id: "countdown" }),
  );
  if (printed) return el("div", { class: "ticket printed", "data-number": ticket.number }, text);
  const qr = el("img", {
    class: "qr",
    id: "ticket-qr",
    src: `/api/v1/visitor/${encodeURIComponent(ticket.token)}/qr.svg`,
    alt: t("qr_alt"),
  });
  return el("div", { class: "ticket on-screen", "data-number": ticket.number }, text, qr);
}

// -- tickets from home: the day's arrival code, and a scanned ticket page ---------------------
// Shown while the office takes tickets from home (the view's `remote`), the kiosk is paired
// and the server gave today's code; never once its day has ended.
function arrivalCodeShown(view) {
  const shown = state.arrivalCode;
  return token && view.remote && shown && Date.now() < shown.expiresAt ? shown.code : null;
}

async function refreshArrivalCode() {
  clearTimeout(arrivalTimer);
  const ask = ++arrivalAsks;
  if (state.arrivalCode && Date.now() >= state.arrivalCode.expiresAt) setArrivalCode(null);
  const shown = await fetchArrivalCode(config.office, token);
  if (ask !== arrivalAsks) return;
  setArrivalCode(shown);
  const next = shown ? Math.min(ARRIVAL_CODE_REFRESH_S * 1000, shown.expiresAt - Date.now()) : ARRIVAL_CODE_RETRY_S * 1000;
  arrivalTimer = setTimeout(refreshArrivalCode, Math.max(next, 1000));
}

function setArrivalCode(shown) {
  const before = state.arrivalCode?.code;
  state.arrivalCode = shown;
  if (shown?.code !== before && state.screen === "start") render();
}

// The visitor holds the ticket page's QR code (on the phone, or a printed ticket) to the
// scanner: the kiosk confirms the arrival with its device token, in the ticket's language.
async function arriveByScan(ticketToken) {
  if (state.busy) return;
  state.busy = true;
  try {
    state.arrival = await arrive(ticketToken, token);
  } finally {
    state.busy = false;
  }
  const lang = state.arrival.ticket?.lang;
  if (LANGUAGES.has(lang)) state.lang = lang;
  state.screen = "arrival";
  render();
  speak(arrivalSpeech({ t, outcome: state.arrival }));
  returnAfter(PRINTED_RETURN_S);
  touched(); // the next visitor starts in Japanese again
}

function errorScreen() {
  return el(
    "div",
    { class: "notice", role: "alert" },
    el("h1", { text: t("issue_failed") }),
    el("button", { type: "button", class: "done", onclick: backToStart, text: t("done") }),
  );
}

function unpairedScreen() {
  return el(
    "div",
    { class: "notice", role: "alert", id: "unpaired" },
    el("h1", { text: t("unpaired_title") }),
    el("p", { text: t("unpaired_body", { kiosk: config.kiosk, path: window.location.pathname }) }),
  );
}

function returnAfter(seconds) {
  clearInterval(returnTimer);
  let left = seconds;
  const tick = () => {
    const countdown = $("countdown");
    if (countdown) countdown.textContent = t("returning", { s: left });
    if (left-- <= 0) backToStart();
  };
  tick();
  returnTimer = setInterval(tick, 1000);
}

function backToStart() {
  clearInterval(returnTimer);
  state.screen = unpaired() ? "unpaired" : "start";
  state.ticket = null;
  state.arrival = null;
  render();
}

function unpaired() {
  return !config.open_issuing && !token;
}

function setLanguage(lang) {
  state.lang = lang;
  render();
  speak(t("choose"));
}

// -- idle: the next visitor starts in Japanese with nothing chosen --------------------------
function touched() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (state.screen !== "start" || (state.lang === "ja" && !state.priority && !state.large)) return;
    state.lang = "ja";
    state.priority = false;
    state.large = false;
    render();
  }, IDLE_RESET_S * 1000);
}

// -- the live channel ------------------------------------------------------------------------
let backoff = 500;
function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const since = state.version >= 0 ? `?since=${state.version}` : "";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/v1/kiosk:${encodeURIComponent(config.kiosk)}${since}`);
  socket.addEventListener("open", () => {
    backoff = 500;
    state.connected = true;
    renderBanner();
    refreshArrivalCode(); // at start, and after a reconnect (the kiosk may have slept)
  });
  socket.addEventListener("message", (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "view" && (frame.resync || frame.version > state.version)) {
      state.version = frame.version;
      state.view = frame.view;
      setPrinter(frame.view.printer);
      if (state.screen === "start") render();
    } else if (frame.type === "printer") {
      setPrinter(frame.printer);
    }
  });
  socket.addEventListener("close", () => {
    state.connected = false;
    renderBanner();
    // Backoff with jitter, so that every kiosk does not reconnect in the same second.
    window.setTimeout(connect, backoff / 2 + Math.random() * backoff);
    backoff = Math.min(backoff * 2, 15000);
  });
}

function setPrinter(printer) {
  if (!printer) return;
  if (state.printer && printer.revision < state.printer.revision) return;
  state.printer = printer;
  document.body.dataset.printer = printer.state;
  renderBanner();
}

function clock() {
  const now = new Date();
  $("clock").textContent = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
}

$("large-text").addEventListener("click", () => {
  state.large = !state.large;
  render();
});
$("voice").addEventListener("click", () => {
  state.voice = !state.voice;
  renderChrome();
  speak(t("choose"));
});
document.addEventListener("pointerdown", touched, { passive: true });
listenForScanner({ booking: checkIn, ticket: arriveByScan });
document.addEventListener("contextmenu", (e) => e.preventDefault());
state.screen = unpaired() ? "unpaired" : "start";
clock();
setInterval(clock, 10000);
render();
connect();
