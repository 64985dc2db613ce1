"""Case conferences (個別ケース検討会議, issue 21): who steers a household's support (the
lead agency and the key worker), what each agency agreed to do by when, and the reminders
that follow each open action item until it is done.

records.py (the sync jobs staff run through the desk: record a conference, finish or drop
an item, record that a summary was shared; each validated, audited, in one transaction),
reminders.py (the durable reminders: rows made with the item, each rung once by the alarm,
cancelled when the item closes). The rows are storage/conferences.py; what staff read is
storage/read_side/conferences.py.

A layer beside bot/households: the desk and the composition root call it; it may import
bot.config, bot.runtime and storage.
"""
