"""The composition root: builds the service out of every other package.

keys.py (every web.AppKey, a leaf module), channels.py (the one map of registered
channels), factory.py (create_app: resources as cleanup_ctx generators), health.py,
database.py (opening the configured database, also for the staff commands), retention.py.
It may import any bot package; nothing imports it but bot.cli (and tests).

This __init__ imports nothing, so that `tobira staff` can open the database through
bot.app.database without loading aiohttp and the LINE SDK.
"""
