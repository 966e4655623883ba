// 受付票を取る on the public page (tickets from home): shown for a service the office opens
// to it, now; asks the minutes the visitor needs to come and sends the phone's own key
// (random, kept in this browser) so that a phone holds one ticket from home per service.
import { config, t } from "./visitor_common.js";

const DEVICE_KEY = "madoguchi.device";
const MINE_KEY = "madoguchi.remote.";

function deviceKey() {
  let key = localStorage.getItem(DEVICE_KEY);
  if (!key) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    localStorage.setItem(DEVICE_KEY, key);
  }
  return key;
}

// The words for a refusal: the reason's own message where there is one.
function refusalText(body) {
  const key = body.reason ?? body.code;
  return config.messages[key] ? t(key) : t("remote_error");
}

async function take(form) {
  const service = form.dataset.service;
  const error = form.querySelector(".remote-error");
  error.hidden = true;
  const travel = Number(form.querySelector("input[name=travel]").value);
  const body = { service, channel: "online", device: deviceKey(), travel_min: travel, lang: config.lang };
  let answer;
  try {
    answer = await fetch(config.issue_url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (e) {
    error.textContent = t("remote_error");
    error.hidden = false;
    return;
  }
  const json = await answer.json().catch(() => ({}));
  if (answer.status === 201) {
    localStorage.setItem(MINE_KEY + service, json.url);
    location.assign(json.url);
    return;
  }
  error.textContent = refusalText(json);
  error.hidden = false;
}

// Called with each public view: a service's form is there while it may be taken.
export function renderRemote(service) {
  const form = document.querySelector(`form.remote[data-service="${CSS.escape(service.id)}"]`);
  if (!form) return;
  form.hidden = !service.remote;
  const mine = localStorage.getItem(MINE_KEY + service.id);
  const link = form.querySelector(".remote-mine");
  link.hidden = !mine;
  if (mine) link.querySelector("a").href = mine;
}

// The page as the server rendered it (the live channel sends only what changes after).
for (const form of document.querySelectorAll("form.remote")) {
  renderRemote({ id: form.dataset.service, remote: form.dataset.remote === "true" });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    take(form);
  });
}
