"""What an ORU^R01 turns into: patients, orders, observations, reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from clinicdesk.protocols.hl7v2 import Encapsulated, ResultMessage, parse
from clinicdesk.protocols.hl7v2.datatypes import Coded, Identifier, PersonName, StructuredNumeric

from .helpers import fixture


def oru(name: str) -> ResultMessage:
    result = parse(fixture(name))
    assert isinstance(result, ResultMessage)
    return result


def test_quest_style_cbc_gives_values_units_ranges_flags_and_notes() -> None:
    msg = oru("quest_231_cbc.hl7")
    assert msg.header.version == "2.3.1" and msg.header.control_id == "Q0000123456"
    [result] = msg.results
    assert result.patient.identifiers == (Identifier("4471", "LAKESIDE", "MR"),)
    assert result.patient.name == PersonName("TESTPATIENT", "ALICE", "M")
    assert result.patient.birth_date == date(1980, 2, 14) and result.patient.sex == "F"
    [order] = result.orders
    assert (order.placer_number, order.filler_number, order.result_status) == ("ORD-1001", "QL-77001", "F")
    assert order.service == Coded("CBC", "COMPLETE BLOOD COUNT", "L")
    assert order.ordering_provider is not None and order.ordering_provider.npi == "1234567893"
    assert order.observed_at is not None and order.observed_at.value == datetime(2025, 3, 13, 9, 0)
    wbc, hgb, plt = order.observations
    assert wbc.code.system == "LN" and wbc.value == Decimal("7.2") and wbc.units == Coded("10*3/uL")
    assert (hgb.reference_range, hgb.abnormal_flags, hgb.notes) == ("12.0-15.5", ("L",),
                                                                    ("Repeat in 4 weeks suggested.",))
    assert plt.abnormal_flags == ("H",) and plt.status_name == "final"


def test_labcorp_style_251_reads_npi_from_xcn_timezone_offsets_sn_and_coded_values() -> None:
    msg = oru("labcorp_251_cmp.hl7")
    [order] = msg.results[0].orders
    provider = order.ordering_provider
    assert provider is not None and provider.npi == "1234567893" and provider.name.family == "WELBY"
    assert order.observed_at is not None
    assert order.observed_at.value == datetime(2025, 3, 13, 10, 10, tzinfo=timezone(timedelta(hours=-5)))
    assert order.observed_at.value.astimezone(UTC).hour == 15
    glucose, creatinine, color, egfr = order.observations
    assert glucose.code == Coded("2345-7", "Glucose", "LN", "001818", "Glucose", "L")
    assert creatinine.value == StructuredNumeric("<", Decimal("0.5"))
    assert color.value == Coded("YEL", "Yellow", "HL70000")
    assert egfr.value == ">60"
    assert [i.type_code for i in msg.results[0].patient.identifiers] == ["MR", "SS"]


def test_repeated_pid3_and_z_segments_are_kept() -> None:
    msg = oru("hospital_lis_24_lf.hl7")
    ids = msg.results[0].patient.identifiers
    assert [(i.value, i.assigning_authority) for i in ids] == [
        ("MRN7788", "COUNTYGEN"), ("LS000077", "LAKESIDE"), ("A1234567", "ILDL")]
    assert [z.name for z in msg.z_segments] == ["ZPI", "ZLB"]
    assert msg.results[0].orders[0].ordering_provider is None


def test_escape_sequences_in_text_results_are_decoded() -> None:
    tx, ft = oru("clinic_lab_23_crlf.hl7").results[0].orders[0].observations
    assert tx.value == "Specimen A&B: benign\nRatio 1^2 | stable ~ no change \\ ok ABCD"
    assert ft.value == "Line one\nLine two" and tx.status_name == "preliminary"


def test_utf8_with_bom_and_latin1_without_charset_both_read_names_right() -> None:
    assert oru("bom_utf8_251.hl7").results[0].patient.name.family == "MÜLLER-ÅSTRÖM"
    latin = oru("latin1_no_charset_24.hl7")
    assert latin.header.charset == "latin-1" and latin.results[0].patient.name.given == "JOSÉ"


def test_corrected_result_carries_status_c_on_order_and_observation() -> None:
    [order] = oru("corrected_result_251.hl7").results[0].orders
    assert order.result_status == "C"
    assert order.observations[0].status_name == "corrected" and "previously" in order.observations[0].notes[0]


def test_pdf_report_is_decoded_to_bytes_with_its_mime_type() -> None:
    msg = oru("pdf_report_251.hl7")
    [(order, obs, doc)] = msg.reports
    assert isinstance(doc, Encapsulated) and doc.mime_type == "application/pdf"
    assert doc.data.startswith(b"%PDF-1.4") and doc.data.rstrip().endswith(b"%%EOF")
    assert order.filler_number == "LC-99002" and obs.value_type == "ED"


def test_missing_optional_fields_are_empty_not_errors() -> None:
    msg = oru("minimal_optional_missing_23.hl7")
    [order] = msg.results[0].orders
    assert (order.placer_number, order.observed_at, order.result_status) == ("", None, "")
    assert order.observations[0].values == () and order.observations[0].units is None
    assert msg.results[0].patient.birth_date is None and msg.header.sent_at is None
