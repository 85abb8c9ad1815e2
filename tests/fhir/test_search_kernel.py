"""The pure parts of search: date parameters and token values (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from clinicdesk.fhir.dates import DateParam, DateParamError, date_lookups, parse_date_param
from clinicdesk.fhir.search import alternatives, token


@pytest.mark.parametrize(("raw", "expected"), [
    ("1980-05-17", DateParam("eq", date(1980, 5, 17), date(1980, 5, 17))),
    ("1980", DateParam("eq", date(1980, 1, 1), date(1980, 12, 31))),
    ("ge1980-02", DateParam("ge", date(1980, 2, 1), date(1980, 2, 29))),
    ("lt2023-02", DateParam("lt", date(2023, 2, 1), date(2023, 2, 28))),
    ("eb1990-06-01T10:00:00Z", DateParam("eb", date(1990, 6, 1), date(1990, 6, 1))),
])
def test_a_date_value_stands_for_the_range_of_its_precision(raw: str, expected: DateParam) -> None:
    assert parse_date_param(raw) == expected


@pytest.mark.parametrize("raw", ["1980-13", "1980-02-30", "80-01-01", "ap1980", "xx1980", "", "1980-1-1"])
def test_a_bad_date_value_is_an_error(raw: str) -> None:
    with pytest.raises(DateParamError):
        parse_date_param(raw)


def test_each_prefix_compares_with_the_right_end_of_the_range() -> None:
    year = parse_date_param
    assert date_lookups(year("gt1980")) == ({"gt": date(1980, 12, 31)}, False)
    assert date_lookups(year("le1980")) == ({"lte": date(1980, 12, 31)}, False)
    assert date_lookups(year("ge1980")) == ({"gte": date(1980, 1, 1)}, False)
    assert date_lookups(year("ne1980")) == ({"gte": date(1980, 1, 1), "lte": date(1980, 12, 31)}, True)


def test_token_values_split_on_the_first_unescaped_bar() -> None:
    assert token("urn:x|123") == ("urn:x", "123")
    assert token("123") == (None, "123")
    assert token("|123") == ("", "123")
    assert token(r"a\|b|c") == ("a|b", "c")


def test_alternatives_split_on_unescaped_commas() -> None:
    assert alternatives("male,female") == ["male", "female"]
    assert alternatives(r"Smith\, Jr,Jones") == ["Smith, Jr", "Jones"]
    assert alternatives("a,,b") == ["a", "b"]


def test_instant_params_read_dates_in_the_practice_zone_and_need_a_zone_with_a_time() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import pytest

    from clinicdesk.fhir.dates import DateParamError
    from clinicdesk.fhir.instants import parse_instant_param, window_of

    chicago = ZoneInfo("America/Chicago")
    day = parse_instant_param("ge2026-12-07", chicago)
    assert (day.prefix, day.lo, day.hi) == ("ge", datetime(2026, 12, 7, tzinfo=chicago),
                                            datetime(2026, 12, 8, tzinfo=chicago))
    moment = parse_instant_param("lt2026-12-07T16:00Z", chicago)
    assert moment.lo.isoformat() == "2026-12-07T16:00:00+00:00"
    assert window_of([day, moment]) == (day.lo, moment.lo)
    for bad in ("2026-12-07T10:00:00", "9999-12-31", "xx2026", "2026-02-30"):
        with pytest.raises(DateParamError):
            parse_instant_param(bad, chicago)
    with pytest.raises(DateParamError):
        window_of([parse_instant_param("ne2026", chicago)])
