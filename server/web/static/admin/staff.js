// 職員: staff accounts (admins). List, add, set role, reset password, limit a clerk to
// counters or areas, disable and enable; every refusal names its field.
import { $, api, config, el, say, tz } from "./console.js";
import { confirmDialog, fieldError, formDialog } from "./dialogs.js";

const ROLES = { clerk: "窓口職員", supervisor: "係長（監督者）", admin: "管理者" };
const areaName = Object.fromEntries(config.areas.map((a) => [a.id, a.name]));
const me = config.session.username;
let staff = [];

const date = (iso, withTime = false) => (iso
  ? new Date(iso).toLocaleString("ja-JP", { timeZone: tz, year: "numeric", month: "numeric", day: "numeric", ...(withTime ? { hour: "2-digit", minute: "2-digit" } : {}) })
  : "—");

function limitsText(user) {
  if (!user.counters && !user.areas) return "すべて";
  const parts = [];
  if (user.counters) parts.push(`${user.counters.join(", ")}番`);
  if (user.areas) parts.push(...user.areas.map((a) => `${areaName[a] || a}エリア`));
  return parts.join("、");
}

// An installation of several offices: each account's role per office (null: its role in all).
const OFFICES = config.installation_offices || [];
const officeName = Object.fromEntries(OFFICES.map((o) => [o.id, o.name]));

function officesText(user) {
  if (!user.offices) return "すべて";
  return Object.entries(user.offices).map(([o, r]) => `${officeName[o] || o}: ${ROLES[r] || r}`).join("、");
}

function editOffices(user) {
  $("offices-who").textContent = `${user.username} さん`;
  const box = $("offices-roles");
  box.replaceChildren(...OFFICES.map((o) => {
    const current = user.offices ? (user.offices[o.id] || "") : user.role;
    const select = el("select", { id: `office-role-${o.id}`, "data-office": o.id },
      el("option", { value: "", selected: current === "" }, "権限なし"),
      ...Object.entries(ROLES).map(([value, label]) => el("option", { value, selected: value === current }, label)));
    return el("div", { class: "field" }, el("label", { for: `office-role-${o.id}` }, o.name), select);
  }));
  const error = $("offices-error");
  error.hidden = true;
  formDialog($("offices-dialog"), $("offices-form"), async () => {
    const roles = Object.fromEntries([...box.querySelectorAll("select")].filter((s) => s.value).map((s) => [s.dataset.office, s.value]));
    if (!Object.keys(roles).length) { error.textContent = "少なくとも一つの庁舎で権限を選んでください（職員をやめる場合は「停止する」）。"; error.hidden = false; return false; }
    const values = Object.values(roles);
    const everywhere = values.length === OFFICES.length && values.every((r) => r === values[0]);
    // The same role in every office is the account's role; else a role per office.
    const body = everywhere ? { role: values[0], offices: null } : { offices: roles };
    const answer = await change(user, body, "庁舎ごとの権限を保存");
    if (!answer.ok) { error.textContent = `${answer.data?.field || ""}: ${answer.data?.message || answer.status}`; error.hidden = false; return false; }
    return true;
  });
}

function roleCell(user) {
  // A role per office: set in 庁舎と権限, not here (the account's own role is not used).
  if (user.offices) return el("td", {}, el("span", { class: "muted" }, "庁舎ごと"));
  const select = el("select", { "aria-label": `${user.username} の権限`, id: `role-${user.username}` },
    ...Object.entries(ROLES).map(([value, label]) => el("option", { value, selected: value === user.role }, label)));
  select.addEventListener("change", async () => {
    const to = select.value;
    const ok = await confirmDialog("権限の変更", `${user.username} さんの権限を「${ROLES[user.role]}」から「${ROLES[to]}」に変えます。この職員はサインインし直しになります。`, "変更する");
    if (!ok) { select.value = user.role; return; }
    await change(user, { role: to }, "権限を変更");
  });
  return el("td", {}, select);
}

function row(user) {
  const disabled = user.disabled;
  const actions = el("div", { class: "row-actions" },
    el("button", { type: "button", class: "btn", onclick: () => resetPassword(user) }, "パスワード再設定"),
    el("button", { type: "button", class: "btn", onclick: () => editLimits(user) }, "担当の制限"),
    OFFICES.length ? el("button", { type: "button", class: "btn", onclick: () => editOffices(user) }, "庁舎と権限") : null,
    disabled
      ? el("button", { type: "button", class: "btn", onclick: () => setEnabled(user, true) }, "再開する")
      : el("button", { type: "button", class: "btn danger", onclick: () => setEnabled(user, false) }, "停止する"));
  return el("tr", { class: disabled ? "is-disabled" : null, "data-user": user.username },
    el("th", { scope: "row" }, user.username, user.username === me ? el("span", { class: "muted small" }, "（あなた）") : null),
    roleCell(user),
    el("td", {}, el("span", { class: `badge ${disabled ? "bad" : "ok"}` }, disabled ? "停止中" : "有効")),
    el("td", { text: limitsText(user) }),
    OFFICES.length ? el("td", { text: officesText(user) }) : null,
    el("td", { text: date(user.created) }),
    el("td", { text: date(user.last_signin, true) }),
    el("td", {}, actions));
}

