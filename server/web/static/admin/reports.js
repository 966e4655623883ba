// 集計: the report of a range grouped by day, hour, service, counter or clerk, as a table,
// two server-drawn charts (/admin/reports/chart.svg) and CSV / Excel downloads.
import { $, api, config, el, officePath, say, tz } from "./console.js";

const HEADINGS = {
  tickets: "発券", served: "対応済", no_show: "不在", left: "取消・離脱", transfers: "転送",
  wait_mean_min: "待ち 平均（分）", wait_p50_min: "待ち 中央値（分）", wait_p90_min: "待ち 90%（分）",
  service_mean_min: "対応 平均（分）", transferred_in: "転送で受付", waiting: "待ち・対応中",
  called_within_target: "目標内に呼出", within_target_share: "目標内の割合",
};
const BY_NAMES = { day: "日別", hour: "時間帯別", service: "業務別", counter: "窓口別", clerk: "職員別" };
const COLUMNS = Object.keys(HEADINGS);

// Dates as YYYY-MM-DD in the office's time zone.
const iso = (d) => d.toLocaleDateString("sv-SE", { timeZone: tz });
const parse = (s) => new Date(`${s}T12:00:00`);
const addDays = (s, n) => { const d = parse(s); d.setDate(d.getDate() + n); return d.toLocaleDateString("sv-SE"); };
const today = () => iso(new Date());

function range(name) {
  const t = today();
  const weekday = (parse(t).getDay() + 6) % 7; // Monday 0
  const monday = addDays(t, -weekday);
  if (name === "last-week") return [addDays(monday, -7), addDays(monday, -1)];
  if (name === "this-month") return [`${t.slice(0, 8)}01`, t];
  if (name === "last-month") {
    const first = `${t.slice(0, 8)}01`;
    const end = addDays(first, -1);
    return [`${end.slice(0, 8)}01`, end];
  }
  return [monday, t];
}

function query() {
  const q = new URLSearchParams({ from: $("report-from").value, to: $("report-to").value, by: $("report-by").value, target: $("report-target").value });
  return q.toString();
}

const show = (value, column) => {
  if (value === null || value === undefined) return "—";
  if (column === "within_target_share") return `${(value * 100).toFixed(1)}%`;
  return String(value);
};

function row(data, r, isTotal) {
  const name = isTotal ? "合計" : (data.labels[r.key] ?? r.key);
  return el("tr", {}, el("th", { scope: "row", text: name }),
    ...COLUMNS.map((c) => el("td", { class: "num", text: show(r[c], c) })));
}

// An installation of several offices names the office in each address (docs/offices.md).
const officeQuery = config.installation_offices?.length ? `&office=${encodeURIComponent(config.office.id)}` : "";

async function load() {
  const form = $("report-form");
  if (!form.reportValidity()) return;
  const q = query();
  history.replaceState(null, "", `?${q}${officeQuery}`);
  $("report-status").textContent = "読み込み中…";
  const answer = await api("GET", `${officePath}/reports?${q}`);
  if (!answer.ok) {
    const d = answer.data || {};
    $("report-status").textContent = `集計できませんでした${d.field ? `（${d.field}）` : ""}: ${d.message || answer.status}`;
    say("集計できませんでした", "error");
    return;
  }
  const data = answer.data;
  const by = BY_NAMES[data.by];
  $("report-caption").textContent = `${data.from}〜${data.to} ${by}（目標 ${data.target_min} 分）`;
  $("report-head").replaceChildren(el("th", { scope: "col", text: by }),
    ...COLUMNS.map((c) => el("th", { scope: "col", class: "num", text: HEADINGS[c] })));
  $("report-rows").replaceChildren(...data.rows.map((r) => row(data, r, false)));
  $("report-total").replaceChildren(row(data, data.total, true));
  $("report-status").textContent = data.rows.length
    ? `${data.from}〜${data.to}: 発券 ${data.total.tickets} 件、対応済 ${data.total.served} 件、平均待ち時間 ${show(data.total.wait_mean_min)} 分。`
    : `${data.from}〜${data.to} の記録はありません。`;
  $("download-csv").href = `${officePath}/reports?${q}&format=csv`;
  $("download-xlsx").href = `${officePath}/reports?${q}&format=xlsx`;
  for (const chart of ["counts", "waits"]) {
    const img = $(`chart-${chart}`);
    img.removeAttribute("width"); img.removeAttribute("height");
    img.src = `/admin/reports/chart.svg?${q}&chart=${chart}${officeQuery}`;
    img.alt = `${by}の${chart === "counts" ? "件数" : "待ち時間"}のグラフ（数値は集計表と同じ）`;
  }
}

function start() {
  const params = new URLSearchParams(location.search);
  const [from, to] = range("this-week");
  $("report-from").value = params.get("from") || from;
  $("report-to").value = params.get("to") || to;
  if (params.get("by")) $("report-by").value = params.get("by");
  if (params.get("target")) $("report-target").value = params.get("target");
  $("day-date").value = today();
  for (const button of document.querySelectorAll("[data-range]")) {
    button.addEventListener("click", () => {
      [$("report-from").value, $("report-to").value] = range(button.dataset.range);
      load();
    });
  }
  $("report-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("report-by").addEventListener("change", load);
  load();
}
start();

// The day report is of this office too (an installation of several offices).
if (officeQuery) {
  document.querySelector('form[action="/admin/reports/day"]')
    ?.append(el("input", { type: "hidden", name: "office", value: config.office.id }));
}
