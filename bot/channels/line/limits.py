"""LINE's own limits (the Messaging API's): the flows are checked against them (through
`LineChannel.limits`), the renderer and the simulator keep within them."""

from __future__ import annotations

from flows.limits import MessageLimits

MAX_TEXT_UTF16 = 5000  # a text message, in UTF-16 code units
MAX_CHOICES = 13  # quick-reply buttons under one message
MAX_LABEL_CHARS = 20  # a quick-reply button's label
MAX_DATA_CHARS = 300  # a postback's data
MAX_MESSAGES_PER_CALL = 5  # messages in one reply or push call

LIMITS = MessageLimits(
    channel="LINE",
    text_units=MAX_TEXT_UTF16,
    choices=MAX_CHOICES,
    label_chars=MAX_LABEL_CHARS,
    data_chars=MAX_DATA_CHARS,
)
