"""The trends kernel: reference ranges read from the lab's text, and the server-drawn sparkline."""

from __future__ import annotations

from decimal import Decimal

from clinicdesk.labs.trends import Point, Range, parse_range, sparkline


def test_reference_ranges_are_read_in_their_usual_shapes() -> None:
    assert parse_range("65-99") == Range(Decimal(65), Decimal(99))
    assert parse_range(" 3.5 - 5.0 ") == Range(Decimal("3.5"), Decimal("5.0"))
    assert parse_range("-2-2") == Range(Decimal(-2), Decimal(2))
    assert parse_range("<5") == Range(None, Decimal(5))
    assert parse_range(">=60") == Range(Decimal(60), None)
    assert parse_range(">59") == Range(Decimal(59), None)


def test_text_ranges_and_reversed_bounds_are_no_range() -> None:
    for text in ("", "negative", "99-65", "1.2.3-4", "see note"):
        assert parse_range(text) is None


def test_a_value_is_outside_a_range_past_either_bound() -> None:
    band = Range(Decimal(65), Decimal(99))
    assert band.outside(Decimal(105)) and band.outside(Decimal(64)) and not band.outside(Decimal(65))
    assert not Range(None, Decimal(5)).outside(Decimal(-100))


def test_one_value_is_no_trend() -> None:
    assert sparkline([Point(0, 1)]) == ""
    assert sparkline([]) == ""


def test_a_sparkline_draws_every_value_and_the_range_band_and_marks_flagged_values() -> None:
    svg = sparkline([Point(0, 10.9, True), Point(1, 12.5), Point(2, 13.1)], Range(Decimal(12), Decimal("15.5")),
                    label="Hemoglobin <3 values>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 3 and svg.count("#b42318") == 1
    assert "sparkline-range" in svg and "<polyline" in svg
    assert 'aria-label="Hemoglobin &lt;3 values&gt;"' in svg
    assert "<script" not in svg and "style=" not in svg


def test_equal_values_do_not_divide_by_zero() -> None:
    svg = sparkline([Point(5, 1.0), Point(5, 1.0)])
    assert svg.count("<circle") == 2 and "nan" not in svg.lower()
