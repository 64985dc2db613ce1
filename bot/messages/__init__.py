"""Words for clients kept outside code: the message catalogue (catalogue.toml, Japanese
required, English second) and which language a conversation speaks.

Imports only bot.config (its errors), flows (the state that holds the chosen language) and
storage types.
"""
