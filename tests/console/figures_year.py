"""A fiscal year of a small ward's window, written as the core's reporting facts
(migration 0015's `reporting_events`), for the figures page's browser test.

Facts, not traffic: a year of real conversations through the webhook would take minutes;
the core's own tests drive known traffic through the webhook and assert every figure. What
is written here is the facts table's rows, then the daily counts the figures read made by
the core's own recount (`storage.facts.recount_days`), with known totals the test can read
back on the page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.runtime.clock import TOKYO
from storage import facts
from storage.timefmt import to_db
from storage.tx import Tx

WRITERS = ("family", "self", "supporter", "unknown")
WEIGHTS = (55, 25, 12, 8)
AGE_BANDS = ("teens", "20s", "30s", "40s")
RELATIONS = ("mother", "father", "sibling")
TOPICS = ("listen", "information", "home_visit", "employment")
AGENCIES = ("地域包括支援センター", "保健センター", "社会福祉協議会", "医療機関")


@dataclass
class Year:
    """What was written, counted as the page should count it."""

    new: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WRITERS, 0))
    by_month: dict[str, int] = field(default_factory=dict)
    answers: int = 0
    conferences: int = 0

    @property
    def total(self) -> int:
        return sum(self.new.values())


def _fact(conn: Tx, kind: str, at: datetime, **columns: object) -> None:
    names = ["kind", "at", "day", *columns]
    conn.execute(
        f"INSERT INTO reporting_events ({', '.join(names)})"
        f" VALUES ({', '.join('?' for _ in names)})",
        (kind, to_db(at), facts.local_day(at), *columns.values()),
    )


def write_year(conn: Tx, fiscal_year: int, seed: int = 22) -> Year:
    rng = random.Random(seed)
    year = Year()
    first = date(fiscal_year, 4, 1)
    conversation = 0
    for offset in range((date(fiscal_year + 1, 4, 1) - first).days):
        day = first + timedelta(days=offset)
        # A busier autumn and a quiet New Year, as a window's year looks.
        mean = 1.6 + (0.8 if day.month in (9, 10, 11) else 0) - (1.0 if day.month == 1 else 0)
        for _ in range(max(0, round(rng.gauss(mean, 1.0)))):
            conversation += 1
            hour = rng.choice((10, 11, 13, 14, 15, 16, 20, 22))
            at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=TOKYO)
            writer = rng.choices(WRITERS, WEIGHTS)[0]
            channel = "web" if rng.random() < 0.25 else "line"
            returning = rng.random() < 0.2
            if not returning:
                year.new[writer] += 1
                month = day.strftime("%Y-%m")
                year.by_month[month] = year.by_month.get(month, 0) + 1
                after_hours = int(hour >= 18)
                _fact(
                    conn,
                    "first_contact",
                    at,
                    contact_id=conversation,
                    conversation_id=conversation,
                    channel=channel,
                    writer=writer,
                    flag=after_hours,
                )
            _fact(
                conn,
                "opened",
                at,
                conversation_id=conversation,
                channel=channel,
                flag=int(returning),
            )
            for n in range(rng.randint(2, 6)):
                wait = rng.choice((1.2, 2.0, 3.1, 4.0, 7.5))
                _fact(
                    conn,
                    "ack",
                    at + timedelta(minutes=n),
                    conversation_id=conversation,
                    seconds=wait,
                    flag=int(wait <= 5),
                )
            if writer != "unknown":
                for value in (f"age_band:{rng.choice(AGE_BANDS)}", f"topic:{rng.choice(TOPICS)}"):
                    _fact(conn, "intake", at, conversation_id=conversation, value=value)
                if writer == "family":
                    _fact(
                        conn,
                        "intake",
                        at,
                        conversation_id=conversation,
                        value=f"relation:{rng.choice(RELATIONS)}",
                    )
            if rng.random() < 0.7:
                handed = at + timedelta(minutes=3)
                _fact(conn, "handed", handed, conversation_id=conversation, channel=channel)
                seconds = rng.choice((600, 1800, 5400, 9000, 20000, 40000, 100000))
                _fact(
                    conn,
                    "first_answer",
                    handed + timedelta(seconds=seconds),
                    conversation_id=conversation,
                    seconds=seconds,
                    open_seconds=seconds * (0.5 if seconds > 20000 else 1.0),
                )
                year.answers += 1
                _fact(
                    conn,
                    "resolved",
                    handed + timedelta(days=3),
                    conversation_id=conversation,
                    seconds=seconds,
                )
            if rng.random() < 0.03:
                level = rng.choice(("crisis", "crisis", "violence", "child"))
                _fact(conn, "danger", at, conversation_id=conversation, level=level)
                _fact(
                    conn,
                    "danger_answer",
                    at + timedelta(minutes=12),
                    conversation_id=conversation,
                    level=level,
                    seconds=720,
                )
        if offset % 9 == 0:
            _fact(
                conn,
                "household",
                datetime(day.year, day.month, day.day, 15, tzinfo=TOKYO),
                household_id=offset,
            )
        if offset % 45 == 30:
            _fact(
                conn,
                "bridge",
                datetime(day.year, day.month, day.day, 16, tzinfo=TOKYO),
                household_id=offset - 27,
            )
        if offset % 20 == 5:
            held = datetime(day.year, day.month, day.day, 14, tzinfo=TOKYO)
            year.conferences += 1
            _fact(conn, "conference", held, household_id=offset, value=str(year.conferences))
            for agency in rng.sample(AGENCIES, 2):
                _fact(conn, "agency", held, household_id=offset, value=agency)
            _fact(
                conn,
                "item_done",
                held + timedelta(days=20),
                household_id=offset,
                flag=int(rng.random() < 0.8),
            )
    facts.recount_days(conn)
    return year
