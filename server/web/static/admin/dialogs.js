// The console's dialogs (<dialog>, modal: focus stays inside, Escape cancels): a
// confirmation for destructive actions, and a form dialog that resolves with its submit.
import { $ } from "./console.js";

// Resolves true when the user confirms; the cancel button has the focus first.
export function confirmDialog(title, text, okLabel) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// Opens a dialog whose form submits to `onSubmit` (an async function answering true to
// close it, false to keep it open, e.g. to show a field's error).
export function formDialog(dialog, form, onSubmit) {
  for (const button of dialog.querySelectorAll("[data-close]")) {
    button.onclick = () => dialog.close();
  }
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (await onSubmit()) dialog.close();
  };
  dialog.showModal();
}

// A field's error under it, announced, and the field marked invalid (null clears it).
export function fieldError(input, errorBox, text) {
  errorBox.textContent = text || "";
  errorBox.hidden = !text;
  if (text) { input.setAttribute("aria-invalid", "true"); input.focus(); } else input.removeAttribute("aria-invalid");
}
