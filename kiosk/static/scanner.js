// The kiosk's QR reader: a camera-less scanner is a keyboard (a "keyboard wedge") that types
// what it read, then Enter, whatever screen is up. It reads two things:
// - a booking's code (six digits: 予約の方), and
// - a ticket page's address, `<public_url>/t/<token>` (a ticket from home shown on the
//   visitor's phone, or a printed ticket): the visitor has arrived.
// A scanner types a whole code in a burst; a pause longer than GAP_MS starts a new one, so
// stray keys before a scan do not spoil it.

const BOOKING = /^\d{6}$/; // server/api/appointment_routes.py CODE_DIGITS
// The ticket's token (URL-safe base64) at the end of the address; any host and path before
// it (public_url may differ from the kiosk's own address), a query or fragment after it.
const TICKET_PAGE = /\/t\/([A-Za-z0-9_-]{8,})\/?(?:[?#]\S*)?$/;
const GAP_MS = 500; // at most between two keys of one scan (a scanner: a few ms; Bluetooth: tens)
const MAX_LENGTH = 512; // longer than any ticket page's address

// What a scan (the keys typed before Enter) names: {booking: code}, {ticket: token} or null.
function readScan(typed) {
  if (BOOKING.test(typed)) return { booking: typed };
  const page = TICKET_PAGE.exec(typed);
  return page ? { ticket: page[1] } : null;
}

// Calls `booking(code)` or `ticket(token)` for each scan followed by Enter. Its Enter does
// nothing else (a button the visitor touched before keeps the focus: it is not pressed).
export function listenForScanner({ booking, ticket }) {
  let typed = "";
  let last = -Infinity;
  document.addEventListener("keydown", (event) => {
    if (event.isComposing || editable(event.target)) return;
    if (event.timeStamp - last > GAP_MS) typed = "";
    last = event.timeStamp;
    if (event.key.length === 1) {
      typed = (typed + event.key).slice(-MAX_LENGTH);
    } else if (event.key === "Enter") {
      const scan = readScan(typed);
      typed = "";
      if (!scan) return;
      event.preventDefault();
      if (scan.booking) booking(scan.booking);
      else ticket(scan.ticket);
    } else if (!["Shift", "CapsLock", "Control", "Alt", "AltGraph", "Meta"].includes(event.key)) {
      typed = ""; // Backspace, Escape, arrows…: not a scanner's
    }
  });
}

function editable(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}
