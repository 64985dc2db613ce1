"""Households (issue 20): a relative's conversation, an invitation for the person at home,
and the person's consent before anything links them.

- `codes`: what an invitation code looks like (8 characters without look-alikes, shown as
  XXXX-XXXX), how a loosely typed one is read, and the web link's token;
- `invitations`: the desk's jobs (invite, revoke, make a household by hand), audited, each
  refusing with `Refusal` when it does not apply;
- `consent`: a code-shaped message, checked before any flow step in every mode, the
  consent question, and what 「はい」 and 「いいえ」 do;
- `guesses`: the limit on wrong code-shaped messages per contact and per web address.

The rows are in storage/households.py; what staff read, storage/read_side/household.py.
May import bot.promises, bot.handoff, bot.delivery, bot.messages, bot.config, bot.runtime,
flows and storage; bot.conversation (the turn's context) only as a type. See
docs/architecture.md, "Households".
Nothing here ever tells a client who else is in the household, nor anything they wrote.
"""
