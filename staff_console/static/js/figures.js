// The year in figures: the page is drawn on the server; this only follows the alerts and
// the live stream like every page, and prints the sheet (A4, static/figures.css).

import { startLivePage } from "./live_page.js";

const node = (id) => document.getElementById(id);

// Picking a month, a year or a date also picks its kind of period.
for (const [field, kind] of [["period-month", "month"], ["period-fy", "fiscal_year"], ["period-from", "dates"], ["period-to", "dates"]]) {
  node(field)?.addEventListener("input", () => {
    const radio = document.querySelector(`input[name="period"][value="${kind}"]`);
    if (radio) radio.checked = true;
  });
}
node("figures-print")?.addEventListener("click", () => window.print());

startLivePage();
