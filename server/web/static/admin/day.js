// The printable end-of-day summary: its print button (the page's one script).
document.getElementById("print").addEventListener("click", () => window.print());
