// Web Push for the ticket page: with the visitor's permission, the service worker (/sw.js)
// and a push subscription made with the server's key, posted for this ticket, so that the
// notice comes with the page closed (server/push/). Asked only after the visitor pressed
// the alerts button; without support, the page's own alerts still work.
const PUSH_KEY = "madoguchi.push";

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

// Subscribes this browser for the ticket's notices; answers true once the server has it.
export async function subscribePush(token) {
  if (!pushSupported() || Notification.permission !== "granted") return false;
  try {
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      const answer = await fetch("/api/v1/push/key");
      const { key } = await answer.json();
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key),
      });
    }
    const { endpoint, keys } = subscription.toJSON();
    const posted = await fetch(`/api/v1/visitor/${encodeURIComponent(token)}/push`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } } }),
    });
    if (posted.status === 201) localStorage.setItem(PUSH_KEY, token);
    return posted.status === 201;
  } catch (e) {
    return false; // no push service reachable (or refused): the page alerts while open
  }
}

export function isSubscribed(token) {
  return localStorage.getItem(PUSH_KEY) === token;
}
