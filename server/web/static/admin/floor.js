// フロア: the supervisor's live floor over admin:{office}. Every counter with its clerk and
// ticket, every line, the pickup list, the devices, alerts (printer faults, displays gone)
// and the staffing hint; the supervisor's buttons on each.
import { $, api, el, live, officePath, refusal, say, tz } from "./console.js";

const ACK_KEY = `madoguchi.floor.acked.${officePath}`;
const GONE_MS = 60_000; // a display gone for longer than this raises an alert
const STATE = { open: "開設中", paused: "休止中", closed: "閉鎖" };
const TICKET = { called: "呼出中", serving: "対応中", preparing: "作成中", ready: "交付呼出中" };
const PRINTER = { online: "正常", paper_out: "用紙切れ", cover_open: "カバーが開いています", offline: "応答なし", unknown: "未確認" };
const FAULTS = new Set(["paper_out", "cover_open", "offline"]);
const SCREEN = { online: "接続中", offline: "切断", never_seen: "未接続" };
const CLOSED = { closed_day: "閉庁日", not_yet_open: "受付開始前", after_cutoff: "受付終了", daily_cap_reached: "上限に達しました", stopped: "停止中" };

let view = null;
let devices = null;
let skew = 0; // the browser's clock minus the server's, from the newest frame's `now`
let sounded = new Set(); // alerts already sounded on this page
let acked = new Set(JSON.parse(localStorage.getItem(ACK_KEY) || "[]"));
let dialogService = null;

const serverNow = () => Date.now() - skew;
const name = (names) => (names && (names.ja || Object.values(names)[0])) || "";
const serviceName = (id) => name(view?.services.find((s) => s.id === id)?.names) || id;

// m:ss under an hour (a visit at a counter), or minutes (a wait in line: `coarse`).
function elapsed(iso, coarse = false) {
  if (!iso) return "";
  const s = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 1000));
  const m = Math.floor(s / 60);
  if (m >= 60) return `${Math.floor(m / 60)}時間${m % 60}分`;
  return coarse ? `${m}分` : `${m}:${String(s % 60).padStart(2, "0")}`;
}
const since = (iso, coarse = false) => el("span", { class: "elapsed", "data-since": iso, "data-coarse": coarse || null, text: elapsed(iso, coarse) });

