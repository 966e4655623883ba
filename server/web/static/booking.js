// One booking's page (/book/{token}): cancel it.
import { $, config } from "./visitor_common.js";

$("cancel")?.addEventListener("click", async () => {
  const answer = await fetch(`/api/v1/appointments/${config.token}`, { method: "DELETE" });
  if (answer.ok) location.reload();
});
