// One booking's page (/book/{token}): cancel it; on its day, check it in from the hall
// ("到着しました": from the hall's network, or with the kiosk's four-digit code, revealed
// when the server says the phone is not in the hall), then go to its ticket's page.
import { $, config, t } from "./visitor_common.js";

const api = `/api/v1/appointments/${encodeURIComponent(config.token)}`;

$("cancel")?.addEventListener("click", async () => {
  const answer = await fetch(api, { method: "DELETE" });
  if (answer.ok) location.reload();
});

function say(text) {
  const node = $("check-in-state");
  node.textContent = text;
  node.hidden = !text;
}

async function checkIn() {
  const row = $("check-in-code-row");
  const code = $("check-in-code").value.trim();
  const body = row.hidden || !code ? null : JSON.stringify({ code });
  let answer;
  try {
    answer = await fetch(`${api}/check-in`, {
      method: "POST",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ?? undefined,
    });
  } catch (e) {
    say(t("action_failed"));
    return;
  }
  const json = await answer.json().catch(() => ({}));
  if ((answer.status === 201 || answer.status === 200) && json.token) {
    say(t("arrived_done"));
    location.assign(`/t/${encodeURIComponent(json.token)}`);
    return;
  }
  if (answer.status === 403) {
    row.hidden = false; // not on the hall's network: the kiosk's code
    say(t("arrival_code_hint"));
    $("check-in-code").focus();
    return;
  }
  if (answer.status === 409) {
    location.reload(); // cancelled, or not today's any more: the page says so
    return;
  }
  say(answer.status === 422 ? t("arrival_wrong_code") : t("action_failed"));
}

$("check-in-button")?.addEventListener("click", checkIn);
$("check-in-code")?.addEventListener("keydown", (event) => {
  if (event.key === "Enter") checkIn();
});
