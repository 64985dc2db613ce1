"""The seam to the channels, and everything outbound.

channel.py (the neutral Inbound/Outgoing messages, the Channel and Transport protocols
with each channel's limits and reply window, the optional capabilities such as Replier,
the registry type), say.py (transcript + outbox rows in the conversation's transaction),
outcome.py (what a committed write leaves to do: wake the sender, arm deadlines, publish
events), sender.py (outbox rows through their channel's transport, exactly once), held.py
(its writes for a row that cannot go: held pushes, a give-up, the counselor's alert),
allowance.py (the month's pushes). See docs/architecture.md for where each rule lives.

May import bot.config, bot.runtime and storage; never a channel.
"""
