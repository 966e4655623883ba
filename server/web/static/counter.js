// The counter app (窓口端末): one counter's live view (counter:{counter}) and its actions.
// Signed in with the session cookie; every state change sends the session's CSRF token.
// Usable with the keyboard alone: F2 calls the next number; R S F A B X T act on the
// current ticket when the focus is not in a text field.
// Every counter's own work: a counter with services calls and serves ("work"); a pickup
// counter (交付窓口) marks documents ready and hands them over, P H R ("pickup"); a counter
// that does both shows both ("both"). The reception desk (受付・案内) issues tickets for
// visitors who cannot use the kiosk, F2 ("reception").

import { el } from "./dom.js";
import { pickupCounter } from "./counter_pickup.js";
import { receptionDesk } from "./counter_reception.js";

const config = JSON.parse(document.getElementById("counter-config").textContent);
// The counter this PC works, remembered per office (counter ids are each office's own).
const COUNTER_KEY = config.offices?.length ? `madoguchi.counter.${config.office.id}` : "madoguchi.counter";
const RECEPTION = "reception"; // the reception desk's place in the counter list (counter_app.py)
const LANG_NAMES = config.languages; // code -> its name for staff (printer/languages.py)
const STATE_JA = { open: "開設中", paused: "休止中", closed: "閉鎖" };
const STATUS_JA = { called: "呼出中", serving: "対応中" };

const $ = (id) => document.getElementById(id);
const state = { counter: null, mode: "work", view: null, version: -1, ws: null, retry: 0, formFor: null, form: null, busy: false };

const serviceName = (id) => (config.services[id] && config.services[id].names.ja) || id;
const minutesSince = (iso) => Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));

// -- messages ---------------------------------------------------------------------------------
let messageTimer = null;
function say(text, kind = "info") {
  const box = $("message");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 12000 : 5000);
}

// -- HTTP -------------------------------------------------------------------------------------
async function api(method, path, body) {
  const headers = { "X-CSRF-Token": config.session.csrf };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // "no-cache": a staff screen asks the server every time (a cacheable answer such as
  // GET …/status comes back 304 when unchanged), never the browser's copy of 2 s ago.
  const answer = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-cache" });
  if (answer.status === 401) { window.location.href = `/signin?next=${encodeURIComponent(location.pathname + location.search)}`; throw new Error("signed out"); }
  let data = null;
  if (answer.status !== 204) { try { data = await answer.json(); } catch { data = null; } }
  return { status: answer.status, ok: answer.ok, data };
}

// A refused action is a message, never an error page. A 409 usually means another clerk or
// counter was faster: the live view already shows what happened. A counter (or its visitor)
// that another clerk holds (403 forbidden), or a second counter for a clerk who holds one
// (409 holds_another_counter), is said as the server says it.
const SAID_AS_IS = new Set(["forbidden", "holds_another_counter", "issuing_closed", "daily_cap_reached"]);
function refused(answer, what) {
  const message = (answer.data && answer.data.message) || `${what}できませんでした（${answer.status}）`;
  const code = answer.data && answer.data.code;
  if (answer.status === 409 && !SAID_AS_IS.has(code)) say(`他の端末で先に操作されたか、今はできない操作です: ${message}`, "error");
  else say(message, "error");
}

async function act(label, method, path, body) {
  if (state.busy) return null;
  state.busy = true;
  try {
    const answer = await api(method, path, body);
    if (!answer.ok) { refused(answer, label); return null; }
    return answer;
  } catch (e) {
    if (e.message !== "signed out") say(`${label}できませんでした: 通信エラー`, "error");
    return null;
  } finally {
    state.busy = false;
  }
}

const officePath = () => `/api/v1/offices/${config.office.id}/counters/${state.counter}`;

async function setCounter(action) {
  const label = { open: "開設", pause: "休止", close: "閉鎖" }[action];
  const answer = await act(label, "POST", `${officePath()}/${action}`);
  if (answer) say(`${state.counter}番窓口: ${STATE_JA[answer.data.state]}`);
}

