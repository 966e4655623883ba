// The visitor's pre-entry form (/t/{token}/form): fields from the form's definition, in the
// ticket's language; every change is saved (autosave) and answered with the normalised
// values (hiragana becomes katakana, era dates ISO dates) or with errors naming the field.

import { el } from "./dom.js";

const config = JSON.parse(document.getElementById("form-config").textContent);
const API = `/api/v1/visitor/${config.token}/form`;
const SAVE_AFTER_MS = 1200;
const $ = (id) => document.getElementById(id);
const state = { form: null, values: {}, timer: null, saving: null, locked: false };

function t(key, fields = {}) {
  return (config.messages[key] || key).replace(/\{(\w+)\}/g, (_, n) => String(fields[n] ?? ""));
}
function local(texts) {
  if (!texts) return "";
  if (texts[config.lang]) return texts[config.lang];
  if (config.lang.startsWith("ja")) return texts.ja;
  return texts.en || texts.ja;
}
function status(text, kind = "info") { const s = $("status"); s.textContent = text; s.dataset.kind = kind; }

const INPUT = {
  date: { inputmode: "text", autocomplete: "off", placeholder: "1985-04-01 / 昭和60年4月1日" },
  phone: { inputmode: "tel", autocomplete: "tel", type: "tel" },
  postal_code: { inputmode: "numeric", autocomplete: "postal-code", placeholder: "164-8501" },
  integer: { inputmode: "numeric" },
  kana: { autocomplete: "off" },
  address: { autocomplete: "street-address" },
};

function fieldNode(field, value, path) {
  const id = `f-${path.replace(/[^a-z0-9]/gi, "-")}`;
  const label = el("label", { for: id }, local(field.labels), field.required ? el("span", { class: "req", text: t("required") }) : null);
  let input;
  if (field.type === "choice") {
    input = el("select", { id, name: path }, el("option", { value: "", text: t("choose") }),
      field.options.map((o) => el("option", { value: o.value, text: local(o.labels), selected: o.value === value })));
  } else {
    input = el("input", { id, name: path, value: value ?? "", maxlength: field.max_length || null, ...(INPUT[field.type] || {}), "aria-describedby": `${id}-error` });
  }
  input.disabled = state.locked;
  input.addEventListener("input", () => { if (field.type === "postal_code") postal(field, input); schedule(); });
  input.addEventListener("change", () => save(false));
  const help = field.help && local(field.help) ? el("p", { class: "help", text: local(field.help) }) : null;
  return el("div", { class: `field type-${field.type}`, "data-field": path }, label, help, input, el("p", { class: "error", id: `${id}-error`, role: "alert" }));
}

function render() {
  const form = $("form");
  const nodes = [];
  for (const field of state.form.fields) {
    if (field.type !== "list") { nodes.push(fieldNode(field, state.values[field.id], field.id)); continue; }
    const items = state.values[field.id] || [];
    const set = el("fieldset", { "data-field": field.id }, el("legend", { text: local(field.labels) }));
    items.forEach((item, n) => {
      set.append(el("div", { class: "member", "data-item": n },
        el("h3", {}, t("member", { n: n + 1 }), state.locked ? null : el("button", { type: "button", class: "remove", text: t("remove_member"), onclick: () => { collect(); state.values[field.id].splice(n, 1); render(); save(false); } })),
        field.fields.map((sub) => fieldNode(sub, item[sub.id], `${field.id}[${n}].${sub.id}`))));
    });
    if (!state.locked && items.length < (field.max_items || 10)) {
      set.append(el("button", { type: "button", class: "add", id: `add-${field.id}`, text: t("add_member"), onclick: () => { collect(); (state.values[field.id] ||= []).push({}); render(); } }));
    }
    nodes.push(set);
  }
  if (!state.locked) nodes.push(el("button", { type: "submit", class: "primary", id: "submit", text: t("submit") }));
  form.replaceChildren(...nodes);
}

function collect() {
  const values = {};
  for (const field of state.form.fields) {
    if (field.type === "list") {
      values[field.id] = (state.values[field.id] || []).map((_, n) => Object.fromEntries(field.fields.map((sub) => [sub.id, document.querySelector(`[name="${field.id}[${n}].${sub.id}"]`)?.value ?? ""])));
    } else values[field.id] = document.querySelector(`[name="${field.id}"]`)?.value ?? "";
  }
  state.values = values;
  return values;
}

