"""The seam to the channels, and everything outbound.

channel.py (the neutral Inbound/Outgoing messages, the Channel and Transport protocols,
the registry type), say.py (transcript + outbox rows in the conversation's transaction),
outcome.py (what a committed write leaves to do: wake the sender, arm deadlines, publish
events), sender.py (outbox rows through their channel's transport, exactly once).

May import bot.config, bot.runtime and storage; never a channel.
"""