// Re-rendering replaces the buttons under the keyboard's focus: give it back by key.
function keepingFocus(render) {
  const key = document.activeElement?.dataset?.key;
  render();
  if (key) document.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function button(text, key, onclick, attrs = {}) {
  return el("button", { type: "button", class: "btn", "data-key": key, onclick, text, ...attrs });
}

// -- counters ---------------------------------------------------------------------------

async function setCounter(id, action, label) {
  const answer = await api("POST", `${officePath}/counters/${encodeURIComponent(id)}/${action}`);
  say(answer.ok ? `${id}番窓口を${label}しました` : refusal(answer, `${id}番窓口を${label}`), answer.ok ? "info" : "error");
}

function counterCard(c) {
  const t = c.ticket;
  const what = c.services.length ? c.services.map(serviceName).join("・") : c.pickup_for.length ? "交付窓口" : "";
  const actions = [["open", "開設"], ["pause", "休止"], ["close", "閉鎖"]].map(([action, label]) =>
    button(label, `counter-${c.id}-${action}`, () => setCounter(c.id, action, label), {
      "aria-label": `${c.id}番窓口を${label}`,
      disabled: c.state === { open: "open", pause: "paused", close: "closed" }[action],
    }));
  return el("li", { class: `counter-card ${c.state}`, "data-counter": c.id, title: `${c.floor} ${what}` },
    el("div", { class: "counter-head" },
      el("strong", { class: "counter-no", text: `${c.id}番` }),
      el("span", { class: `badge state-${c.state}`, text: STATE[c.state] || c.state }),
      el("span", { class: "clerk small", text: c.clerk || "", title: c.clerk || null })),
    el("p", { class: "held" }, t
      ? [el("strong", { class: "number", text: t.number }), el("span", { class: "small", text: ` ${TICKET[t.status] || t.status} ` }), since(t.since)]
      : el("span", { class: "muted small", text: what })),
    el("div", { class: "counter-actions", role: "group", "aria-label": `${c.id}番窓口の操作` }, actions));
}

function renderCounters() {
  const open = view.counters.filter((c) => c.state === "open").length;
  const paused = view.counters.filter((c) => c.state === "paused").length;
  $("counters-summary").textContent = `開設 ${open}・休止 ${paused}・全 ${view.counters.length}`;
  $("counters").replaceChildren(...view.counters.map(counterCard));
}

// -- lines and the staffing hint ----------------------------------------------------------

const estimate = (e) => (e ? `約${e.low_min}〜${e.high_min}分` : "—");

function lineRow(s) {
  const cap = s.daily_cap === null || s.daily_cap === undefined ? "—" : s.daily_cap;
  const stopped = s.closed_reason === "stopped";
  const issuing = s.issuing
    ? el("span", { class: "badge ok", text: "発券中" })
    : el("span", { class: "badge bad", text: CLOSED[s.closed_reason] || "発券停止" });
  return el("tr", { "data-service": s.id },
    el("th", { scope: "row" }, el("span", { class: "prefix", text: s.prefix }), ` ${name(s.names)}`),
    el("td", { class: "num big", text: `${s.waiting}人` }),
    el("td", { class: "num" }, s.waiting ? since(s.oldest_queued_at, true) : "—"),
    el("td", { text: s.waiting ? estimate(s.estimate) : "—" }),
    el("td", { class: "num", text: `${s.issued_today}／${cap}` }),
    el("td", {}, issuing),
    el("td", { class: "line-actions" },
      button(stopped ? "再開" : "停止", `line-${s.id}-toggle`,
        () => setIssuing(s, stopped ? "open" : "stopped"), { "aria-label": `${name(s.names)}の発券を${stopped ? "再開" : "停止"}` }),
      button("詳細…", `line-${s.id}-more`, () => openLine(s.id), { "aria-label": `${name(s.names)}の詳細…（上限・受付終了・番号の呼出）` })));
}

function renderLines() {
  $("lines-summary").textContent = `待ち ${view.waiting_total}人・本日完了 ${view.done_today}`;
  $("lines").replaceChildren(...view.services.map(lineRow));
  const hint = view.staffing;
  $("staffing-target").textContent = `（目標 ${hint.target_min}分以内）`;
  const rows = hint.lines.map((n) => el("tr", {},
    el("th", { scope: "row", text: serviceName(n.service) }),
    el("td", { class: "num", text: `${n.waiting}人` }),
    el("td", { class: "num", text: `${n.open}` }),
    el("td", { class: "num", text: n.wait_min === null ? "呼び出す窓口なし" : `約${n.wait_min}分` }),
    el("td", {}, el("strong", { text: n.more === null ? "増やしても届きません" : `あと${n.more}窓口（約${n.wait_after_min}分）` }))));
  $("staffing").classList.toggle("warn", rows.length > 0);
  $("staffing-table").hidden = rows.length === 0;
  $("staffing-ok").hidden = rows.length > 0;
  $("staffing-lines").replaceChildren(...rows);
}

// Settings changes carry the revision this floor shows (If-Match): a 409 edit_conflict says
// someone changed the settings first, with the current value; the floor shows it as it is.
const revisionHeaders = () => {
  const revision = view?.office?.settings_revision;
  return revision === undefined || revision === null ? {} : { "If-Match": `"${revision}"` };
};

function conflict(answer, what) {
  const current = answer.data?.current;
  const shown = current && typeof current === "object" ? ` 現在: ${JSON.stringify(current)}` : "";
  return `${refusal(answer, what)}${shown}`;
}

async function patchService(s, body, what) {
  const answer = await api("PATCH", `${officePath}/services/${encodeURIComponent(s.id)}`, body, revisionHeaders());
  if (answer.ok) { say(`${name(s.names)}: ${what}しました`); return true; }
  say(answer.status === 409 ? conflict(answer, `${name(s.names)}: ${what}`) : refusal(answer, `${name(s.names)}: ${what}`), "error");
  return false;
}

const setIssuing = (s, issuing) => patchService(s, { issuing }, issuing === "open" ? "発券を再開" : "発券を停止");

// -- the line dialog: cap, cut-off, call a given ticket, reprint ----------------------------

function openLine(id) {
  const s = view.services.find((x) => x.id === id);
  if (!s) return;
  dialogService = id;
  $("line-dialog-title").textContent = `${s.prefix} ${name(s.names)}`;
  $("line-issuing").textContent = `${s.issuing ? "発券中" : CLOSED[s.closed_reason] || "発券停止"}・本日 ${s.issued_today}枚・受付終了 ${s.cutoff}`;
  $("line-toggle").textContent = s.closed_reason === "stopped" ? "発券を再開" : "発券を停止";
  $("line-cap").value = s.daily_cap ?? "";
  $("line-cutoff").value = s.cutoff;
  const queue = s.queue.map((t) => el("option", { value: t.id, text: `${t.number}${t.priority ? "（配慮）" : ""} ${new Date(t.issued_at).toLocaleTimeString("ja-JP", { timeZone: tz, hour: "2-digit", minute: "2-digit" })}発券` }));
  $("call-ticket").replaceChildren(...(queue.length ? queue : [el("option", { value: "", text: "待っている方はいません" })]));
  const mine = new Set(s.counters);
  const counters = [...view.counters].sort((a, b) => mine.has(b.id) - mine.has(a.id));
  $("call-counter").replaceChildren(...counters.map((c) => el("option", { value: c.id, text: `${c.id}番窓口（${STATE[c.state]}${mine.has(c.id) ? "" : "・他の手続き"}）` })));
  $("line-dialog").showModal();
}

$("line-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const s = view.services.find((x) => x.id === dialogService);
  const body = { cutoff: $("line-cutoff").value };
  const cap = $("line-cap").value.trim();
  if (cap !== "") body.daily_cap = Number(cap);
  if (await patchService(s, body, "上限・受付終了を変更")) $("line-dialog").close();
});
$("line-toggle").addEventListener("click", async () => {
  const s = view.services.find((x) => x.id === dialogService);
  if (await setIssuing(s, s.closed_reason === "stopped" ? "open" : "stopped")) $("line-dialog").close();
});
$("call-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const ticket = $("call-ticket").value, counter = $("call-counter").value;
  if (!ticket) { say("呼び出す番号を選んでください", "error"); return; }
  const number = $("call-ticket").selectedOptions[0].text.split(/[（ ]/)[0];
  const answer = await api("POST", `/api/v1/tickets/${encodeURIComponent(ticket)}/call`, { counter });
  if (answer.ok) { say(`${number} を ${counter}番窓口へ呼び出しました`); $("line-dialog").close(); }
  else say(refusal(answer, `${number} の呼出`), "error");
});
$("reprint").addEventListener("click", async () => {
  const ticket = $("call-ticket").value;
  if (!ticket) { say("再印刷する番号を選んでください", "error"); return; }
  const number = $("call-ticket").selectedOptions[0].text.split(/[（ ]/)[0];
  const answer = await api("POST", `/api/v1/tickets/${encodeURIComponent(ticket)}/reprint`);
  const printed = answer.data?.print?.status;
  if (answer.ok) say(`${number} の受付票を再印刷しました${printed ? `（${printed}）` : ""}`);
  else say(refusal(answer, `${number} の再印刷`), "error");
});

