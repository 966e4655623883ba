// 操作記録: the audit log of supervisors' and admins' changes, newest first.
import { $, api, el, officePath, say, tz } from "./console.js";

const show = (value) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

async function load() {
  const answer = await api("GET", `${officePath}/audit?limit=300`);
  if (!answer.ok) { say("操作記録を読み込めませんでした", "error"); return; }
  const rows = answer.data.audit.map((r) => el("tr", {},
    el("td", { text: new Date(r.at).toLocaleString("ja-JP", { timeZone: tz }) }),
    el("td", { text: r.actor }),
    el("td", { text: r.action }),
    el("td", { text: r.target || "" }),
    el("td", { class: "small", text: show(r.before) }),
    el("td", { class: "small", text: show(r.after) }),
  ));
  $("audit-rows").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "6", text: "記録はまだありません" }))]));
}
load();
