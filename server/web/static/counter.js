// The counter app (窓口端末): one counter's live view (counter:{counter}) and its actions.
// Signed in with the session cookie; every state change sends the session's CSRF token.
// Usable with the keyboard alone: F2 calls the next number; R S F A B X T act on the
// current ticket when the focus is not in a text field.
// Every counter's own work: a counter with services calls and serves ("work"); a pickup
// counter (交付窓口) marks documents ready and hands them over, P H R ("pickup"); a counter
// that does both shows both ("both"). The reception desk (受付・案内) issues tickets for
// visitors who cannot use the kiosk, F2 ("reception").

import { el } from "./dom.js";

const config = JSON.parse(document.getElementById("counter-config").textContent);
const COUNTER_KEY = "madoguchi.counter";
const PRINT_KEY = "madoguchi.reception.kiosk";
const RECEPTION = "reception"; // the reception desk's place in the counter list (counter_app.py)
const ISSUED_SHOWN = 8;
const LANG_NAMES = config.languages; // code -> its name for staff (printer/languages.py)
const STATE_JA = { open: "開設中", paused: "休止中", closed: "閉鎖" };
const STATUS_JA = { called: "呼出中", serving: "対応中" };

const $ = (id) => document.getElementById(id);
const state = { counter: null, mode: "work", view: null, version: -1, ws: null, retry: 0, formFor: null, form: null, busy: false, issued: [] };

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
  const answer = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
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
  const since = state.version >= 0 ? `?since=${state.version}` : "";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/v1/counter:${state.counter}${since}`);
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
    showPrinters();
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
  renderPickup(view);
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

// -- the pickup counter (交付窓口) -----------------------------------------------------------------
const PICKUP_ACTIONS = {
  ready: { label: "交付準備完了", key: "P" },
  "hand-over": { label: "交付済", key: "H" },
  recall: { label: "再呼出", key: "R" },
};

function pickupRow(t, actions) {
  return el("li", { class: "pickup-row", "data-number": t.number, "data-ticket": t.id },
    el("span", { class: "number", text: t.number }),
    el("span", { class: "service", text: serviceName(t.service) }),
    el("span", { class: "waited", text: `${minutesSince(t.called_at || t.issued_at)}分` }),
    el("span", { class: "flags" }, flags(t)),
    el("span", { class: "buttons" }, actions.map((action) => {
      const { label, key } = PICKUP_ACTIONS[action];
      return el("button", { type: "button", class: action === "recall" ? "minor" : "", "data-pickup-action": action, "data-ticket": t.id,
        "aria-label": `${label} ${key}（${t.number}）`, "aria-keyshortcuts": key, onclick: () => pickupAction(t, action) }, `${label} `, el("kbd", { text: key }));
    })));
}

function renderPickup(view) {
  if (state.mode !== "pickup" && state.mode !== "both") return;
  // Keep the keyboard's place: the same button of the same ticket, else of the row that
  // took its place in the list (the ticket just acted on has moved on).
  const active = document.activeElement && document.activeElement.closest("[data-pickup-action]");
  const kept = active && { ticket: active.dataset.ticket, action: active.dataset.pickupAction, list: active.closest("ol").id,
    index: [...active.closest("ol").querySelectorAll(`[data-pickup-action="${active.dataset.pickupAction}"]`)].indexOf(active) };
  const byTime = (key) => (a, b) => Date.parse(a[key] || a.issued_at) - Date.parse(b[key] || b.issued_at);
  const preparing = [...(view.preparing || [])].sort(byTime("issued_at"));
  const ready = [...(view.ready || [])].sort(byTime("called_at"));
  $("preparing-count").textContent = `${preparing.length}件`;
  $("ready-count").textContent = `${ready.length}件`;
  $("preparing").replaceChildren(...(preparing.length ? preparing.map((t) => pickupRow(t, ["ready"])) : [el("li", { class: "none", text: "作成中の書類はありません" })]));
  $("ready").replaceChildren(...(ready.length ? ready.map((t) => pickupRow(t, ["hand-over", "recall"])) : [el("li", { class: "none", text: "交付呼出し中の番号はありません" })]));
  if (!kept) return;
  const same = document.querySelector(`[data-ticket="${kept.ticket}"][data-pickup-action="${kept.action}"]`);
  const others = [...$(kept.list).querySelectorAll(`[data-pickup-action="${kept.action}"]`)];
  const next = same || others[Math.min(kept.index, others.length - 1)] || document.querySelector("[data-pickup-action]");
  if (next) next.focus();
}

async function pickupAction(t, action) {
  const { label } = PICKUP_ACTIONS[action];
  const body = action === "ready" ? { counter: state.counter } : undefined;
  const answer = await act(label, "POST", `/api/v1/tickets/${t.id}/${action}`, body);
  if (!answer) return;
  if (action === "ready") say(`${t.number}: 交付準備完了 — ${state.counter}番窓口へ呼び出しました`);
  else say(`${t.number}: ${label}`);
}

// P H R act on the row holding the focus, else on the first row of their list (the oldest);
// ↑ ↓ move between the rows' buttons of one kind. R is the current ticket's recall at a
// counter that also calls, unless the focus is in a ticket ready for pickup.
function pickupKey(event, key) {
  const active = document.activeElement && document.activeElement.closest("[data-pickup-action]");
  if ((key === "arrowdown" || key === "arrowup") && active) {
    const buttons = [...active.closest("ol").querySelectorAll(`[data-pickup-action="${active.dataset.pickupAction}"]`)];
    const next = buttons[buttons.indexOf(active) + (key === "arrowdown" ? 1 : -1)];
    if (next) next.focus();
    event.preventDefault();
    return true;
  }
  const action = { p: "ready", h: "hand-over", r: "recall" }[key];
  if (!action) return false;
  const row = document.activeElement && document.activeElement.closest(".pickup-row");
  if (action === "recall" && state.mode === "both" && !(row && row.closest("#ready"))) return false;
  const list = action === "ready" ? "preparing" : "ready";
  const button = (row && row.closest(`#${list}`) && row.querySelector(`[data-pickup-action="${action}"]`))
    || $(list).querySelector(`[data-pickup-action="${action}"]`);
  event.preventDefault();
  if (button) button.click();
  else say(action === "ready" ? "作成中の書類はありません" : "交付呼出し中の番号はありません", "error");
  return true;
}