// -- pickup -------------------------------------------------------------------------------

function renderPickup() {
  const rows = view.pickup.map((p) => el("li", { class: `pickup ${p.status}` },
    el("strong", { class: "number", text: p.number }),
    el("span", { class: `badge ${p.status === "ready" ? "warn" : "off"}`, text: TICKET[p.status] }),
    p.counter ? el("span", { class: "small", text: `${p.counter}番` }) : null,
    since(p.since, true)));
  $("pickup-summary").textContent = `作成中 ${view.pickup.filter((p) => p.status === "preparing").length}・呼出中 ${view.pickup.filter((p) => p.status === "ready").length}`;
  $("pickup").replaceChildren(...(rows.length ? rows : [el("li", { class: "muted", text: "ありません" })]));
}

// -- devices and alerts ---------------------------------------------------------------------

function screenCell(screen) {
  if (!screen) return el("td", { class: "muted", text: "不明" });
  const kind = screen.state === "online" ? "ok" : screen.state === "offline" ? "bad" : "off";
  const gone = screen.state === "offline" && screen.last_seen;
  return el("td", {}, el("span", { class: `badge ${kind}`, text: SCREEN[screen.state] || screen.state }),
    gone ? el("span", { class: "small" }, " ", since(screen.last_seen), "前") : null);
}

function printerCell(p) {
  if (!p) return el("td", { class: "muted", text: "不明" });
  const kind = FAULTS.has(p.state) ? "bad" : p.state === "online" ? "ok" : "off";
  return el("td", {},
    el("span", { class: `badge ${kind}`, text: PRINTER[p.state] || p.state }),
    p.paper_near_end ? el("span", { class: "badge warn", text: "用紙残りわずか" }) : null);
}

function renderDevices() {
  const rows = [
    ...devices.kiosks.map((k) => el("tr", {}, el("th", { scope: "row", text: `発券機 ${k.id}` }), screenCell(k.screen), printerCell(k.printer))),
    ...devices.displays.map((d) => el("tr", {}, el("th", { scope: "row", text: `表示盤 ${d.id}` }), screenCell(d.screen), el("td", { class: "muted", text: "—" }))),
  ];
  $("devices").replaceChildren(...rows);
}

