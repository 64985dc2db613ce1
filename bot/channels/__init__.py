"""The messaging platforms, one package each: `line/`, later `web/`.

A channel implements bot/delivery/channel.py's `Channel`: its inbound routes, a normaliser
to the neutral `Inbound`, a renderer to its wire form, a transport with its own retry rules.
A channel may import the core (bot.delivery, bot.conversation types, bot.config,
bot.runtime, storage); the core never imports a channel. Channels are registered in one
map, bot/app/channels.py.
"""
