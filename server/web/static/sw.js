// The visitor's service worker: shows a Web Push notice (server/push/) while the ticket page
// is closed, and opens (or focuses) the ticket page when it is tapped. The payload is JSON:
// {title, body, url, tag}.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let notice = { title: "madoguchi", body: "", url: "/", tag: "madoguchi" };
  try {
    notice = { ...notice, ...event.data.json() };
  } catch (e) {
    if (event.data) notice.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(notice.title, {
      body: notice.body,
      tag: notice.tag,
      renotify: true,
      requireInteraction: true,
      vibrate: [300, 150, 300, 150, 600],
      data: { url: notice.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const win of windows) {
        if (win.url === url && "focus" in win) return win.focus();
      }
      return self.clients.openWindow(url);
    }),
  );
});