// Alerts, each with a key that changes when the fault is a new one (the printer's revision,
// the display's last_seen): raised and sounded once, shown until acknowledged. A display's
// absence grows with time while nothing changes on the server, so the browser tells it from
// `last_seen` and its own clock (corrected by the server's `now`), every few seconds.
function currentAlerts() {
  if (!devices) return [];
  const out = [];
  for (const k of devices.kiosks) {
    const p = k.printer;
    if (p && FAULTS.has(p.state)) {
      out.push({ key: `printer:${k.id}:${p.state}:${p.revision}`, kind: "printer", text: `発券機 ${k.id} のプリンター: ${PRINTER[p.state]}` });
    }
  }
  for (const d of devices.displays) {
    const s = d.screen;
    if (s && s.state === "offline" && s.last_seen && serverNow() - Date.parse(s.last_seen) > GONE_MS) {
      out.push({ key: `display:${d.id}:${s.last_seen}`, kind: "display", text: `表示盤 ${d.id} の接続が切れています（最後の接続 ${new Date(s.last_seen).toLocaleTimeString("ja-JP", { timeZone: tz })}）` });
    }
  }
  const everyones = devices.acked || {}; // acknowledged on any console (the server's)
  return out.filter((a) => !acked.has(a.key) && !(a.key in everyones));
}

// Kept in this browser at once, and told to the server so that every console drops it;
// a server that does not hear it (restarting) still leaves it acknowledged here.
async function acknowledge(key) {
  acked.add(key);
  localStorage.setItem(ACK_KEY, JSON.stringify([...acked].slice(-200)));
  renderAlerts();
  $("main").focus();
  try {
    const answer = await api("POST", `${officePath}/alerts/ack`, { alert: key });
    if (!answer.ok) say(refusal(answer, "確認をほかの画面に伝えることが"), "error");
  } catch {
    // offline: this browser remembers it
  }
}

function sound() {
  const list = $("alerts");
  list.dataset.sounded = String(Number(list.dataset.sounded) + 1);
  const audio = $("alert-sound");
  audio.currentTime = 0;
  audio.play().catch(() => tone()); // a browser that blocks the file may still let a tone through
}

function tone() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  const ctx = new Ctx();
  const osc = ctx.createOscillator(), gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.value = 0.2;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.4);
}

function renderAlerts() {
  const alerts = currentAlerts();
  const fresh = alerts.filter((a) => !sounded.has(a.key));
  fresh.forEach((a) => sounded.add(a.key));
  if (fresh.length) sound();
  const shown = [...$("alerts").querySelectorAll("[data-alert]")].map((li) => li.dataset.alert).join("|");
  if (shown === alerts.map((a) => a.key).join("|")) return; // unchanged: keep the focus where it is
  keepingFocus(() => $("alerts").replaceChildren(...alerts.map((a) => el("li", { class: `alert ${a.kind}`, "data-alert": a.key },
    el("span", { class: "alert-icon", "aria-hidden": "true", text: "⚠" }),
    el("span", { class: "alert-text", text: a.text }),
    button("確認しました", `ack-${a.key}`, () => acknowledge(a.key), { "aria-label": `確認しました: ${a.text}` })))));
}

// -- the notice -----------------------------------------------------------------------------

function renderNotice() {
  const notice = view.notice || {};
  const text = notice.text || notice; // the view's notice: {ja, en, …} (the route's answer: {text, until})
  const shown = [text.ja, text.en].filter(Boolean).join(" / ");
  $("notice-current").textContent = shown ? `${shown}${notice.until ? `（${new Date(notice.until).toLocaleString("ja-JP", { timeZone: tz })}まで）` : ""}` : "なし";
}

async function putNotice(body, what) {
  const answer = await api("PUT", `${officePath}/notice`, body, revisionHeaders());
  if (answer.ok) say(`お知らせを${what}しました`);
  else say(answer.status === 409 ? conflict(answer, `お知らせを${what}`) : refusal(answer, `お知らせを${what}`), "error");
}

$("notice-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = {};
  for (const lang of ["ja", "en"]) { const v = $(`notice-${lang}`).value.trim(); if (v) text[lang] = v; }
  if (!text.ja) { say("日本語のお知らせを入力してください", "error"); $("notice-ja").focus(); return; }
  const until = $("notice-until").value;
  putNotice({ text, until: until ? new Date(until).toISOString() : null }, "掲示");
});
$("notice-clear").addEventListener("click", () => putNotice({ text: {} }, "消去"));

// -- live -----------------------------------------------------------------------------------

function render() {
  keepingFocus(() => { renderCounters(); renderLines(); renderPickup(); renderDevices(); renderNotice(); });
  renderAlerts();
}

live((next) => {
  view = next;
  devices = next.devices;
  skew = Date.now() - Date.parse(next.now);
  render();
}, (note) => {
  if (note.type !== "devices" || !view) return;
  devices = note.devices;
  skew = Date.now() - Date.parse(note.now);
  keepingFocus(renderDevices);
  renderAlerts();
});

setInterval(() => {
  for (const node of document.querySelectorAll("[data-since]")) node.textContent = elapsed(node.dataset.since, "coarse" in node.dataset);
  if (devices) renderAlerts();
}, 1000);
