// Tickets from home (受付票を取る on the public page) are confirmed on arrival. The kiosk's
// part: its start screen shows the day's four-digit arrival code, which the visitor types on
// the ticket page, and its scanner reads the ticket page's QR code (scanner.js), which
// confirms the ticket with the kiosk's device token. kiosk.js gives it its words, its DOM
// helper and the token.

const ENDED = new Set(["done", "cancelled", "absent"]);
// What the screen says for each outcome of a scan (arrive's `kind`).
const MESSAGES = {
  arrived: "arrival_done",
  not_needed: "arrival_not_needed",
  ended: "arrival_ended",
  not_found: "arrival_not_found",
  failed: "arrival_failed",
};
const confirmed = (kind) => kind === "arrived" || kind === "not_needed";

// The day's code: {code, expiresAt (on this browser's clock)}, or null when the kiosk has no
// token or the server does not give it (a stale day's code is never kept).
export async function fetchArrivalCode(office, token) {
  if (!token) return null;
  try {
    const answer = await fetch(`/api/v1/offices/${encodeURIComponent(office)}/arrival-code`, {
      headers: { Authorization: `Bearer ${token}` },
      cache: "no-store",
    });
    if (!answer.ok) return null;
    const { code, expires_in: expiresIn } = await answer.json();
    return { code, expiresAt: Date.now() + expiresIn * 1000 };
  } catch (e) {
    return null;
  }
}

export function arrivalCodePanel({ t, el, code }) {
  return el(
    "section",
    { class: "arrival-code", id: "arrival-code", "aria-labelledby": "arrival-for" },
    el("h2", { id: "arrival-for", text: t("arrival_for") }),
    el("p", { class: "code-line" }, el("span", { text: t("arrival_code") }), " ", el("strong", { id: "arrival-digits", text: code })),
    el("p", { class: "hint", text: t("arrival_hint") }),
  );
}

// A scanned ticket page: what to tell the visitor, {kind, ticket}. `kind`: arrived (now or
// before), not_needed (a kiosk's ticket, or one already at a counter), ended, not_found or
// failed (the kiosk's token refused, the server or the network down).
export async function arrive(ticketToken, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let answer;
  let body;
  try {
    answer = await fetch(`/api/v1/visitor/${encodeURIComponent(ticketToken)}/arrived`, { method: "POST", headers });
    body = await answer.json();
  } catch (e) {
    return { kind: "failed", ticket: null };
  }
  if (answer.ok) return { kind: body.remote ? "arrived" : "not_needed", ticket: body };
  if (answer.status === 404) return { kind: "not_found", ticket: null };
  if (answer.status === 409) return { kind: ENDED.has(body.status) ? "ended" : "not_needed", ticket: null };
  return { kind: "failed", ticket: null };
}

// The screen after a scan. With the ticket: its number, procedure and wait.
export function arrivalScreen({ t, el, named, waitLine, outcome, back }) {
  const { kind, ticket } = outcome;
  const ok = confirmed(kind);
  const parts = [el("h1", { class: "label", id: "arrival-message", text: t(MESSAGES[kind]) })];
  if (ticket) {
    const wait = waitLine(ticket);
    parts.push(
      el("div", { class: "number", id: "ticket-number", text: ticket.number }),
      el("div", { class: "service-name", text: named(ticket.service_names) }),
      wait ? el("div", { class: "wait", text: wait }) : null,
    );
  }
  if (ok) parts.push(el("div", { class: "instruction", text: t("wait_for_call") }));
  parts.push(
    el("button", { type: "button", class: "done", onclick: back, text: t("done") }),
    el("div", { class: "countdown", id: "countdown" }),
  );
  return el(
    "div",
    { class: ok ? "ticket arrival" : "ticket arrival refused", id: "arrival", "data-arrival": kind, role: ok ? null : "alert" },
    parts,
  );
}

// What the voice guide says for it.
export function arrivalSpeech({ t, outcome }) {
  const { kind, ticket } = outcome;
  const said = [t(MESSAGES[kind])];
  if (ticket) said.push(`${t("number_label")} ${ticket.number}`);
  if (confirmed(kind)) said.push(t("wait_for_call"));
  return said.join("。");
}