async function load() {
  const answer = await api("GET", "/api/v1/staff");
  if (!answer.ok) { say("職員一覧を読み込めませんでした", "error"); return; }
  staff = answer.data.staff;
  $("staff-rows").replaceChildren(...staff.map(row));
}

// PATCH one account; the server's refusal (last admin, a field) is said as it says it.
async function change(user, body, what) {
  const answer = await api("PATCH", `/api/v1/staff/${encodeURIComponent(user.username)}`, body);
  if (!answer.ok) { say(`${what}できませんでした: ${answer.data?.message || answer.status}`, "error"); await load(); return answer; }
  say(`${user.username} さん: ${what}しました`);
  await load();
  return answer;
}

async function setEnabled(user, enable) {
  if (!enable) {
    const ok = await confirmDialog("職員の停止", `${user.username} さんを停止します。サインイン中の画面はすぐにサインイン画面に戻り、再開するまでサインインできません。`, "停止する");
    if (!ok) return;
  }
  const answer = await api("POST", `/api/v1/staff/${encodeURIComponent(user.username)}/${enable ? "enable" : "disable"}`);
  if (!answer.ok) { say(`${enable ? "再開" : "停止"}できませんでした: ${answer.data?.message || answer.status}`, "error"); return; }
  say(`${user.username} さんを${enable ? "再開" : "停止"}しました`);
  await load();
}

function resetPassword(user) {
  const input = $("new-password");
  input.value = "";
  $("password-who").textContent = `${user.username} さん（${ROLES[user.role]}）`;
  fieldError(input, $("new-password-error"), null);
  formDialog($("password-dialog"), $("password-form"), async () => {
    if (input.value.length < config.min_password_chars) {
      fieldError(input, $("new-password-error"), `新しいパスワード: ${config.min_password_chars}文字以上にしてください。`);
      return false;
    }
    const answer = await api("PATCH", `/api/v1/staff/${encodeURIComponent(user.username)}`, { password: input.value });
    if (!answer.ok) { fieldError(input, $("new-password-error"), `新しいパスワード: ${answer.data?.message || answer.status}`); return false; }
    input.value = "";
    say(`${user.username} さんのパスワードを再設定しました`);
    await load();
    return true;
  });
  input.focus();
}

function checks(box, name, items, chosen) {
  box.replaceChildren(...items.map(({ id, label }) => {
    const input = el("input", { type: "checkbox", id: `${name}-${id}`, value: id, checked: (chosen || []).includes(id) });
    return el("label", { class: "check", for: `${name}-${id}` }, input, label);
  }));
}

function editLimits(user) {
  $("limits-who").textContent = `${user.username} さん（${ROLES[user.role]}）${user.role === "clerk" ? "" : ": 係長・管理者はどの窓口も担当できます。制限は窓口職員になったときに効きます。"}`;
  checks($("limits-areas"), "area", config.areas.map((a) => ({ id: a.id, label: a.name })), user.areas);
  checks($("limits-counters"), "counter", config.counters.map((c) => ({ id: c.id, label: `${c.id}番（${areaName[c.area] || c.area}）` })), user.counters);
  const error = $("limits-error");
  error.hidden = true;
  formDialog($("limits-dialog"), $("limits-form"), async () => {
    const picked = (box) => [...box.querySelectorAll("input:checked")].map((i) => i.value);
    const answer = await change(user, { areas: picked($("limits-areas")), counters: picked($("limits-counters")) }, "担当の制限を保存");
    if (!answer.ok) { error.textContent = `${answer.data?.field || ""}: ${answer.data?.message || answer.status}`; error.hidden = false; return false; }
    return true;
  });
}

const addFields = ["username", "role", "password"];
$("min-password").textContent = String(config.min_password_chars);
$("staff-add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  for (const name of addFields) fieldError($(`add-${name}`), $(`add-${name}-error`), null);
  const body = Object.fromEntries(addFields.map((name) => [name, form.elements[name].value]));
  const labels = { username: "ユーザー名", role: "権限", password: "初期パスワード" };
  if (!body.username.trim()) { fieldError($("add-username"), $("add-username-error"), "ユーザー名: 入力してください。"); return; }
  if (body.password.length < config.min_password_chars) {
    fieldError($("add-password"), $("add-password-error"), `初期パスワード: ${config.min_password_chars}文字以上にしてください。`);
    return;
  }
  const answer = await api("POST", "/api/v1/staff", body);
  if (!answer.ok) {
    const field = addFields.includes(answer.data?.field) ? answer.data.field : "username";
    fieldError($(`add-${field}`), $(`add-${field}-error`), `${labels[field]}: ${answer.data?.message || answer.status}`);
    return;
  }
  form.reset();
  say(`${answer.data.username} さん（${ROLES[answer.data.role]}）を追加しました`);
  await load();
});

$("offices-col").hidden = !OFFICES.length;
load();
