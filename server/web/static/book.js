// The booking page (/book): choose a service, a day and a slot, then book (or move a
// booking: ?move=TOKEN). A double tap books once: one Idempotency-Key per chosen slot,
// sent again with every tap of the same choice (server/api/appointment_routes.py).
import { $, config, t } from "./visitor_common.js";
import { el } from "./dom.js";

const chosen = { service: config.services[0]?.id ?? null, day: config.days[0]?.date ?? null, slot: null };
let key = null;

const timeOf = (iso) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: config.timezone, hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function choices(node, items, current, pick) {
  node.replaceChildren(
    ...items.map((item) =>
      el("button", {
        type: "button",
        "aria-pressed": String(item.value === current),
        disabled: item.disabled,
        "data-value": item.value,
        onclick: () => pick(item.value),
      }, ...item.label),
    ),
  );
}

function render() {
  choices($("services"), config.services.map((s) => ({ value: s.id, label: [s.name] })), chosen.service, (v) => {
    chosen.service = v;
    chosen.slot = null;
    render();
    loadSlots();
  });
  choices($("days"), config.days.map((d) => ({ value: d.date, label: [d.label] })), chosen.day, (v) => {
    chosen.day = v;
    chosen.slot = null;
    render();
    loadSlots();
  });
  const confirm = $("confirm");
  confirm.disabled = !chosen.slot;
  confirm.textContent = chosen.slot ? t("book_confirm", { time: timeOf(chosen.slot) }) : t("title_book");
}

let slots = [];

function renderSlots() {
  if (!slots.length) {
    $("slots").replaceChildren(el("p", { text: t("book_none") }));
    return;
  }
  choices(
    $("slots"),
    slots.map((s) => ({
      value: s.start,
      disabled: s.left === 0,
      label: [el("span", { text: timeOf(s.start) }), el("small", { text: s.left ? t("book_left", { n: s.left }) : t("book_full") })],
    })),
    chosen.slot,
    (v) => {
      chosen.slot = v;
      key = newKey();
      renderSlots();
      render();
    },
  );
}

async function loadSlots() {
  if (!chosen.service || !chosen.day) return;
  const query = new URLSearchParams({ service: chosen.service, date: chosen.day });
  const answer = await fetch(`/api/v1/offices/${config.office}/slots?${query}`);
  slots = answer.ok ? await answer.json() : [];
  renderSlots();
}

async function submit(event) {
  event.preventDefault();
  if (!chosen.slot) return;
  const move = config.move;
  const answer = await fetch(move ? `/api/v1/appointments/${move}` : `/api/v1/offices/${config.office}/appointments`, {
    method: move ? "PATCH" : "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify(move ? { start: chosen.slot } : { service: chosen.service, start: chosen.slot, lang: config.lang }),
  });
  const body = await answer.json();
  if (answer.ok) {
    location.assign(`/book/${body.token ?? move}?lang=${config.lang}`);
    return;
  }
  const error = $("error");
  error.hidden = false;
  // The limits on one address, in the page's language; anything else as the server says it.
  let reason = body.message ?? answer.status;
  if (body.code === "rate_limited") reason = t("book_rate_limited");
  if (body.reason === "too_many_bookings") reason = t("book_too_many", { n: body.limit });
  error.textContent = t("book_failed", { reason });
  error.scrollIntoView({ block: "center" }); // above the confirm bar, past the slots
  loadSlots();
}

$("book").addEventListener("submit", submit);
render();
loadSlots();
