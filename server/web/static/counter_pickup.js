// The pickup counter (交付窓口) of the counter app: the documents being made (preparing) and
// those called for pickup (ready) of the services handed over at this counter, with
// 交付準備完了 (P: ready, which calls the number on the displays), 交付済 (H: hand-over) and
// 再呼出 (R: recall). Rendered from the counter's live view (counter:{counter}).

import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const PICKUP_ACTIONS = {
  ready: { label: "交付準備完了", key: "P" },
  "hand-over": { label: "交付済", key: "H" },
  recall: { label: "再呼出", key: "R" },
};

// `app`: the counter app's act, say, serviceName, minutesSince, flags, and its counter(),
// counterState() and mode() now. Answers render(view) and key(event, key) (true when the
// key was pickup's).
export function pickupCounter(app) {
  function pickupRow(t, actions) {
    return el("li", { class: "pickup-row", "data-number": t.number, "data-ticket": t.id },
      el("span", { class: "number", text: t.number }),
      el("span", { class: "service", text: app.serviceName(t.service) }),
      el("span", { class: "waited", text: `${app.minutesSince(t.called_at || t.issued_at)}分` }),
      el("span", { class: "flags" }, app.flags(t)),
      el("span", { class: "buttons" }, actions.map((action) => {
        const { label, key } = PICKUP_ACTIONS[action];
        return el("button", { type: "button", class: action === "recall" ? "minor" : "", "data-pickup-action": action, "data-ticket": t.id,
          "aria-label": `${label} ${key}（${t.number}）`, "aria-keyshortcuts": key, onclick: () => pickupAction(t, action) }, `${label} `, el("kbd", { text: key }));
      })));
  }

  function renderPickup(view) {
    if (app.mode() !== "pickup" && app.mode() !== "both") return;
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
    const body = action === "ready" ? { counter: app.counter() } : undefined;
    const answer = await app.act(label, "POST", `/api/v1/tickets/${t.id}/${action}`, body);
    if (!answer) return;
    // The displays call the number here whatever this counter's state: a closed one is said.
    const closed = app.counterState() !== "open" ? `（${app.counter()}番窓口は開設されていません）` : "";
    if (action === "ready") app.say(`${t.number}: 交付準備完了 — ${app.counter()}番窓口へ呼び出しました${closed}`);
    else app.say(`${t.number}: ${label}`);
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
    if (action === "recall" && app.mode() === "both" && !(row && row.closest("#ready"))) return false;
    const list = action === "ready" ? "preparing" : "ready";
    const button = (row && row.closest(`#${list}`) && row.querySelector(`[data-pickup-action="${action}"]`))
      || $(list).querySelector(`[data-pickup-action="${action}"]`);
    event.preventDefault();
    if (button) button.click();
    else app.say(action === "ready" ? "作成中の書類はありません" : "交付呼出し中の番号はありません", "error");
    return true;
  }

  return { render: renderPickup, key: pickupKey };
}
