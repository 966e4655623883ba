// 設定: the office's settings (the office file's content) edited in the browser. The server
// validates the whole document and names the key that is wrong (services[2].prefix): the
// input with that path is marked and focused. Saved with If-Match: the revision read; a
// change someone else saved first answers 409, and nothing is overwritten.
import { $, api, config, el, officePath, say } from "./console.js";

const LANGS = config.languages;
const state = { doc: null, revision: null, dirty: false };

// Each section: the document's key, its title, its columns. A column's kind says how its
// input reads and writes the value: text, number (blank: left out), time, list (comma
// separated, in order), select (from the document's own ids), bool, names (every language).
const SECTIONS = [
  {
    key: "areas", title: "エリア（課・フロア）", blank: () => ({ id: "", floor: "", names: { ja: "" } }),
    columns: [["id", "ID", "text"], ["floor", "階", "text"], ["names", "名前", "names"]],
  },
  {
    key: "services", title: "業務（発券する手続き）",
    blank: () => ({ id: "", prefix: "", area: firstId("areas"), mean_service_min: 10, names: { ja: "" } }),
    columns: [
      ["id", "ID", "text"], ["prefix", "記号", "text", "narrow"], ["area", "エリア", "select:areas"],
      ["opens", "受付開始", "time"], ["cutoff", "受付終了", "time"], ["daily_cap", "上限（枚/日）", "number"],
      ["mean_service_min", "平均対応時間（分）", "number"], ["pickup_counter", "交付窓口", "select:counters?"],
      ["issuing", "発券", "issuing"], ["names", "名前", "names"],
    ],
  },
  {
    key: "counters", title: "窓口", blank: () => ({ id: "", area: firstId("areas"), services: [] }),
    columns: [["id", "番号", "text", "narrow"], ["area", "エリア", "select:areas"], ["services", "担当業務（優先順、読点区切り）", "list"]],
  },
  {
    key: "kiosks", title: "発券機", blank: () => ({ id: "" }),
    columns: [["id", "ID", "text"], ["areas", "エリア（空欄: すべて）", "list"], ["printer", "プリンター（tcp://…）", "text"], ["profile", "プロファイル", "text"]],
  },
  {
    key: "displays", title: "呼出表示盤", blank: () => ({ id: "", languages: ["ja", "en"] }),
    columns: [["id", "ID", "text"], ["areas", "エリア（空欄: すべて）", "list"], ["languages", "案内の言語", "list"], ["volume", "音量（0〜1）", "number"]],
  },
];
const HEAD = [
  ["opens", "開庁", "time"], ["closes", "閉庁", "time"], ["cutoff", "受付終了", "time"],
  ["staffing_target_min", "待ち時間の目標（分）", "number"], ["open_issuing", "発券機トークンなしで発券（デモ）", "bool"],
];

// Visitors not in the hall (tickets from home, appointments, the phone's notice): the
// office's rules, and per service whether it takes each. Kept apart from the services'
// table so that each row stays readable on a supervisor's screen. A number's fourth entry
// is the server's default, shown greyed while the field is blank.
const AWAY_HEAD = [
  ["hall_networks", "庁舎Wi-Fiのアドレス範囲（到着確認にコード不要）", "list"],
  ["arrival_grace_min", "未到着の受付票を保留する時間（分）", "number", 5],
  ["delay_places", "「少し遅れます」で下がる人数", "number", 3],
  ["push_ahead", "スマートフォンへ「まもなく」を知らせる人数", "number", 3],
];
const AWAY_SERVICE = [
  ["remote", "スマートフォンで受付票", "bool"],
  ["remote_closes_before_min", "受付終了の何分前まで", "number", 60],
  ["remote_share_pct", "上限のうちの割合（%）", "number", 30],
];
const BOOKING = [
  ["slot_min", "予約枠（分）", "number", 30], ["capacity", "1枠の人数", "number", 1],
  ["days_ahead", "何日先まで", "number", 14], ["grace_min", "遅刻の猶予（分）", "number", 10],
  ["counters", "予約を呼ぶ窓口（空欄: 業務の窓口すべて）", "list"],
];

const firstId = (key) => ((state.doc && state.doc[key] && state.doc[key][0]) || {}).id || "";
const ids = (key) => ((state.doc && state.doc[key]) || []).map((item) => item.id).filter(Boolean);

function markDirty() {
  state.dirty = true;
  $("settings-dirty").hidden = false;
  $("settings-save").disabled = false;
}