// -- the reception desk (受付・案内) ------------------------------------------------------------
function buildReception() {
  const byArea = Object.keys(config.areas).map((area) => [area, Object.keys(config.services).filter((s) => config.services[s].area === area)]);
  $("reception-services").append(...byArea.filter(([, services]) => services.length).map(([area, services]) =>
    el("div", { class: "area", role: "group", "aria-label": config.areas[area].names.ja },
      el("span", { class: "area-name", "aria-hidden": "true", text: `${config.areas[area].names.ja}（${config.areas[area].floor}）` }),
      services.map((s) => el("label", { class: "choice" },
        el("input", { type: "radio", name: "reception-service", value: s, required: true }),
        el("span", { class: "prefix", text: config.services[s].prefix }), ` ${serviceName(s)}`)))));
  $("reception-lang").replaceChildren(...Object.entries(LANG_NAMES).map(([code, name]) => el("option", { value: code, text: `${name}（${code}）` })));
  const stored = window.localStorage.getItem(PRINT_KEY);
  const kiosks = config.kiosks.map((k) => k.id);
  const chosen = stored === "none" || kiosks.includes(stored) ? stored : (kiosks[0] || "none");
  $("reception-print").append(
    ...config.kiosks.map((k) => el("label", { class: "choice" },
      el("input", { type: "radio", name: "reception-kiosk", value: k.id, checked: chosen === k.id }), ` ${k.id}（${k.floors.join("・")}）の発券機で印刷`,
      el("span", { class: "printer-state", "data-kiosk": k.id }))),
    el("label", { class: "choice" }, el("input", { type: "radio", name: "reception-kiosk", value: "none", checked: chosen === "none" }), " 印刷しない（画面のQRコードを見せる）"));
}

async function issueAtReception() {
  const form = $("reception-form");
  if (!form.reportValidity()) return;
  const service = form.querySelector('input[name="reception-service"]:checked').value;
  const kiosk = form.querySelector('input[name="reception-kiosk"]:checked').value;
  window.localStorage.setItem(PRINT_KEY, kiosk);
  const body = { service, lang: $("reception-lang").value, priority: $("reception-priority").checked, channel: "reception" };
  if (kiosk !== "none") body.kiosk = kiosk;
  const answer = await act("発券", "POST", `/api/v1/offices/${config.office.id}/tickets`, body);
  if (!answer) return;
  showIssued(answer.data);
  showPrinters();
  say(`${answer.data.number} を発券しました（${serviceName(service)}）`);
  // Ready for the next visitor: what was theirs is cleared, the printer stays chosen.
  for (const radio of form.querySelectorAll('input[name="reception-service"]')) radio.checked = false;
  $("reception-lang").value = "ja";
  $("reception-priority").checked = false;
}

