"""Everything that changes a conversation, each change ONE transaction on the writer.

receive.py (a channel's events committed before the platform's 200, lanes woken),
dispatcher.py (each person's events in order, once), turn.py (one client event: safety,
then a family's invitation code, then the flow engine or, once a human owns it,
acknowledgements), desk.py (what staff do: answer, accept, resolve, invite),
deadline.py (a due follow-up, reminder or escalation), context.py,
flow_loading.py.

May import bot.households, bot.promises, bot.handoff, bot.delivery, bot.messages, bot.config,
bot.runtime, flows and storage; never a channel.
"""
