"""What the client is told and the deadlines behind it.

acks.py (who answers and by when, and the burst's follow-up, reminder and escalation rows),
when_text.py (「明日（11月26日）の17時までに」), alarm.py (APScheduler rings for the earliest
row; the rows decide). The timing rules themselves are configuration
(bot/config/ack_policy.py, bot/config/organizations.py); what a due row does is a
conversation write (bot/conversation/deadline.py).

May import bot.handoff, bot.messages, bot.config, bot.runtime and storage.
"""