function write(target, key, kind, input) {
  const raw = input.type === "checkbox" ? input.checked : input.value.trim();
  if (kind === "number") {
    if (raw === "") delete target[key];
    else target[key] = Number(raw);
  } else if (kind === "list") {
    const items = raw.split(/[,、，\s]+/).map((s) => s.trim()).filter(Boolean);
    if (items.length || key === "services") target[key] = items;
    else delete target[key];
  } else if (kind === "bool") {
    target[key] = raw;
  } else if (kind === "issuing") {
    if (raw === "stopped") target[key] = "stopped";
    else delete target[key];
  } else if (raw === "" && key !== "id" && key !== "floor") {
    delete target[key];
  } else {
    target[key] = raw;
  }
  input.removeAttribute("aria-invalid");
  markDirty();
}

function input(target, key, kind, path, label, extra = "") {
  const value = target[key];
  const common = { "data-path": path, "aria-label": label, class: extra, onchange: (e) => write(target, key, kind, e.target) };
  if (kind === "bool") return el("input", { ...common, type: "checkbox", checked: Boolean(value) });
  if (kind === "issuing") {
    return el("select", common,
      el("option", { value: "open", selected: value !== "stopped", text: "受付中" }),
      el("option", { value: "stopped", selected: value === "stopped", text: "停止中" }));
  }
  if (kind.startsWith("select:")) {
    const source = kind.slice(7).replace("?", "");
    const optional = kind.endsWith("?");
    const choices = ids(source);
    return el("select", common,
      optional ? el("option", { value: "", selected: !value, text: "なし" }) : null,
      choices.map((id) => el("option", { value: id, selected: id === value, text: id })),
      value && !choices.includes(value) ? el("option", { value, selected: true, text: `${value}（不明）` }) : null);
  }
  const text = Array.isArray(value) ? value.join(", ") : value === undefined || value === null ? "" : String(value);
  const type = kind === "number" ? "number" : kind === "time" ? "text" : "text";
  const attrs = { ...common, type, value: text };
  if (kind === "time") {
    // Blank: the office's own time (a service's opening and cut-off default to the office's).
    const head = (state.doc && state.doc.office) || {};
    attrs.placeholder = path.startsWith("office.") ? "08:30" : head[key === "opens" ? "opens" : "cutoff"] || "";
    attrs.inputmode = "numeric";
    attrs.class = `${extra} narrow`;
  }
  if (kind === "number") { attrs.step = "any"; attrs.min = "0"; attrs.class = `${extra} narrow`; }
  return el("input", attrs);
}

function namesEditor(target, path, label) {
  target.names = target.names || {};
  const summary = target.names.ja || "（未設定）";
  return el("details", {},
    el("summary", { text: `${summary} — ${LANGS.length}言語` }),
    el("div", { class: "names-grid" },
      LANGS.flatMap((lang) => [
        el("label", { for: `${path}.names.${lang.code}`, text: lang.name }),
        el("input", {
          id: `${path}.names.${lang.code}`, type: "text", value: target.names[lang.code] || "", "data-path": `${path}.names.${lang.code}`,
          "aria-label": `${label} ${lang.name}`,
          onchange: (e) => {
            const v = e.target.value.trim();
            if (v) target.names[lang.code] = v; else delete target.names[lang.code];
            e.target.removeAttribute("aria-invalid");
            markDirty();
          },
        }),
      ])));
}

function sectionTable(section) {
  const items = state.doc[section.key] = state.doc[section.key] || [];
  const head = el("tr", {}, section.columns.map(([, title]) => el("th", { scope: "col", text: title })), el("th", { scope: "col", text: "削除" }));
  const rows = items.map((item, i) => {
    const path = `${section.key}[${i}]`;
    const who = `${section.title} ${item.id || i + 1}`;
    return el("tr", {},
      section.columns.map(([key, title, kind, extra]) => el("td", {},
        kind === "names" ? namesEditor(item, path, `${who} ${title}`) : input(item, key, kind, `${path}.${key}`, `${who} ${title}`, extra || ""))),
      el("td", {}, el("button", {
        type: "button", class: "btn danger", "aria-label": `${who} を削除`, text: "削除",
        onclick: () => {
          if (!window.confirm(`${who} を削除しますか？（保存するまで反映されません）`)) return;
          items.splice(i, 1);
          markDirty();
          render();
        },
      })));
  });
  return el("section", { class: "settings-section panel", "aria-labelledby": `h-${section.key}` },
    el("h2", { id: `h-${section.key}`, text: section.title }),
    el("div", { class: "settings-table" }, el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, rows))),
    el("button", {
      type: "button", class: "btn", text: `＋ ${section.title}を追加`,
      onclick: () => { items.push(section.blank()); markDirty(); render(); },
    }));
}

function headSection() {
  const head = state.doc.office = state.doc.office || {};
  return el("section", { class: "settings-section panel", "aria-labelledby": "h-office" },
    el("h2", { id: "h-office", text: `庁舎（${head.id}）` }),
    el("div", { class: "settings-table" }, el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, HEAD.map(([, title]) => el("th", { scope: "col", text: title })), el("th", { scope: "col", text: "名前" }))),
      el("tbody", {}, el("tr", {},
        HEAD.map(([key, title, kind]) => el("td", {}, input(head, key, kind, `office.${key}`, `庁舎 ${title}`))),
        el("td", {}, namesEditor(head, "office", "庁舎 名前")))))));
}