async function callNext() {
  const answer = await act("呼出", "POST", `${officePath()}/call-next`);
  if (!answer) return;
  if (answer.status === 204) say("お待ちの方はいません");
  else say(`${answer.data.number} を呼び出しました`);
}

async function ticketAction(action, body) {
  const current = state.view && state.view.current;
  if (!current) { say("対応中の番号がありません", "error"); return; }
  if (action === "cancel" && !window.confirm(`${current.number} を取り消しますか？`)) return;
  const label = { recall: "再呼出", start: "開始", finish: "完了", "no-show": "不在", return: "列に戻す", cancel: "取消", transfer: "回送" }[action];
  const answer = await act(label, "POST", `/api/v1/tickets/${current.id}/${action}`, body);
  if (answer) say(`${current.number}: ${label}`);
}

// -- live -------------------------------------------------------------------------------------
function connect() {
  if (state.ws) { state.ws.onclose = null; state.ws.close(); }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  // A counter's id is its office's: the office goes with it (an installation may hold several).
  const since = state.version >= 0 ? `&since=${state.version}` : "";
  const office = encodeURIComponent(config.office.id);
  const ws = new WebSocket(`${scheme}://${location.host}/ws/v1/counter:${state.counter}?office=${office}${since}`);
  state.ws = ws;
  ws.onopen = () => { state.retry = 0; $("offline").hidden = true; };
  ws.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type !== "view" || data.channel !== `counter:${state.counter}`) return;
    if (data.version <= state.version && !data.resync) return;
    state.version = data.version;
    state.view = data.view;
    render();
  };
  ws.onclose = (event) => {
    if (state.ws !== ws) return;
    $("offline").hidden = false;
    if (event.code === 4401 || event.code === 1008) { window.location.href = "/signin?next=/counter"; return; }
    // Backoff with jitter: many counters never reconnect in the same second.
    const delay = Math.min(15000, 500 * 2 ** state.retry) * (0.5 + Math.random());
    state.retry += 1;
    setTimeout(connect, delay);
  };
}

function disconnect() {
  if (state.ws) { state.ws.onclose = null; state.ws.close(); state.ws = null; }
  $("offline").hidden = true;
}

const counterConfig = (id) => config.counters.find((c) => c.id === id);

// What a counter's screen is for: its own services, pickup (交付), both, or reception.
function modeOf(counter) {
  if (counter === RECEPTION) return "reception";
  const c = counterConfig(counter);
  const own = c.services.length > 0;
  if (own && c.pickup.length) return "both";
  return own ? "work" : "pickup";
}

function setMode(mode) {
  state.mode = mode;
  $("grid").dataset.mode = mode;
  const shows = { left: ["work", "both"], middle: ["work", "both"], right: ["work", "both"], pickup: ["pickup", "both"], reception: ["reception"] };
  for (const [section, modes] of Object.entries(shows)) document.querySelector(`.grid > .${section}`).hidden = !modes.includes(mode);
  for (const id of ["counter-state", "btn-open", "btn-pause", "btn-close"]) $(id).hidden = mode === "reception";
}

function choose(counter) {
  if (counter !== RECEPTION && !counterConfig(counter)) counter = config.counters[0].id;
  state.counter = counter;
  window.localStorage.setItem(COUNTER_KEY, counter);
  $("counter-select").value = counter;
  state.version = -1;
  state.view = null;
  state.formFor = null;
  renderForm(null);
  setMode(modeOf(counter));
  if (counter === RECEPTION) {
    disconnect();
    document.title = "受付・案内 — 窓口端末";
    reception.show();
    return;
  }
  const services = Object.keys(config.services);
  $("transfer-service").replaceChildren(...services.map((s) => el("option", { value: s, text: `${config.services[s].prefix} ${serviceName(s)}` })));
  document.title = `${counter}番窓口 — 窓口端末`;
  connect();
}