function schedule() { clearTimeout(state.timer); state.timer = setTimeout(() => save(false), SAVE_AFTER_MS); }

function showErrors(errors) {
  for (const node of document.querySelectorAll(".field")) { node.dataset.invalid = "false"; node.querySelector(".error").textContent = ""; }
  for (const error of errors) {
    const node = document.querySelector(`.field[data-field="${CSS.escape(error.field)}"]`);
    if (node) { node.dataset.invalid = "true"; node.querySelector(".error").textContent = error.message; }
  }
}

// Normalised values replace what was typed, except in the field being typed in.
function applyValues(values) {
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) {
      value.forEach((item, n) => { for (const [sub, v] of Object.entries(item)) setValue(`${key}[${n}].${sub}`, v); });
    } else setValue(key, value);
  }
}
function setValue(name, value) {
  const input = document.querySelector(`[name="${CSS.escape(name)}"]`);
  if (input && input !== document.activeElement && value !== undefined && value !== null) input.value = String(value);
}

async function save(complete) {
  if (state.locked) return;
  clearTimeout(state.timer);
  const values = collect();
  status(t("saving"));
  let answer;
  try {
    answer = await fetch(API, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ values, complete }) });
  } catch { status(t("save_failed"), "error"); return; }
  const data = await answer.json().catch(() => ({}));
  if (answer.status === 409) { state.locked = true; render(); status(data.message || t("confirmed"), "error"); return; }
  if (answer.status === 422 && data.errors) {
    showErrors(data.errors);
    applyValues(data.values || {});
    status(t("has_errors", { n: data.errors.length }), "error");
    if (complete) document.querySelector('.field[data-invalid="true"] input, .field[data-invalid="true"] select')?.focus();
    return;
  }
  if (!answer.ok) { status(data.message || t("save_failed"), "error"); return; }
  showErrors([]);
  applyValues(data.values);
  const time = new Date(data.saved_at).toLocaleTimeString(config.lang.startsWith("ja") ? "ja-JP" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  if (complete) status(data.missing.length ? t("missing", { n: data.missing.length }) : t("done"), data.missing.length ? "error" : "info");
  else status(t("saved", { time }));
}

let lastPostal = "";
async function postal(field, input) {
  const digits = input.value.replace(/[^0-9０-９]/g, "");
  if (digits.length !== 7 || digits === lastPostal || !field.fills) return;
  lastPostal = digits;
  const answer = await fetch(`/api/v1/postal/${encodeURIComponent(digits)}?lang=${config.lang}`);
  const node = document.querySelector(`.field[data-field="${field.id}"]`);
  if (!answer.ok) {
    const data = await answer.json().catch(() => ({}));
    node.dataset.invalid = "true";
    node.querySelector(".error").textContent = data.message || "";
    return;
  }
  const found = await answer.json();
  node.dataset.invalid = "false";
  node.querySelector(".error").textContent = "";
  const target = document.querySelector(`[name="${field.fills}"]`);
  if (target && (!target.value.trim() || !target.value.startsWith(found.address))) {
    if (!target.value.trim() || target.dataset.filled === target.value) {
      target.value = found.address;
      target.dataset.filled = found.address;
    }
  }
  status(t("postal_found", { address: found.address }));
  schedule();
}

async function start() {
  $("intro").textContent = t("intro");
  $("back").textContent = t("back");
  $("back").href = `/t/${config.token}`;
  if (!config.has_form) { status(t("no_form")); return; }
  status(t("loading"));
  const answer = await fetch(API);
  if (answer.status === 409) { status(t("closed")); return; }  // the visit is over: form_closed
  if (!answer.ok) { status(t("no_form"), "error"); return; }
  const data = await answer.json();
  state.form = data.form;
  state.values = data.values || {};
  state.locked = data.confirmed || !["waiting", "called", "serving", "absent"].includes(data.ticket.status);
  $("ticket-number").textContent = data.ticket.number;
  $("form-title").textContent = local(data.form.titles);
  render();
  status(data.confirmed ? t("confirmed") : state.locked ? t("closed") : "");
  $("form").addEventListener("submit", (event) => { event.preventDefault(); save(true); });
}
start();
