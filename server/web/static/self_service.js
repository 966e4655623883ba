// The ticket page's self-service: "到着しました" for a ticket from home (from the hall's
// network, or with the kiosk's four-digit code), "少し遅れます" once, and "もう行けません"
// with a confirmation. The page changes when the server's view does (ticket.js renders).
import { $, config, t } from "./visitor_common.js";

const api = (action) => `/api/v1/visitor/${encodeURIComponent(config.token)}/${action}`;

async function post(action, body) {
  try {
    const answer = await fetch(api(action), {
      method: "POST",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: answer.status, json: await answer.json().catch(() => ({})) };
  } catch (e) {
    return { status: 0, json: {} };
  }
}

function say(id, text) {
  const node = $(id);
  node.textContent = text;
  node.hidden = !text;
}

// The public page's link to a ticket from home (remote.js) ends with the ticket.
const ENDED = new Set(["done", "cancelled", "absent"]);
function forget(ticket) {
  const key = `madoguchi.remote.${ticket.service}`;
  if (ENDED.has(ticket.status) && localStorage.getItem(key) === location.pathname) localStorage.removeItem(key);
}

// Called with each ticket view.
export function renderSelfService(ticket) {
  forget(ticket);
  const inLine = ticket.status === "waiting" || ticket.status === "called";
  $("arrival").hidden = !(ticket.remote && !ticket.arrived && inLine);
  $("kept-note").hidden = !ticket.kept;
  $("self-service").hidden = !inLine;
  $("delay").hidden = ticket.delayed || !inLine;
  $("delay-note").hidden = ticket.delayed || !inLine;
  if (ticket.delayed) say("self-state", t("delay_done", { n: config.delay_places }));
}

$("arrived").addEventListener("click", async () => {
  const row = $("arrival-code-row");
  const code = $("arrival-code").value.trim();
  const answer = await post("arrived", row.hidden || !code ? null : { code });
  if (answer.status === 200) {
    say("arrival-state", t("arrived_done"));
    return;
  }
  if (answer.status === 403) {
    row.hidden = false; // not on the hall's network: the kiosk's code
    say("arrival-state", t("arrival_code_hint"));
    $("arrival-code").focus();
    return;
  }
  say("arrival-state", answer.status === 422 ? t("arrival_wrong_code") : t("action_failed"));
});

$("delay").addEventListener("click", async () => {
  const answer = await post("delay");
  say("self-state", answer.status === 200 ? t("delay_done", { n: config.delay_places }) : t("action_failed"));
});

$("cancel").addEventListener("click", () => {
  $("cancel-confirm").hidden = false;
  $("cancel").hidden = true;
  $("cancel-no").focus();
});
$("cancel-no").addEventListener("click", () => {
  $("cancel-confirm").hidden = true;
  $("cancel").hidden = false;
  $("cancel").focus();
});
$("cancel-yes").addEventListener("click", async () => {
  const answer = await post("cancel");
  $("cancel-confirm").hidden = true;
  $("cancel").hidden = false;
  if (answer.status !== 200) say("self-state", t("action_failed"));
});
