"""Filed results for the screen and FHIR tests: Bob's CMP (glucose H, later corrected), his PDF report, and
repeated CBCs for Alice (hemoglobin over time) built from the captured-style fixtures."""

from __future__ import annotations

from datetime import date

from django.test import override_settings

from clinicdesk.labs.filing import hl7_file
from clinicdesk.labs.models import InboundMessage, ResultMatch
from clinicdesk.labs.services import hl7_receive
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient
from tests.labs.conftest import msa
from tests.protocols.hl7v2.helpers import fixture

CMP = fixture("labcorp_251_cmp.hl7")  # LS000042 SYNTHETIC^BOB 1965-07-01 M; glucose 105 H
CORRECTED = fixture("corrected_result_251.hl7")  # same order LC-99002: glucose corrected to 95
PDF = fixture("pdf_report_251.hl7")  # the lab's PDF report for LC-99002
CBC = fixture("quest_231_cbc.hl7")  # MRN 4471 TESTPATIENT^ALICE 1980-02-14 F; HGB 10.9 L


def file(org: Organization, raw: bytes) -> list[ResultMatch]:
    """Receive and file ``raw`` for ``org`` (named, since other practices may exist in the test)."""
    with override_settings(CLINICDESK_HL7_ORGANIZATION=org.pk):
        assert msa(hl7_receive(raw=raw, peer="10.0.0.7:1"))[1] == "AA"
    control_id = raw.split(b"|")[9].decode()
    return hl7_file(inbound=InboundMessage.objects.get(control_id=control_id))


def bob(org: Organization, **fields: object) -> Patient:
    values = {"family_name": "Synthetic", "given_name": "Bob", "birth_date": date(1965, 7, 1), "sex": "male"}
    mrn = str(fields.pop("mrn", "LS000042"))
    patient = make_patient(org, **(values | fields))
    Patient.objects.filter(pk=patient.pk).update(mrn=mrn)
    patient.refresh_from_db()
    return patient


def alice(org: Organization) -> Patient:
    patient = make_patient(org, family_name="Testpatient", given_name="Alice", birth_date=date(1980, 2, 14),
                           sex="female")
    Patient.objects.filter(pk=patient.pk).update(mrn="LS4471")
    patient.refresh_from_db()
    return patient


def cbc(n: int, *, day: str, hgb: str, flag: str = "L") -> bytes:
    """Alice's CBC number ``n`` collected on ``day`` (YYYYMMDD) with this hemoglobin."""
    raw = CBC.replace(b"|Q0000123456|", f"|Q-TREND-{n}|".encode()).replace(b"QL-77001", f"QL-8{n:04d}".encode())
    raw = raw.replace(b"20250313090000", f"{day}090000".encode())
    return raw.replace(b"|10.9|g/dL|12.0-15.5|L|", f"|{hgb}|g/dL|12.0-15.5|{flag}|".encode())
