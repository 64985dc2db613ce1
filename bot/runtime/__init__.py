"""How the service runs, knowing nothing of conversations: clock.py (the one injected
clock), lanes.py (one serial worker per key), priority.py (webhooks first), events.py
(domain events published after commit), logs.py (JSON lines, no text or user ids),
gc_tuning.py. Imports nothing of the project.
"""
