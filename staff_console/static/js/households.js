// What the conversation page and the household page share about households: a member in
// words, and making an invitation, then showing its card. Built with el() (textContent
// only), like every console page.

import { api, el, label, t } from "./common.js";

// "家族（母）", "ご本人": the role, and the relation the intake recorded.
export function memberWords(member) {
  const role = label("household_role", member.role);
  if (!member.relation) return t("household.member", { role });
  return t("household.member_relation", { role, relation: label("intake_values", member.relation) });
}

// The token of a web link just made (/chat#invite=TOKEN): known in plain only now.
function tokenOf(webUrl) {
  const hash = new URL(webUrl, location.href).hash;
  return new URLSearchParams(hash.slice(1)).get("invite") ?? "";
}

// The card of an invitation: posted with the web token (a form, so that the token is in
// no address), so that its web QR code opens the chat with the invitation itself.
export function showCard(invitation) {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const form = el(
    "form",
    { method: "post", action: invitation.card_url, hidden: true },
    el("input", { type: "hidden", name: "csrf_token", value: csrf }),
    el("input", { type: "hidden", name: "token", value: tokenOf(invitation.web_url) }),
  );
  document.body.append(form);
  form.submit();
}

// Make an invitation from a conversation and show its card; the API's sentence on refusal.
export async function invite(conversationId) {
  const answer = await api("POST", `/api/v1/conversations/${conversationId}/invitations`, {});
  showCard(answer.invitation);
  return answer.invitation;
}
