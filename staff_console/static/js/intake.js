// An intake record (what the flow asked) as a definition list, in the counselor's words.

import { el, has, t } from "./common.js";

export const INTAKE_FIELDS = [
  "who",
  "relationship",
  "organisation",
  "age_band",
  "duration",
  "wishes",
  "contact_preference",
  "contact_time",
  "notes",
];

function intakeValue(value) {
  if (Array.isArray(value)) return value.map(intakeValue).join("、");
  const key = `intake_values.${value}`;
  return has(key) ? t(key) : String(value);
}

export function intakeList(intake) {
  const items = [];
  for (const field of INTAKE_FIELDS) {
    const value = (intake ?? {})[field];
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    items.push(el("dt", {}, t(`intake_fields.${field}`)), el("dd", {}, intakeValue(value)));
  }
  return el(
    "dl",
    { class: "intake" },
    ...(items.length ? items : [el("dd", { class: "muted" }, t("conversation.no_intake"))]),
  );
}
