// 機器: the office's kiosks and displays (admins): paired or not, connected now; pair one
// (its pairing address and QR code, shown once), rotate its token, revoke it.
import { $, api, config, el, officePath, say, tz } from "./console.js";
import { confirmDialog } from "./dialogs.js";

const KINDS = { kiosk: "発券機", display: "表示盤" };
const areaName = Object.fromEntries(config.areas.map((a) => [a.id, a.name]));
const when = (iso) => (iso ? new Date(iso).toLocaleString("ja-JP", { timeZone: tz, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }) : "");

function screenCell(screen) {
  if (!screen) return el("td", { text: "—" });
  if (screen.state === "online") return el("td", {}, el("span", { class: "badge ok" }, `接続中（${screen.connections}）`));
  if (screen.state === "offline") return el("td", {}, el("span", { class: "badge warn" }, "切断"), ` 最終 ${when(screen.last_seen)}`);
  return el("td", {}, el("span", { class: "badge off" }, "未接続"));
}

function row(device) {
  const name = `${KINDS[device.kind]} ${device.id}`;
  const actions = device.paired
    ? [
      el("button", { type: "button", class: "btn", onclick: () => rotate(device, name) }, "トークン更新"),
      el("button", { type: "button", class: "btn danger", onclick: () => revoke(device, name) }, "失効"),
    ]
    : [el("button", { type: "button", class: "btn primary", onclick: () => pair(device, name) }, "ペアリング")];
  return el("tr", { "data-device": device.id },
    el("th", { scope: "row", text: device.id }),
    el("td", { text: KINDS[device.kind] }),
    el("td", { text: device.areas.map((a) => areaName[a] || a).join("、") }),
    el("td", {}, device.paired
      ? el("span", { class: "badge ok" }, `済 ${when(device.paired_at)}`)
      : el("span", { class: "badge off" }, "未")),
    screenCell(device.screen),
    el("td", {}, el("div", { class: "row-actions" }, ...actions)));
}

async function load() {
  const answer = await api("GET", `${officePath}/devices/tokens`);
  if (!answer.ok) { say("機器の一覧を読み込めませんでした", "error"); return; }
  $("device-rows").replaceChildren(...answer.data.devices.map(row));
}

function showPairing(answer, name) {
  $("pairing-title").textContent = `${name} のペアリング`;
  $("pairing-qr").src = answer.qr;
  $("pairing-qr").alt = `${name} のペアリング用アドレスの QR コード`;
  $("pairing-address").textContent = answer.address;
  $("pairing-copy").onclick = async () => {
    try { await navigator.clipboard.writeText(answer.address); say("アドレスをコピーしました"); } catch { say("コピーできませんでした。アドレスを選んでコピーしてください", "error"); }
  };
  const dialog = $("pairing-dialog");
  // The token is in the address: nothing of it stays on the page once the dialog closes.
  dialog.addEventListener("close", () => { $("pairing-qr").removeAttribute("src"); $("pairing-address").textContent = ""; }, { once: true });
  dialog.showModal();
}

async function issue(device, name, action) {
  const answer = await api("POST", `${officePath}/devices/${encodeURIComponent(device.id)}/${action}`);
  if (!answer.ok) { say(`${name}: ${answer.data?.message || answer.status}`, "error"); await load(); return; }
  await load();
  showPairing(answer.data, name);
}

const pair = (device, name) => issue(device, name, "pair");

async function rotate(device, name) {
  const ok = await confirmDialog("トークンの更新", `${name} に新しいトークンを発行します。今のトークンはすぐに使えなくなり、接続中の画面は切断されます。新しいアドレスで機器をペアリングし直してください。`, "更新する");
  if (ok) await issue(device, name, "rotate");
}

async function revoke(device, name) {
  const ok = await confirmDialog("トークンの失効", `${name} のトークンを失効させます。接続中の画面はすぐに切断され、ペアリングし直すまで使えません。`, "失効させる");
  if (!ok) return;
  const answer = await api("POST", `${officePath}/devices/${encodeURIComponent(device.id)}/revoke`);
  if (!answer.ok) { say(`${name}: ${answer.data?.message || answer.status}`, "error"); return; }
  say(`${name} のトークンを失効させました`);
  await load();
}

load();
setInterval(() => { if (!document.querySelector("dialog[open]")) load(); }, 10000);
