// The intake record and the handoff summary, folded to one line that opens: the page
// keeps its height for the history. Drawn by intake.js, like the review page's cards.

import { t } from "../common.js";
import { intakeBrief, intakeItems } from "../intake.js";

export function renderIntakeBox(conversation) {
  const node = (id) => document.getElementById(id);
  node("intake").replaceChildren(...intakeItems(conversation.intake));
  const summary = conversation.handoff_summary ?? conversation.summary_text ?? null;
  node("summary").textContent = summary || t("conversation.no_summary");
  node("intake-brief").textContent =
    intakeBrief(conversation.intake) || t("conversation.no_intake_short");
}