// -- rendering --------------------------------------------------------------------------------
function flags(t) {
  const out = [];
  if (t.priority) out.push(el("span", { class: "flag priority", text: "配慮" }));
  if (t.lang && t.lang !== "ja") out.push(el("span", { class: "flag lang", text: t.lang }));
  if (t.transfers) out.push(el("span", { class: "flag transfer", text: `回送${t.transfers}` }));
  if (t.recalls) out.push(el("span", { class: "flag recall", text: `再${t.recalls}` }));
  return out;
}

function render() {
  const view = state.view;
  if (!view) return;
  document.body.dataset.state = view.counter.state;
  const badge = $("counter-state");
  badge.dataset.state = view.counter.state;
  badge.textContent = STATE_JA[view.counter.state] || view.counter.state;
  $("btn-open").disabled = view.counter.state === "open";
  $("btn-pause").disabled = view.counter.state === "paused";
  $("btn-close").disabled = view.counter.state === "closed";
  $("call-next").disabled = state.mode === "pickup" || view.counter.state !== "open" || Boolean(view.current);
  renderCurrent(view.current);
  pickup.render(view);
  const queue = view.next || [];
  const total = Object.values(view.waiting || {}).reduce((a, b) => a + b, 0);
  $("waiting-total").textContent = `${total}人`;
  $("queue").replaceChildren(...(queue.length ? queue.map(queueItem) : [el("li", { class: "none", text: "お待ちの方はいません" })]));
  $("absent").replaceChildren(...(view.absent || []).map(queueItem));
  const current = view.current;
  const formTicket = current ? current.id : null;
  if (formTicket !== state.formFor) {
    state.formFor = formTicket;
    if (formTicket) loadForm(formTicket); else renderForm(null);
  }
}

function queueItem(t) {
  return el("li", { "data-number": t.number },
    el("span", { class: "number", text: t.number }),
    el("span", { class: "service", text: serviceName(t.service) }),
    el("span", { class: "waited", text: `${minutesSince(t.issued_at)}分` }),
    el("span", { class: "flags" }, flags(t)));
}

function renderCurrent(t) {
  const box = $("current");
  for (const b of document.querySelectorAll("[data-ticket-action]")) b.disabled = !t;
  $("transfer").querySelector("button").disabled = !t || t.status !== "serving";
  if (!t) { box.replaceChildren(el("p", { class: "none", text: "対応中の番号はありません" })); return; }
  const waited = minutesSince(t.issued_at) - (t.called_at ? minutesSince(t.called_at) : 0);
  const transfers = (state.form && state.form.transfers) || [];
  box.replaceChildren(
    el("div", { class: "number", id: "current-number", text: t.number }),
    el("div", { class: "status", text: STATUS_JA[t.status] || t.status }),
    el("dl", {},
      el("dt", { text: "手続き" }), el("dd", { id: "current-service", text: serviceName(t.service) }),
      el("dt", { text: "待ち時間" }), el("dd", { text: `${waited}分` }),
      el("dt", { text: "言語" }), el("dd", { id: "current-lang", class: t.lang !== "ja" ? "lang-alert" : "", text: LANG_NAMES[t.lang] || t.lang }),
      el("dt", { text: "配慮" }), el("dd", { text: t.priority ? "配慮が必要な方" : "—" }),
      el("dt", { text: "回送" }), el("dd", { id: "current-transfers", text: t.transfers ? transfers.map((x) => `${serviceName(x.from)} → ${serviceName(x.to)}${x.note ? `（${x.note}）` : ""}`).join("、") || `${t.transfers}回` : "なし" }),
      el("dt", { text: "再呼出" }), el("dd", { text: `${t.recalls}回` })));
}

// -- the pre-entry form ------------------------------------------------------------------------
async function loadForm(ticketId) {
  renderForm({ loading: true });
  let answer;
  try { answer = await api("GET", `/api/v1/tickets/${ticketId}/form`); } catch { return; }
  if (state.formFor !== ticketId) return;
  if (!answer.ok) { renderForm({ error: (answer.data && answer.data.message) || "事前入力を読めませんでした" }); return; }
  state.form = answer.data;
  renderCurrent(state.view && state.view.current);
  renderForm(answer.data);
}

