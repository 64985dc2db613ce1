// An intake record (what the flow asked) as a definition list, in the counselor's words.
// The fields and their order come from the server (flows/intake.py `Intake`, sent as
// `intake_fields` in every page's data): this script keeps no list of its own.

import { PAGE, el, has, t } from "./common.js";

const FIELDS = PAGE.intake_fields ?? [];

function intakeValue(value) {
  if (Array.isArray(value)) return value.map(intakeValue).join("、");
  const key = `intake_values.${value}`;
  return has(key) ? t(key) : String(value);
}

// The answered fields as <dt>/<dd> pairs, or one muted <dd> when nothing was answered.
export function intakeItems(intake) {
  const items = [];
  for (const field of FIELDS) {
    const value = (intake ?? {})[field];
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    items.push(el("dt", {}, t(`intake_fields.${field}`)), el("dd", {}, intakeValue(value)));
  }
  return items.length ? items : [el("dd", { class: "muted" }, t("conversation.no_intake"))];
}

export function intakeList(intake) {
  return el("dl", { class: "intake" }, ...intakeItems(intake));
}

// The intake in a few words, for one line: 「家族のこと · 母 · 40代 · 10年より長い」. A choice
// by its label; words written instead of a choice stay text, cut short; skips say nothing.
// `fields`: the few that say the most in one line (a choice of the page, not the record's list).
export function intakeBrief(intake, fields = ["who", "relationship", "age_band", "duration", "wishes"]) {
  const words = [];
  for (const field of fields) {
    const value = (intake ?? {})[field];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== "string" || !item || item === "_skip") continue;
      if (has(`intake_values.${item}`)) words.push(t(`intake_values.${item}`));
      else words.push(item.length > 16 ? `${item.slice(0, 15)}…` : item);
    }
  }
  return words.join(" · ");
}
