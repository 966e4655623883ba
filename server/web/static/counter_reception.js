// The reception desk (受付・案内) of the counter app: a clerk issues a ticket for a visitor
// who cannot use the kiosk, with the service, language and priority the clerk chose
// (`"channel": "reception"`), printed at a chosen kiosk's printer or shown as the QR code of
// the visitor's page. F2 issues (the counter app's keyboard sends it here).

import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const PRINT_KEY = "madoguchi.reception.kiosk"; // the printer this PC chose, remembered
const ISSUED_SHOWN = 8;
const CLOSED_JA = { closed_day: "閉庁日", not_yet_open: "受付開始前", after_cutoff: "受付終了", daily_cap_reached: "本日の受付上限", stopped: "発券停止中" };
const PRINTER_JA = { paper_out: "用紙切れ", cover_open: "カバーが開いています", offline: "接続できません" };

// `app`: the counter app's config, api, act, say, serviceName and flags. Answers show()
// (when the desk is chosen) and issue().
export function receptionDesk(app) {
  let issued = []; // this PC's latest tickets, newest first

  function buildReception() {
    const byArea = Object.keys(app.config.areas).map((area) => [area, Object.keys(app.config.services).filter((s) => app.config.services[s].area === area)]);
    $("reception-services").append(...byArea.filter(([, services]) => services.length).map(([area, services]) =>
      el("div", { class: "area", role: "group", "aria-label": app.config.areas[area].names.ja },
        el("span", { class: "area-name", "aria-hidden": "true", text: `${app.config.areas[area].names.ja}（${app.config.areas[area].floor}）` }),
        services.map((s) => el("label", { class: "choice" },
          el("input", { type: "radio", name: "reception-service", value: s, required: true }),
          el("span", { class: "prefix", text: app.config.services[s].prefix }), ` ${app.serviceName(s)}`,
          el("span", { class: "line-state", "data-service": s }))))));
    $("reception-lang").replaceChildren(...Object.entries(app.config.languages).map(([code, name]) => el("option", { value: code, text: `${name}（${code}）` })));
    const stored = window.localStorage.getItem(PRINT_KEY);
    const kiosks = app.config.kiosks.map((k) => k.id);
    const chosen = stored === "none" || kiosks.includes(stored) ? stored : (kiosks[0] || "none");
    $("reception-print").append(
      ...app.config.kiosks.map((k) => el("label", { class: "choice" },
        el("input", { type: "radio", name: "reception-kiosk", value: k.id, checked: chosen === k.id }), ` ${k.id}（${k.floors.join("・")}）の発券機で印刷`,
        el("span", { class: "printer-state", "data-kiosk": k.id }))),
      el("label", { class: "choice" }, el("input", { type: "radio", name: "reception-kiosk", value: "none", checked: chosen === "none" }), " 印刷しない（画面のQRコードを見せる）"));
  }

  // Each line's wait now and whether it issues (the public view, GET …/status), beside its
  // service: the clerk tells the visitor the wait, and a closed line cannot be chosen.
  async function showLines() {
    let answer;
    try { answer = await app.api("GET", `/api/v1/offices/${app.config.office.id}/status`); } catch { return; }
    if (!answer.ok) return;
    for (const line of answer.data.services) {
      const box = document.querySelector(`.line-state[data-service="${line.id}"]`);
      if (!box) continue;
      const closed = line.closed_reason !== null;
      const input = box.closest("label").querySelector("input");
      input.disabled = closed;
      if (closed) input.checked = false;
      box.classList.toggle("closed", closed);
      const { low_min: lo, high_min: hi } = line.estimate;
      box.textContent = closed ? `（${CLOSED_JA[line.closed_reason] || line.closed_reason}）`
        : `待ち${line.waiting}人${hi ? `・約${lo === hi ? lo : `${lo}〜${hi}`}分` : ""}`;
    }
  }

  function show() {
    showPrinters();
    showLines();
  }

  async function issueAtReception() {
    const form = $("reception-form");
    if (!form.reportValidity()) return;
    const service = form.querySelector('input[name="reception-service"]:checked').value;
    const kiosk = form.querySelector('input[name="reception-kiosk"]:checked').value;
    window.localStorage.setItem(PRINT_KEY, kiosk);
    const body = { service, lang: $("reception-lang").value, priority: $("reception-priority").checked, channel: "reception" };
    if (kiosk !== "none") body.kiosk = kiosk;
    const answer = await app.act("発券", "POST", `/api/v1/offices/${app.config.office.id}/tickets`, body);
    if (!answer) return;
    showIssued(answer.data);
    show();
    app.say(`${answer.data.number} を発券しました（${app.serviceName(service)}）`);
    // Ready for the next visitor: what was theirs is cleared, the printer stays chosen.
    for (const radio of form.querySelectorAll('input[name="reception-service"]')) radio.checked = false;
    $("reception-lang").value = "ja";
    $("reception-priority").checked = false;
  }

  // Each kiosk's printer as the print service last saw it (GET …/devices), beside its choice.
  async function showPrinters() {
    let answer;
    try { answer = await app.api("GET", `/api/v1/offices/${app.config.office.id}/devices`); } catch { return; }
    if (!answer.ok) return;
    for (const kiosk of answer.data.kiosks) {
      const box = document.querySelector(`.printer-state[data-kiosk="${kiosk.kiosk}"]`);
      if (!box) continue;
      const fault = PRINTER_JA[kiosk.state] || (kiosk.paper_near_end ? "用紙残りわずか" : "");
      box.textContent = fault ? `（${fault}）` : "";
      box.classList.toggle("error", Boolean(PRINTER_JA[kiosk.state]));
    }
  }

  function printText(t) {
    const status = t.print.status;
    if (!t.kiosk) return "印刷なし — QRコードを読み取っていただくか、番号をお伝えください";
    if (status === "printed") return `${t.kiosk} の発券機で印刷しました`;
    if (status === "queued") return `${t.kiosk} の発券機へ印刷を送りました`;
    const why = t.print.error && (PRINTER_JA[t.print.error] || t.print.error);
    return `${t.kiosk} で印刷できませんでした${why ? `（${why}）` : ""}。QRコードを見せてください`;
  }

  function showIssued(t) {
    const failed = t.kiosk && t.print.status === "failed";
    $("issued").replaceChildren(
      el("div", { class: "head" },
        el("div", { class: "number", id: "issued-number", "data-ticket": t.id, text: t.number }),
        el("div", { class: `print-outcome ${failed ? "error" : t.kiosk ? "ok" : ""}`, id: "issued-print", text: printText(t) })),
      el("dl", {},
        el("dt", { text: "手続き" }), el("dd", { text: app.serviceName(t.service) }),
        el("dt", { text: "言語" }), el("dd", { text: app.config.languages[t.lang] || t.lang }),
        el("dt", { text: "配慮" }), el("dd", { text: t.priority ? "配慮が必要な方" : "—" }),
        el("dt", { text: "順番" }), el("dd", { text: t.position === null ? "—" : t.position === 0 ? "次の番" : `前に${t.position}人` })),
      el("figure", { class: "qr" },
        el("img", { id: "issued-qr", src: `/api/v1/visitor/${encodeURIComponent(t.token)}/qr.svg`, alt: `${t.number} の受付票ページのQRコード`, width: 168, height: 168 }),
        el("figcaption", {}, "スマートフォンで読み取ると呼出の状況が見られます。",
          el("a", { href: t.url, target: "_blank", rel: "noopener", text: "受付票のページを開く" }))));
    issued = [t, ...issued].slice(0, ISSUED_SHOWN);
    $("issued-list").replaceChildren(...issued.map((x) => el("li", { "data-number": x.number },
      el("span", { class: "number", text: x.number }),
      el("span", { class: "service", text: app.serviceName(x.service) }),
      el("span", { class: "waited", text: new Date(x.issued_at).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: app.config.office.timezone }) }),
      el("span", { class: "flags" }, app.flags(x), x.kiosk ? el("span", { class: "flag", text: x.kiosk }) : el("span", { class: "flag", text: "QR" })))));
  }

  buildReception();
  $("reception-form").addEventListener("submit", (event) => { event.preventDefault(); issueAtReception(); });
  return { show, issue: issueAtReception };
}