function fieldInput(field, value, path) {
  const id = `f-${path.replace(/[^a-z0-9_]/gi, "-")}`;
  const label = el("label", { for: id, text: `${field.labels.ja}${field.required ? " *" : ""}` });
  let input;
  if (field.type === "choice") {
    input = el("select", { id, name: path }, el("option", { value: "", text: "—" }),
      field.options.map((o) => el("option", { value: o.value, text: o.labels.ja, selected: o.value === value })));
  } else {
    input = el("input", { id, name: path, value: value ?? "", inputmode: ["postal_code", "phone", "integer"].includes(field.type) ? "numeric" : null });
  }
  return el("div", { class: `field type-${field.type}`, "data-field": path }, label, input, el("span", { class: "field-error", role: "alert" }));
}

function renderForm(data) {
  const panel = $("form-panel");
  if (data === null) { state.form = null; panel.replaceChildren(el("p", { class: "none", text: "呼び出した方の事前入力がここに表示されます" })); return; }
  if (data.loading) { panel.replaceChildren(el("p", { class: "none", text: "読み込み中…" })); return; }
  if (data.error) { panel.replaceChildren(el("p", { class: "error", text: data.error })); return; }
  if (!data.form) { panel.replaceChildren(el("p", { class: "none", text: "この手続きには事前入力がありません" })); return; }
  const values = data.values || {};
  const rows = [];
  for (const field of data.form.fields) {
    if (field.type === "list") {
      const items = values[field.id] || [];
      const group = el("fieldset", { class: "list", "data-field": field.id }, el("legend", { text: field.labels.ja }));
      items.forEach((item, i) => {
        group.append(el("div", { class: "item" }, el("span", { class: "item-no", text: `${i + 1}` }),
          field.fields.map((sub) => fieldInput(sub, item[sub.id], `${field.id}.${i}.${sub.id}`))));
      });
      if (!items.length) group.append(el("p", { class: "none", text: "なし" }));
      rows.push(group);
    } else rows.push(fieldInput(field, values[field.id], field.id));
  }
  const confirmed = data.confirmed_at;
  panel.replaceChildren(
    el("header", { class: "form-head" },
      el("h2", { text: data.form.titles.ja }),
      el("span", { id: "form-state", class: `form-state ${confirmed ? "confirmed" : data.values ? "filled" : "empty"}`,
        text: confirmed ? `確認済み（${data.confirmed_by}）` : data.values ? "事前入力あり（未確認）" : "事前入力なし" })),
    el("form", { id: "pre-entry", class: "pre-entry", onsubmit: (e) => { e.preventDefault(); confirmForm(); } },
      el("div", { class: "fields" }, rows),
      el("div", { class: "form-actions" },
        el("button", { type: "submit", id: "form-confirm", class: "primary", text: "内容を確認済みにする" }),
        el("a", { id: "form-pdf", class: `button ${confirmed ? "" : "disabled"}`, href: `/api/v1/tickets/${state.formFor}/form.pdf`, target: "_blank", rel: "noopener", "aria-disabled": confirmed ? null : "true", text: "PDF（署名用）" }),
        el("a", { id: "form-json", class: "button", href: `/api/v1/tickets/${state.formFor}/form.json`, download: "", text: "JSON出力" }))));
}

function collect() {
  const values = {};
  for (const field of state.form.form.fields) {
    if (field.type === "list") {
      const items = (state.form.values && state.form.values[field.id]) || [];
      values[field.id] = items.map((item, i) => Object.fromEntries(field.fields.map((sub) => [sub.id, document.querySelector(`[name="${field.id}.${i}.${sub.id}"]`).value])));
    } else values[field.id] = document.querySelector(`[name="${field.id}"]`).value;
  }
  return values;
}

