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

// A delta frame's `patch` (RFC 6902 JSON Patch; the server sends add, remove and replace)
// applied to a copy of `doc`: the pages keep references to the view they rendered last
// (the ticket page compares the ticket before and after), so the view held is never
// changed in place. Throws when an operation does not fit the document.
export function applyPatch(doc, ops) {
  let root = JSON.parse(JSON.stringify(doc));
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const index = (list, token, extra) => {
    const i = token === "-" && extra ? list.length : /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : -1;
    if (i < 0 || i >= list.length + (extra ? 1 : 0)) throw new Error(`no index ${token}`);
    return i;
  };
  for (const op of ops) {
    if (op.path === "") {
      if (op.op === "remove") throw new Error("cannot remove the whole view");
      root = op.value;
      continue;
    }
    const tokens = op.path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (!op.path.startsWith("/") || tokens.includes("__proto__")) throw new Error(`bad path ${op.path}`);
    const last = tokens.pop();
    let target = root;
    for (const token of tokens) {
      if (Array.isArray(target)) target = target[index(target, token, false)];
      else if (target !== null && typeof target === "object" && has(target, token)) target = target[token];
      else throw new Error(`no ${op.path}`);
    }
    if (Array.isArray(target)) {
      const i = index(target, last, op.op === "add");
      if (op.op === "add") target.splice(i, 0, op.value);
      else if (op.op === "replace") target[i] = op.value;
      else if (op.op === "remove") target.splice(i, 1);
      else throw new Error(`unknown op ${op.op}`);
    } else if (target !== null && typeof target === "object") {
      if (op.op !== "add" && !has(target, last)) throw new Error(`no ${op.path}`);
      if (op.op === "add" || op.op === "replace") target[last] = op.value;
      else if (op.op === "remove") delete target[last];
      else throw new Error(`unknown op ${op.op}`);
    } else {
      throw new Error(`${op.path} is inside a value`);
    }
  }
  return root;
}

// The live channel: the view on connect, then (delta=1) what changed after every change;
// a client that reconnects sends the last version it saw. A delta whose `base` is not
// the version held (or that does not apply) is not rendered: the page asks for the full
// view ({"type": "resync"}) and renders that.
export function follow(onView) {
  let version = config.version ?? -1;
  let view = null; // the view held, that deltas apply to
  let backoff = 500;
  const live = $("live");
  const mark = (on) => {
    live.hidden = false;
    live.dataset.live = String(on);
    live.textContent = on ? t("live_on") : t("live_off");
  };
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = version >= 0 ? `&since=${version}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}${config.ws}?delta=1${since}`);
    let asked = false; // a full view was asked for and has not come yet
    view = null;
    socket.addEventListener("open", () => {
      backoff = 500;
      mark(true);
    });
    socket.addEventListener("message", (message) => {
      const frame = JSON.parse(message.data);
      let next = null;
      if (frame.type === "view" && frame.view) {
        // The first view of a connection is held even at the version the page shows
        // already (the server rendered it): deltas apply to it.
        const same = frame.version === version && view === null;
        if (!frame.resync && frame.version <= version && !same) return;
        next = frame.view;
        asked = false;
      } else if (frame.type === "delta" && Array.isArray(frame.patch)) {
        if (frame.version <= version || asked) return;
        if (view !== null && frame.base === version) {
          try {
            next = applyPatch(view, frame.patch);
          } catch (e) {
            next = null;
          }
        }
        if (next === null) {
          asked = true;
          live.dataset.resyncs = String(Number(live.dataset.resyncs || 0) + 1);
          socket.send(JSON.stringify({ type: "resync" }));
          return;
        }
      } else {
        return;
      }
      version = frame.version;
      view = next;
      live.dataset.version = String(version);
      onView(next, frame.resync ? [] : frame.events || []);
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
