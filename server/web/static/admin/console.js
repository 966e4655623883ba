// What every section of the admin console shares: its config, the API with the session's
// CSRF token, messages, the clock, and the live view of admin:{office} over the websocket.
import { el } from "../dom.js";

export const config = JSON.parse(document.getElementById("admin-config").textContent);
export const $ = (id) => document.getElementById(id);
export { el };
export const may = (action) => config.may.includes(action);

let messageTimer = null;
export function say(text, kind = "info") {
  const box = $("message");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 12000 : 5000);
}

// { status, ok, data, headers }; a 401 (signed out, disabled, session ended) goes to sign-in.
export async function api(method, path, body, extraHeaders = {}) {
  const headers = { "X-CSRF-Token": config.session.csrf, ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // Never the browser's copy: some answers are public and cacheable for 2 s (…/status).
  const answer = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-cache" });
  if (answer.status === 401) { toSignIn(); throw new Error("signed out"); }
  let data = null;
  if (answer.status !== 204) { try { data = await answer.json(); } catch { data = null; } }
  return { status: answer.status, ok: answer.ok, data, headers: answer.headers };
}

// The server's refusal as it says it, with the field it names.
export function refusal(answer, what) {
  const d = answer.data || {};
  const field = d.field ? `（${d.field}）` : "";
  return `${what}できませんでした${field}: ${d.message || answer.status}`;
}

export function toSignIn() {
  window.location.href = `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export const officePath = `/api/v1/offices/${config.office.id}`;
export const tz = config.office.timezone;
export function localTime(iso, opts = { hour: "2-digit", minute: "2-digit" }) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("ja-JP", { timeZone: tz, ...opts });
}

function tick() {
  const now = new Date();
  $("clock").textContent = now.toLocaleString("ja-JP", { timeZone: tz, month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit" });
}
$("office-name").textContent = config.office.names.ja || config.office.id;
officeSwitch($("office-name"), config);

// An installation of several offices: a switch to the others this member works in (the
// same screen, the other office). Nothing for one office.
export function officeSwitch(after, { office, offices }) {
  if (!offices || offices.length < 2) return;
  const select = el("select", { id: "office-switch", "aria-label": "庁舎を切り替える" },
    ...offices.map((o) => el("option", { value: o.id, selected: o.id === office.id }, o.names.ja || o.id)));
  select.addEventListener("change", () => { location.href = `${location.pathname}?office=${encodeURIComponent(select.value)}`; });
  after.after(select);
  after.hidden = true;  // the switch names the office
}
tick();
setInterval(tick, 10000);

// The live view of admin:{office}: onView(view, version) on each new version, onNote(frame)
// for the frames between versions (`devices`: a screen came or went, a printer changed);
// reconnects with `since` and backoff; a session that ended (4401 / 1008) goes to sign-in;
// a role that may not watch the floor (4403) is told so and not retried.
export function live(onView, onNote = () => {}) {
  const channel = `admin:${config.office.id}`;
  let version = -1, retry = 0, ws = null;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = version >= 0 ? `?since=${version}` : "";
    ws = new WebSocket(`${scheme}://${location.host}/ws/v1/${channel}${since}`);
    ws.onopen = () => { retry = 0; $("offline").hidden = true; };
    ws.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.channel !== channel) return;
      if (data.type !== "view") { onNote(data); return; }
      if (data.version <= version && !data.resync) return;
      version = data.version;
      onView(data.view, version);
    };
    ws.onclose = (event) => {
      $("offline").hidden = false;
      if (event.code === 4401 || event.code === 1008) { toSignIn(); return; }
      if (event.code === 4403) { say("この画面を見る権限がありません。", "error"); return; }
      const delay = Math.min(15000, 500 * 2 ** retry) * (0.5 + Math.random());
      retry += 1;
      setTimeout(connect, delay);
    };
  }
  connect();
}
