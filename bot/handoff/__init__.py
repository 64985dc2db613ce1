"""Who handles a conversation: assignment.py (continuity, topic routing, least load, pairs,
cover during leave: who answers today) and passwords.py (staff sign-in secrets, argon2id).
Statuses live with the SQL that stores them, in storage/statuses.py.

May import bot.config, bot.runtime and storage.
"""
