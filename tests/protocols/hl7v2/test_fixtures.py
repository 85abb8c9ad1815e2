"""One test per fixture file: every file in fixtures/ has an expected answer here, and every answer a file."""

from __future__ import annotations

import pytest

from clinicdesk.protocols.hl7v2 import is_batch, process, process_batch

from .helpers import FIXTURES, NOW, ack_fields, fixture

# file → (MSA-1, ERR code, error location) for each message in it (batches have several)
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "quest_231_cbc.hl7": [("AA", "", "")],
    "labcorp_251_cmp.hl7": [("AA", "", "")],
    "hospital_lis_24_lf.hl7": [("AA", "", "")],
    "clinic_lab_23_crlf.hl7": [("AA", "", "")],
    "bom_utf8_251.hl7": [("AA", "", "")],
    "latin1_no_charset_24.hl7": [("AA", "", "")],
    "corrected_result_251.hl7": [("AA", "", "")],
    "pdf_report_251.hl7": [("AA", "", "")],
    "minimal_optional_missing_23.hl7": [("AA", "", "")],
    "adt_a04_251.hl7": [("AA", "", "")],
    "adt_a08_24.hl7": [("AA", "", "")],
    "batch_fhs_bhs_231.hl7": [("AA", "", ""), ("AE", "102", "OBX-5 (segment 4)")],
    "broken_no_msh.hl7": [("AR", "100", "MSH (segment 1)")],
    "broken_truncated.hl7": [("AR", "100", "MSH-2 (segment 1)")],
    "broken_garbage.hl7": [("AR", "100", "MSH (segment 1)")],
    "broken_bad_encoding_chars.hl7": [("AR", "102", "MSH-2 (segment 1)")],
    "broken_missing_msh10.hl7": [("AR", "101", "MSH-10 (segment 1)")],
    "broken_version_29.hl7": [("AR", "203", "MSH-12 (segment 1)")],
    "broken_orm_o01.hl7": [("AR", "200", "MSH-9.1 (segment 1)")],
    "broken_oru_r30.hl7": [("AR", "201", "MSH-9.2 (segment 1)")],
    "broken_bad_nm.hl7": [("AE", "102", "OBX-5 (segment 4)")],
    "broken_bad_date.hl7": [("AE", "102", "OBR-7 (segment 3)")],
    "broken_bad_dob.hl7": [("AE", "102", "PID-7 (segment 2)")],
    "broken_bad_base64.hl7": [("AE", "102", "OBX-5.5 (segment 4)")],
    "broken_bad_status.hl7": [("AE", "103", "OBX-11 (segment 4)")],
    "broken_missing_obx3.hl7": [("AE", "101", "OBX-3 (segment 4)")],
    "broken_missing_obx11.hl7": [("AE", "101", "OBX-11 (segment 4)")],
    "broken_missing_pid3.hl7": [("AE", "101", "PID-3 (segment 2)")],
    "broken_missing_obr4.hl7": [("AE", "101", "OBR-4 (segment 3)")],
    "broken_obx_before_obr.hl7": [("AE", "100", "OBX (segment 3)")],
}


def test_every_fixture_has_an_expectation_and_every_expectation_a_fixture() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.hl7")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_answered_as_expected(name: str) -> None:
    raw = fixture(name)
    outcomes = process_batch(raw, now=NOW) if is_batch(raw) else [process(raw, now=NOW)]
    got = [(o.error.ack_code if o.error else "AA", o.error.code if o.error else "",
            str(o.error.location) if o.error else "") for o in outcomes]
    assert got == EXPECTED[name]
    for outcome, (code, err, _) in zip(outcomes, got, strict=True):
        fields = ack_fields(outcome.ack)
        assert fields["MSA"][1] == code
        assert fields["MSA"][2] == (outcome.header.control_id if outcome.header else "")
        assert ("ERR" in fields) == bool(err)
        assert (outcome.parsed is not None) == (code == "AA")
