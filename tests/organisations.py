"""The two organisations most tests run with, as tobira.toml text: 福祉相談センター (welfare,
the default route) and 心理相談室 (psych, Tuesday to Friday).

The handoff, API and browser tests each had a copy that differed in a few hours; the
differences are named here, so each kind of test keeps the calendar its times were chosen
for (a 12:30 in an API test is open; in a browser test it is the lunch break).
"""

from __future__ import annotations

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def organisations(
    *,
    lunch_break: bool = True,
    national_holidays: bool = True,
    new_year_closed: bool = False,
    psych_saturdays: bool = False,
) -> str:
    """welfare on weekdays (09:00-17:00, closed 12:00-13:00 with `lunch_break`), psych
    10:00-18:00 from Tuesday (and on Saturdays with `psych_saturdays`); welfare closes for
    the New Year (12-29 to 01-03) with `new_year_closed`."""
    welfare_hours = "09:00-12:00,13:00-17:00" if lunch_break else "09:00-17:00"
    psych_days = ["tue", "wed", "thu", "fri"] + (["sat"] if psych_saturdays else [])
    welfare = ["[[organizations]]", 'id = "welfare"', 'name = "福祉相談センター"']
    if new_year_closed:
        welfare.append('closed = ["2026-12-29..2027-01-03"]')
    if national_holidays:
        welfare.append("national_holidays = true")
    welfare.append("[organizations.hours]")
    welfare += [f'{day} = "{welfare_hours}"' for day in _WEEKDAYS]
    psych = ["[[organizations]]", 'id = "psych"', 'name = "心理相談室"', "[organizations.hours]"]
    psych += [f'{day} = "10:00-18:00"' for day in psych_days]
    routing = ["[routing]", 'default = "welfare"']
    return "\n" + "\n\n".join("\n".join(part) for part in (welfare, psych, routing)) + "\n"