// Each kiosk's printer as the print service last saw it (GET …/devices), beside its choice.
const PRINTER_JA = { paper_out: "用紙切れ", cover_open: "カバーが開いています", offline: "接続できません" };
async function showPrinters() {
  let answer;
  try { answer = await api("GET", `/api/v1/offices/${config.office.id}/devices`); } catch { return; }
  if (!answer.ok) return;
  for (const kiosk of answer.data.kiosks) {
    const box = document.querySelector(`.printer-state[data-kiosk="${kiosk.kiosk}"]`);
    if (!box) continue;
    const fault = PRINTER_JA[kiosk.state] || (kiosk.paper_near_end ? "用紙残りわずか" : "");
    box.textContent = fault ? `（${fault}）` : "";
    box.classList.toggle("error", Boolean(PRINTER_JA[kiosk.state]));
  }
}

function printText(t) {
  const status = t.print.status;
  if (!t.kiosk) return "印刷なし — QRコードを読み取っていただくか、番号をお伝えください";
  if (status === "printed") return `${t.kiosk} の発券機で印刷しました`;
  if (status === "queued") return `${t.kiosk} の発券機へ印刷を送りました`;
  const why = t.print.error && (PRINTER_JA[t.print.error] || t.print.error);
  return `${t.kiosk} で印刷できませんでした${why ? `（${why}）` : ""}。QRコードを見せてください`;
}

function showIssued(t) {
  const failed = t.kiosk && t.print.status === "failed";
  $("issued").replaceChildren(
    el("div", { class: "head" },
      el("div", { class: "number", id: "issued-number", "data-ticket": t.id, text: t.number }),
      el("div", { class: `print-outcome ${failed ? "error" : t.kiosk ? "ok" : ""}`, id: "issued-print", text: printText(t) })),
    el("dl", {},
      el("dt", { text: "手続き" }), el("dd", { text: serviceName(t.service) }),
      el("dt", { text: "言語" }), el("dd", { text: LANG_NAMES[t.lang] || t.lang }),
      el("dt", { text: "配慮" }), el("dd", { text: t.priority ? "配慮が必要な方" : "—" }),
      el("dt", { text: "順番" }), el("dd", { text: t.position === null ? "—" : t.position === 0 ? "次の番" : `前に${t.position}人` })),
    el("figure", { class: "qr" },
      el("img", { id: "issued-qr", src: `/api/v1/visitor/${encodeURIComponent(t.token)}/qr.svg`, alt: `${t.number} の受付票ページのQRコード`, width: 168, height: 168 }),
      el("figcaption", {}, "スマートフォンで読み取ると呼出の状況が見られます。",
        el("a", { href: t.url, target: "_blank", rel: "noopener", text: "受付票のページを開く" }))));
  state.issued = [t, ...state.issued].slice(0, ISSUED_SHOWN);
  $("issued-list").replaceChildren(...state.issued.map((x) => el("li", { "data-number": x.number },
    el("span", { class: "number", text: x.number }),
    el("span", { class: "service", text: serviceName(x.service) }),
    el("span", { class: "waited", text: new Date(x.issued_at).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: config.office.timezone }) }),
    el("span", { class: "flags" }, flags(x), x.kiosk ? el("span", { class: "flag", text: x.kiosk }) : el("span", { class: "flag", text: "QR" })))));
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

// -- keyboard and wiring ------------------------------------------------------------------------
const KEYS = { r: "recall", s: "start", f: "finish", a: "no-show", b: "return", x: "cancel" };
document.addEventListener("keydown", (event) => {
  if (event.key === "F2") {
    event.preventDefault();
    if (state.mode === "reception") issueAtReception();
    else if (state.mode !== "pickup" && !$("call-next").disabled) callNext();
    return;
  }
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
  if (typing || event.ctrlKey || event.altKey || event.metaKey || state.mode === "reception") return;
  const key = event.key.toLowerCase();
  if ((state.mode === "pickup" || state.mode === "both") && pickupKey(event, key)) return;
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
$("reception-form").addEventListener("submit", (event) => { event.preventDefault(); issueAtReception(); });
buildReception();
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

function tick() {
  const now = new Date();
  $("clock").textContent = now.toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: config.office.timezone });
}
setInterval(() => { tick(); if (state.view) { renderCurrent(state.view.current); renderPickup(state.view); } }, 30000);
tick();
choose(config.counter || window.localStorage.getItem(COUNTER_KEY) || config.counters[0].id);
