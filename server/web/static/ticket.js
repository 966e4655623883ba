// The visitor's ticket page (/t/{token}): follows ticket:{token}; says the status in words;
// alerts when the number is called, when the certificate is ready, and when a few are left
// (a notification where allowed, vibration, and a short tone).
import { isSubscribed, subscribePush } from "./push.js";
import { $, config, estimateText, follow, setText, showNotice, t } from "./visitor_common.js";
import { renderSelfService } from "./self_service.js";

const ACTIVE = new Set(["waiting", "called", "absent", "serving", "preparing", "ready"]);
const ALERTS_KEY = "madoguchi.alerts";
let last = config.ticket;
let alerted = { soon: false, called: null };
let audio = null;

function statusText(ticket) {
  return t(`status_${ticket.status}`, { counter: ticket.counter ?? "" });
}

function render(view) {
  const ticket = view.ticket;
  showNotice(view.notice);
  const status = $("status");
  status.dataset.status = ticket.status;
  document.querySelector("section.ticket").dataset.status = ticket.status;
  setText(status, statusText(ticket));
  const waiting = ticket.status === "waiting";
  $("figures").hidden = !waiting;
  if (waiting) {
    setText($("ahead"), t("ahead_n", { n: ticket.position ?? 0 }));
    setText($("estimate"), estimateText(ticket.position, ticket.estimate));
  }
  $("actions").hidden = !ACTIVE.has(ticket.status);
  const form = $("form-link");
  if (form) form.hidden = !["waiting", "called", "absent"].includes(ticket.status);
  renderSelfService(ticket);
  maybeAlert(last, ticket);
  last = ticket;
}

// -- alerts ------------------------------------------------------------------------------------
function maybeAlert(before, now) {
  const callKey = `${now.status}:${now.counter}:${now.recalls}`;
  if ((now.status === "called" || now.status === "ready") && alerted.called !== callKey
      && (before.status !== now.status || before.recalls !== now.recalls || before.counter !== now.counter)) {
    alerted.called = callKey;
    const key = now.status === "ready" ? "alert_ready" : "alert_called";
    alert(t(key, { number: now.number, counter: now.counter ?? "" }), [300, 150, 300, 150, 600]);
  } else if (now.status === "waiting" && now.position !== null && now.position <= config.soon_ahead
      && !alerted.soon && (before.position === null || before.position > now.position)) {
    alerted.soon = true;
    alert(t("alert_soon", { number: now.number, n: now.position }), [200, 100, 200]);
  }
}

function alert(message, pattern) {
  document.body.dataset.alerted = message;
  if ("vibrate" in navigator) navigator.vibrate(pattern);
  tone();
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(message, { tag: `madoguchi-${config.token}`, renotify: true });
    } catch (e) {
      // Android Chrome allows notifications only from a service worker; the page still
      // changes, vibrates and sounds.
    }
  }
}

function tone() {
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, freq] of [880, 660, 880].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.35 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.35 + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.35);
    osc.stop(now + i * 0.35 + 0.32);
  }
}

function alertsOn() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (Ctx && !audio) audio = new Ctx(); // made on a tap, so the browser lets it sound
  const note = $("alerts-state");
  note.hidden = false;
  const denied = "Notification" in window && Notification.permission === "denied";
  note.textContent = denied ? t("alerts_denied") : t("alerts_on", { n: config.soon_ahead });
  if (isSubscribed(config.token)) note.textContent = t("push_on", { n: config.soon_ahead });
  $("alerts").setAttribute("aria-pressed", "true");
  localStorage.setItem(ALERTS_KEY, "on");
}

const button = $("alerts");
button.hidden = false;
button.setAttribute("aria-pressed", "false");
button.addEventListener("click", async () => {
  if ("Notification" in window && Notification.permission === "default") {
    try {
      await Notification.requestPermission();
    } catch (e) {
      // an old browser: vibration and sound still work
    }
  }
  alertsOn();
  // With the page closed too: Web Push, asked for here, after the visitor chose it.
  if (await subscribePush(config.token)) alertsOn();
});
if (localStorage.getItem(ALERTS_KEY) === "on" && "Notification" in window && Notification.permission === "granted") {
  alertsOn();
}

renderSelfService(config.ticket);
follow((view) => render(view));