function defaulted(field, fallback) {
  if (fallback !== undefined) field.placeholder = String(fallback);
  return field;
}

// A service takes bookings while it has an `appointments` table (every key has a default):
// the check box adds an empty one or removes it.
function bookingCells(service, path, who) {
  const on = Boolean(service.appointments);
  const table = service.appointments || {};
  const toggle = el("input", {
    type: "checkbox", checked: on, "data-path": `${path}.appointments`, "aria-label": `${who} 予約を受ける`,
    onchange: (e) => {
      if (e.target.checked) service.appointments = {}; else delete service.appointments;
      markDirty();
      render();
    },
  });
  return [el("td", {}, toggle), ...BOOKING.map(([key, title, kind, fallback]) => el("td", {},
    on ? defaulted(input(table, key, kind, `${path}.appointments.${key}`, `${who} ${title}`), fallback) : el("span", { class: "muted", text: "—" })))];
}

function awaySection() {
  const head = state.doc.office = state.doc.office || {};
  const services = state.doc.services || [];
  const columns = [...AWAY_SERVICE, ["appointments", "予約を受ける"], ...BOOKING];
  return el("section", { class: "settings-section panel", "aria-labelledby": "h-away" },
    el("h2", { id: "h-away", text: "来庁前の受付（スマートフォンの受付票・予約・通知）" }),
    el("div", { class: "settings-table" }, el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, AWAY_HEAD.map(([, title]) => el("th", { scope: "col", text: title })))),
      el("tbody", {}, el("tr", {},
        AWAY_HEAD.map(([key, title, kind, fallback]) => el("td", {}, defaulted(input(head, key, kind, `office.${key}`, `庁舎 ${title}`), fallback))))))),
    el("div", { class: "settings-table" }, el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "業務" }), columns.map(([, title]) => el("th", { scope: "col", text: title })))),
      el("tbody", {}, services.map((service, i) => {
        const path = `services[${i}]`;
        const who = `業務 ${service.id || i + 1}`;
        return el("tr", {},
          el("th", { scope: "row", text: (service.names && service.names.ja) || service.id || "" }),
          AWAY_SERVICE.map(([key, title, kind, fallback]) => el("td", {}, defaulted(input(service, key, kind, `${path}.${key}`, `${who} ${title}`), fallback))),
          ...bookingCells(service, path, who));
      })))));
}

function render() {
  $("settings-sections").replaceChildren(headSection(), ...SECTIONS.map(sectionTable), awaySection());
}

function showError(answer) {
  const d = answer.data || {};
  const box = $("settings-error");
  box.hidden = false;
  box.textContent = answer.status === 409
    ? `ほかの職員が先に保存しました（版 ${d.revision}）。「読み込み直す」で最新を確かめてから、もう一度変更してください。`
    : `保存できませんでした${d.field ? `（${d.field}）` : ""}: ${d.message || answer.status}`;
  const field = d.field && document.querySelector(`[data-path="${CSS.escape(d.field)}"]`);
  if (field) {
    field.setAttribute("aria-invalid", "true");
    const details = field.closest("details");
    if (details) details.open = true;
    field.focus();
  }
}

async function save() {
  $("settings-error").hidden = true;
  const answer = await api("PUT", `${officePath}/settings`, { document: state.doc }, { "If-Match": `"${state.revision}"` });
  if (!answer.ok) { showError(answer); return; }
  say(`保存しました（版 ${answer.data.revision}）。すべての画面に反映されます。`);
  await load();
}

async function load() {
  const answer = await api("GET", `${officePath}/settings`);
  if (!answer.ok) { say("設定を読み込めませんでした", "error"); return; }
  state.doc = answer.data.document;
  state.revision = answer.data.revision;
  state.dirty = false;
  $("settings-revision").textContent = `版 ${state.revision}`;
  $("settings-dirty").hidden = true;
  $("settings-save").disabled = true;
  $("settings-error").hidden = true;
  $("settings-revisions").replaceChildren(...answer.data.revisions.map((r) =>
    el("li", { value: String(r.revision), text: `版 ${r.revision} — ${new Date(r.at).toLocaleString("ja-JP", { timeZone: config.office.timezone })} — ${r.actor || ""}` })));
  render();
}

$("settings-save").addEventListener("click", save);
$("settings-reload").addEventListener("click", () => {
  if (state.dirty && !window.confirm("未保存の変更を捨てて読み込み直しますか？")) return;
  load();
});
$("settings-export").href = `${officePath}/settings.toml`;
window.addEventListener("beforeunload", (e) => { if (state.dirty) e.preventDefault(); });
load();
