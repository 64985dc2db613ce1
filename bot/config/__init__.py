"""Configuration: what the operator set, parsed and checked before anything starts.

settings.py (the dataclasses and their defaults), loading.py (TOML file, environment,
errors with file:line), locate.py (the line a dotted key is written on), values.py (one
parser per kind of value: durations, HH:MM, dates and ranges, ports, URLs), errors.py, and
the configured rules that are values too:
organizations.py (opening hours and the open-time arithmetic), ack_policy.py (when
follow-ups, reminders and escalations fall due), retention.py (how long data is kept).

Imports only bot.runtime (the clock's zone) and the standard library: everything else
may read configuration, configuration reads nothing of theirs.
"""