async function confirmForm() {
  if (!state.form || !state.formFor) return;
  for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
  const answer = await api("POST", `/api/v1/tickets/${state.formFor}/form/confirm`, { values: collect() });
  if (answer.status === 422 && answer.data && answer.data.errors) {
    for (const error of answer.data.errors) {
      const box = document.querySelector(`[data-field="${error.field.replace(/\[(\d+)\]/g, ".$1")}"] .field-error`);
      if (box) box.textContent = error.message;
    }
    say(`入力に誤りがあります（${answer.data.errors.length}件）`, "error");
    return;
  }
  if (!answer.ok) { refused(answer, "確認"); return; }
  say("事前入力を確認済みにしました。PDFを印刷して署名をお願いしてください。");
  state.form = { ...state.form, ...answer.data };
  renderForm(state.form);
  $("form-pdf").focus();
}

// -- the pickup counter and the reception desk (counter_pickup.js, counter_reception.js) --------
const pickup = pickupCounter({ act, say, serviceName, minutesSince, flags, counter: () => state.counter,
  counterState: () => state.view && state.view.counter.state, mode: () => state.mode });
const reception = receptionDesk({ config, api, act, say, serviceName, flags });

// -- keyboard and wiring ------------------------------------------------------------------------
const KEYS = { r: "recall", s: "start", f: "finish", a: "no-show", b: "return", x: "cancel" };
document.addEventListener("keydown", (event) => {
  if (event.key === "F2") {
    event.preventDefault();
    if (state.mode === "reception") reception.issue();
    else if (state.mode !== "pickup" && !$("call-next").disabled) callNext();
    return;
  }
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
  if (typing || event.ctrlKey || event.altKey || event.metaKey || state.mode === "reception") return;
  const key = event.key.toLowerCase();
  if ((state.mode === "pickup" || state.mode === "both") && pickup.key(event, key)) return;
  if (state.mode === "pickup") return;
  if (key === "t") { event.preventDefault(); $("transfer-service").focus(); return; }
  const action = KEYS[key];
  if (action) {
    const button = document.querySelector(`[data-ticket-action="${action}"]`);
    if (button && !button.disabled) { event.preventDefault(); ticketAction(action); }
  }
});

$("call-next").addEventListener("click", callNext);
for (const button of document.querySelectorAll("[data-action]")) button.addEventListener("click", () => setCounter(button.dataset.action));
for (const button of document.querySelectorAll("[data-ticket-action]")) button.addEventListener("click", () => ticketAction(button.dataset.ticketAction));
$("transfer").addEventListener("submit", (event) => {
  event.preventDefault();
  const note = $("transfer-note").value.trim();
  ticketAction("transfer", note ? { service: $("transfer-service").value, note } : { service: $("transfer-service").value });
  $("transfer-note").value = "";
});
const counterLabel = (c) => [...c.services.map(serviceName), ...(c.pickup.length ? ["交付"] : [])].join("・") || "担当の手続きなし";
$("counter-select").replaceChildren(
  ...config.counters.map((c) => el("option", { value: c.id, text: `${c.id}番窓口（${counterLabel(c)}）` })),
  el("option", { value: RECEPTION, text: "受付・案内（発券）" }));
$("counter-select").addEventListener("change", (event) => choose(event.target.value));
// An installation of several offices: the offices this clerk works in, to switch between.
if (config.offices?.length > 1) {
  const office = el("select", { id: "office-switch", "aria-label": "庁舎" },
    ...config.offices.map((o) => el("option", { value: o.id, selected: o.id === config.office.id, text: o.names.ja || o.id })));
  office.addEventListener("change", () => { location.href = `/counter?office=${encodeURIComponent(office.value)}`; });
  $("counter-select").previousElementSibling.before(office);
}

function tick() {
  const now = new Date();
  $("clock").textContent = now.toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: config.office.timezone });
}
setInterval(() => {
  tick();
  if (state.view) { renderCurrent(state.view.current); pickup.render(state.view); }
  if (state.mode === "reception") reception.show(); // the lines' waits, the printers
}, 30000);
tick();
choose(config.counter || window.localStorage.getItem(COUNTER_KEY) || config.counters[0].id);
