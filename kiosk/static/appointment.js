// The kiosk's check-in for appointments (予約の方): a keypad for the booking code (a scanner
// that reads its QR code works on any screen: scanner.js). kiosk.js gives it its words, its
// DOM helper and what a check-in does.

const CODE_DIGITS = 6; // server/api/appointment_routes.py CODE_DIGITS

export function appointmentButton({ t, el, open }) {
  return el(
    "button",
    { type: "button", class: "appointment", id: "appointment", onclick: open },
    el("strong", { text: t("appointment") }),
    el("span", { text: t("appointment_hint") }),
  );
}

export function appointmentScreen({ t, el, code, message, type, submit, back }) {
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"];
  const key = (k) => {
    if (k === "clear") return el("button", { type: "button", class: "key", onclick: () => type(null), text: t("appointment_clear") });
    if (k === "ok") {
      return el("button", { type: "button", class: "key ok", disabled: code.length !== CODE_DIGITS, onclick: submit, text: t("appointment_check_in") });
    }
    return el("button", { type: "button", class: "key", onclick: () => type(k), text: k });
  };
  return el(
    "div",
    { class: "check-in" },
    el("h1", { class: "heading", text: t("appointment") }),
    el("p", { class: "hint", text: t("appointment_hint") }),
    el("div", { class: "code", id: "appointment-code", "aria-label": t("appointment_code"), text: code.padEnd(CODE_DIGITS, "・") }),
    message ? el("p", { class: "check-in-error", role: "alert", text: message }) : null,
    el("div", { class: "keypad" }, keys.map(key)),
    el("button", { type: "button", class: "done", onclick: back, text: t("appointment_back") }),
  );
}

export function checkInPost(office, code, token) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`/api/v1/offices/${encodeURIComponent(office)}/appointments/${encodeURIComponent(code)}/check-in`, {
    method: "POST",
    headers,
  });
}

// The words for a refused check-in (its HTTP status and the answer's reason).
export function refusalKey(status, reason) {
  if (status === 404) return "appointment_not_found";
  if (reason === "cancelled" || reason === "another_day") return `appointment_${reason}`;
  return "issue_failed";
}
