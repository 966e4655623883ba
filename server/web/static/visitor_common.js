// What the public page and the ticket page share: their messages, the words for figures
// (the same as the server's, server/web/pages.py), and the live channel with `since`,
// backoff and jitter.

export const config = JSON.parse(document.getElementById("config").textContent);
export const $ = (id) => document.getElementById(id);

export function t(key, fields = {}) {
  const text = config.messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));
}

export function estimateText(waiting, estimate) {
  if (!estimate || (!waiting && estimate.high_min === 0)) return t("no_wait");
  if (estimate.low_min === estimate.high_min) return t("estimate_one", { lo: estimate.low_min });
  return t("estimate", { lo: estimate.low_min, hi: estimate.high_min });
}

export function numbersText(numbers) {
  if (!numbers || !numbers.length) return t("none");
  return numbers.map((n) => t("number_at", { number: n.number, counter: n.counter ?? "" })).join("、");
}

const clockFormat = () =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone: config.timezone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });

export function showUpdated() {
  $("updated").textContent = t("updated", { time: clockFormat().format(new Date()) });
}

export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

// The live channel: the view on connect and after every change; a client that reconnects
// sends the last version it saw.
export function follow(onView) {
  let version = config.version ?? -1;
  let backoff = 500;
  const live = $("live");
  const mark = (on) => {
    live.hidden = false;
    live.dataset.live = String(on);
    live.textContent = on ? t("live_on") : t("live_off");
  };
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = version >= 0 ? `?since=${version}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}${config.ws}${since}`);
    socket.addEventListener("open", () => {
      backoff = 500;
      mark(true);
    });
    socket.addEventListener("message", (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type !== "view" || !frame.view) return;
      if (!frame.resync && frame.version <= version) return;
      version = frame.version;
      onView(frame.view, frame.resync ? [] : frame.events || []);
      showUpdated();
    });
    socket.addEventListener("close", () => {
      mark(false);
      // Backoff with jitter: a hall full of phones does not reconnect in the same second.
      setTimeout(connect, backoff / 2 + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 30000);
    });
  };
  connect();
}

// The office's notice (お知らせ) in the page's language, else in Japanese; hidden when none.
export function showNotice(notice) {
  const node = $("notice");
  if (!node) return;
  const text = (notice && (notice[config.lang] || notice.ja)) || "";
  setText(node, text);
  node.hidden = !text;
}
