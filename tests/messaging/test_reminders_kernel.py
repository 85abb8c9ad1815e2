"""The reminder timing kernel and the merge-field templates, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.messaging.reminders import (
    NO_QUIET_HOURS,
    QuietHours,
    Step,
    StepState,
    due_steps,
    nominal_send_time,
    plan,
    send_time,
)
from clinicdesk.messaging.templating import MERGE_FIELDS, render, render_check, template_fields

CHICAGO = ZoneInfo("America/Chicago")
QUIET = QuietHours(time(21), time(8))
WEEK, DAY, TWO_HOURS = Step(1, 10080, "email"), Step(2, 1440, "email"), Step(3, 120, "email")
STEPS = [WEEK, DAY, TWO_HOURS]


def at(y: int, m: int, d: int, hh: int, mm: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHICAGO, fold=fold)


def states(start: datetime, booked: datetime, now: datetime, steps: list[Step] = STEPS,
           quiet: QuietHours = QUIET) -> dict[int, StepState]:
    return {p.step.id: p.state for p in plan(start=start, booked_at=booked, now=now, steps=steps, tz=CHICAGO,
                                             quiet=quiet)}


START = at(2026, 12, 10, 10)  # a Thursday, 10:00 in Chicago
BOOKED = START - timedelta(days=3)


def test_booked_three_days_ahead_the_seven_day_step_is_stale_and_the_others_wait() -> None:
    assert states(START, BOOKED, BOOKED) == {1: StepState.STALE, 2: StepState.WAITING, 3: StepState.WAITING}


def test_each_step_is_due_from_its_send_time_and_never_before() -> None:
    assert states(START, BOOKED, START - timedelta(days=1, minutes=1))[2] == StepState.WAITING
    assert states(START, BOOKED, START - timedelta(days=1))[2] == StepState.DUE
    assert states(START, BOOKED, START - timedelta(hours=3))[2] == StepState.DUE
    assert states(START, BOOKED, START - timedelta(hours=2)) == {
        1: StepState.STALE, 2: StepState.SUPERSEDED, 3: StepState.DUE}


def test_a_step_exactly_at_the_booking_time_is_not_stale() -> None:
    assert states(START, START - timedelta(days=1), START - timedelta(days=1))[2] == StepState.DUE
    assert states(START, START - timedelta(days=1) + timedelta(minutes=1), START)[2] == StepState.STALE


def test_nothing_is_due_once_the_appointment_has_started() -> None:
    assert set(states(START, BOOKED, START).values()) == {StepState.STALE, StepState.PAST}
    assert due_steps(plan(start=START, booked_at=BOOKED, now=START + timedelta(minutes=5), steps=STEPS,
                          tz=CHICAGO, quiet=QUIET)) == []


def test_a_missed_burst_sends_only_the_latest_step_per_channel() -> None:
    sms_day = Step(4, 1440, "sms")
    long_ago = START - timedelta(days=30)
    got = states(START, long_ago, START - timedelta(hours=1), [WEEK, DAY, TWO_HOURS, sms_day])
    assert got == {1: StepState.SUPERSEDED, 2: StepState.SUPERSEDED, 3: StepState.DUE, 4: StepState.DUE}


def test_a_send_time_in_quiet_hours_moves_to_their_end() -> None:
    start = at(2026, 12, 10, 8, 30)
    assert send_time(start, 120, CHICAGO, QUIET) == at(2026, 12, 10, 8)  # 06:30 → 08:00
    early_day_step = at(2026, 12, 10, 7)
    assert send_time(early_day_step, 1440, CHICAGO, QUIET) == at(2026, 12, 9, 8)  # 07:00 the day before → 08:00
    late_evening = at(2026, 12, 10, 23)
    assert send_time(late_evening, 1440, CHICAGO, QUIET) == at(2026, 12, 10, 8)  # 23:00 the day before → 08:00


def test_quiet_hours_never_push_a_reminder_past_the_start_it_goes_the_evening_before() -> None:
    start = at(2026, 12, 10, 7, 30)  # 2 hours before is 05:30; 08:00 would be too late
    assert send_time(start, 120, CHICAGO, QUIET) == at(2026, 12, 9, 20, 59)
    assert states(start, at(2026, 12, 9, 12), at(2026, 12, 9, 20, 59), [TWO_HOURS]) == {3: StepState.DUE}
    # booked in the night: the evening before was already gone, so the step is not sent at all
    assert states(start, at(2026, 12, 9, 22), at(2026, 12, 10, 5, 30), [TWO_HOURS]) == {3: StepState.STALE}


def test_quiet_hours_that_do_not_wrap_midnight_and_no_quiet_hours() -> None:
    lunch = QuietHours(time(12), time(13))
    assert lunch.contains(time(12, 30)) and not lunch.contains(time(13)) and not lunch.contains(time(11, 59))
    assert send_time(at(2026, 12, 10, 14, 30), 120, CHICAGO, lunch) == at(2026, 12, 10, 13)
    assert not NO_QUIET_HOURS.contains(time(3))
    assert send_time(at(2026, 12, 10, 7), 120, CHICAGO, NO_QUIET_HOURS) == at(2026, 12, 10, 5)


def test_whole_day_steps_keep_the_wall_clock_across_the_fall_back() -> None:
    start = at(2026, 11, 2, 10)  # Monday after DST ended (Sunday, November 1, 2026)
    week_before = nominal_send_time(start, 10080, CHICAGO)
    assert week_before.astimezone(CHICAGO).replace(tzinfo=None) == datetime(2026, 10, 26, 10)
    assert start - week_before == timedelta(days=7, hours=1)  # 169 elapsed hours: the clock fell back once
    assert nominal_send_time(start, 1440, CHICAGO) == at(2026, 11, 1, 10)


def test_hour_steps_are_elapsed_time_across_the_fall_back() -> None:
    start = at(2026, 11, 1, 3)  # 09:00 UTC; the hour 01:00-02:00 happens twice that night
    sent = nominal_send_time(start, 120, CHICAGO)
    assert sent == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert sent.astimezone(CHICAGO) == at(2026, 11, 1, 1, fold=1)  # the second 01:00 (CST)


def test_a_day_step_onto_the_skipped_spring_forward_hour_lands_after_the_gap() -> None:
    start = at(2026, 3, 9, 2, 30)  # the day before, 02:30 does not exist in Chicago
    sent = nominal_send_time(start, 1440, CHICAGO)
    assert sent.astimezone(CHICAGO).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    assert send_time(start, 1440, CHICAGO, NO_QUIET_HOURS) == sent


def test_quiet_hours_end_on_the_spring_forward_morning_in_local_time() -> None:
    start = at(2026, 3, 8, 10)  # 2 hours before is 08:00 — the end of quiet hours, on the short night
    assert send_time(start, 180, CHICAGO, QUIET) == at(2026, 3, 8, 8)  # 07:00 → 08:00 CDT (13:00 UTC)
    assert at(2026, 3, 8, 8).astimezone(UTC).hour == 13


def test_templates_render_merge_fields_as_plain_text() -> None:
    text = "Dear {patient_first_name}, see {practitioner_name} at {appointment_time} <b>&{{ok}}"
    values = {"patient_first_name": "Chidi", "practitioner_name": "Dr. A & B", "appointment_time": "10:00 AM"}
    assert render(text, values) == "Dear Chidi, see Dr. A & B at 10:00 AM <b>&{ok}"
    assert template_fields(text) == ["patient_first_name", "practitioner_name", "appointment_time"]


@pytest.mark.parametrize(("text", "message"), [
    ("Hello {patient_name}", "Unknown merge field: {patient_name}"),
    ("Hello {patient_first_name.__class__}", "not a merge field"),
    ("Hello {practice_name[0]}", "not a merge field"),
    ("At {appointment_time:>20}", "without ':' or '!'"),
    ("At {appointment_time!r}", "without ':' or '!'"),
    ("Hello {}", "empty braces"),
    ("Hello {patient_first_name", "literal brace"),
])
def test_render_check_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        render_check(body=text)
    assert message in caught.value.message_dict["body"][0]


def test_render_check_accepts_every_documented_field() -> None:
    render_check(subject="{practice_name}", body=" ".join(f"{{{name}}}" for name in (
        "patient_first_name", "practice_name", "practitioner_name", "location_name", "location_address", "map_link",
        "appointment_date", "appointment_time", "instructions")))


def test_a_line_whose_merge_fields_are_all_empty_is_left_out() -> None:
    values = {name: "" for name in MERGE_FIELDS} | {"patient_first_name": "Ana", "appointment_time": "9:00 AM"}
    text = "Dear {patient_first_name},\n\nat {appointment_time}.\nConfirm: {confirm_link}\nMap: {map_link}\nBye {{x}}"
    assert render(text, values) == "Dear Ana,\n\nat 9:00 AM.\nBye {x}"
    values["confirm_link"] = "https://desk.example.org/m/l/abc"
    assert "Confirm: https://desk.example.org/m/l/abc\n" in render(text, values)
