// The public congestion page (混雑状況): the server rendered it; this follows
// public:{office} and rewrites each service's figures in place, and says new calls in a
// polite live region for screen readers.
import { $, config, estimateText, follow, numbersText, setText, showNotice, t } from "./visitor_common.js";
import { renderRemote } from "./remote.js";

const minutes = (hhmm) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
};

function issuing(service, now) {
  if (service.closed_reason === null) {
    const cutoff = config.services[service.id].cutoff;
    const left = minutes(cutoff) - minutes(now);
    if (left > 0 && left <= config.closing_soon_min) return ["closing_soon", { time: cutoff }];
    return ["issuing_open", {}];
  }
  if (service.closed_reason === "not_yet_open") return ["not_yet_open", { time: config.services[service.id].opens }];
  return [service.closed_reason, {}];
}

function render(view, events) {
  showNotice(view.notice);
  for (const service of view.services) {
    const card = document.querySelector(`article.service[data-service="${CSS.escape(service.id)}"]`);
    if (!card) continue;
    const [state, fields] = issuing(service, view.office.time);
    const badge = card.querySelector(".issuing");
    badge.dataset.state = state;
    setText(badge.querySelector(".issuing-text"), t(state, fields));
    setText(card.querySelector(".waiting"), t("waiting_n", { n: service.waiting }));
    setText(card.querySelector(".estimate"), estimateText(service.waiting, service.estimate));
    setText(card.querySelector(".calling"), numbersText(service.calling));
    setText(card.querySelector(".ready"), numbersText(service.ready));
    renderRemote(service);
  }
  const said = events
    .filter((e) => e.type === "ticket.called" || e.type === "ticket.ready")
    .map((e) => t(e.type === "ticket.ready" ? "announce_ready" : "announce_called", { number: e.number, counter: e.counter }));
  if (said.length) $("announce").textContent = said.join("。");
}

follow(render);
