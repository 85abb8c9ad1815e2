"""ORU^R01 (unsolicited observation result) → patients, orders, observations and reports.

Structure (v2.3–2.5.1): MSH, [SFT], { [PID, [PD1], [{NTE}], [PV1, [PV2]]], { [ORC], OBR, [{NTE}],
{ [OBX], [{NTE}] } } }, [DSC]. Segments we do not use (SFT, PD1, PV1, NK1, SPM, CTI, Z-segments...) are
accepted and skipped; Z-segments are kept raw on the message for site-specific handling.

OBR-2 placer order number, OBR-3 filler order number (EI: entity id ^ namespace), OBR-4 universal service id
(required), OBR-7 observation date/time, OBR-16 ordering provider (XCN), OBR-22 results reported date/time,
OBR-25 result status (table 0123). ORC-2/ORC-3 stand in for missing OBR-2/OBR-3, ORC-12 for OBR-16.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .datatypes import Coded, Provider, Timestamp, ts_field
from .errors import REQUIRED_FIELD_MISSING, SEGMENT_SEQUENCE_ERROR, TABLE_VALUE_NOT_FOUND, HL7Error, Location
from .header import Header, check_header
from .message import Message, Segment
from .observation import Encapsulated, Observation, read_observation_noted
from .patient import Patient, read_patient

ORDER_STATUSES = {
    "O": "order received", "I": "no results yet", "S": "scheduled", "A": "some results", "P": "preliminary",
    "C": "corrected", "R": "not verified", "F": "final", "X": "cannot be done", "Y": "no order", "Z": "no record",
}


@dataclass(frozen=True)
class Order:
    set_id: str
    placer_number: str
    filler_number: str
    service: Coded
    observed_at: Timestamp | None
    reported_at: Timestamp | None
    result_status: str
    ordering_provider: Provider | None
    observations: tuple[Observation, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatientResult:
    patient: Patient
    orders: tuple[Order, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultMessage:
    header: Header
    results: tuple[PatientResult, ...]
    z_segments: tuple[Segment, ...] = ()

    @property
    def reports(self) -> list[tuple[Order, Observation, Encapsulated]]:
        """Encapsulated documents (OBX type ED, e.g. the lab's PDF report), with their order."""
        return [(o, obs, v) for r in self.results for o in r.orders for obs in o.observations
                for v in obs.values if isinstance(v, Encapsulated)]


@dataclass
class _OrderDraft:
    obr: Segment
    orc: Segment | None
    notes: list[str] = field(default_factory=list)
    observations: list[tuple[Segment, list[str]]] = field(default_factory=list)


def _note(nte: Segment) -> str:
    """NTE-3 comment (FT, repeating: one line per repetition)."""
    return "\n".join(nte.text(3).split(nte.encoding.repetition)).strip()


def _order(draft: _OrderDraft) -> Order:
    obr, orc = draft.obr, draft.orc
    if not (obr.value(4, 1) or obr.value(4, 2)):
        raise HL7Error("OBR-4 universal service identifier is empty", code=REQUIRED_FIELD_MISSING,
                       location=obr.loc(4))
    status = obr.value(25).upper()
    if status and status not in ORDER_STATUSES:
        raise HL7Error(f"OBR-25 result status {status!r} is not in HL7 table 0123", code=TABLE_VALUE_NOT_FOUND,
                       location=obr.loc(25))
    provider = obr.repetitions(16)[:1] or (orc.repetitions(12)[:1] if orc else [])
    observations = [read_observation_noted(obx, tuple(n for n in notes if n)) for obx, notes in draft.observations]
    ordering = Provider.of(provider[0]) if provider else None
    return Order(
        set_id=obr.value(1),
        placer_number=obr.value(2) or (orc.value(2) if orc else ""),
        filler_number=obr.value(3) or (orc.value(3) if orc else ""),
        service=Coded.of(obr.repetitions(4)[0]),
        observed_at=ts_field(obr, 7),
        reported_at=ts_field(obr, 22),
        result_status=status,
        ordering_provider=ordering if ordering and (ordering.id or ordering.name.family) else None,
        observations=tuple(observations),
        notes=tuple(n for n in draft.notes if n),
    )


def read_oru(message: Message) -> ResultMessage:
    return read_oru_checked(message, check_header(message))


def read_oru_checked(message: Message, header: Header) -> ResultMessage:
    """``read_oru`` for a message whose header is already checked (``header = check_header(message)``)."""
    groups: list[tuple[Segment, list[str], list[_OrderDraft]]] = []
    orc: Segment | None = None
    z_segments: list[Segment] = []
    for seg in message.segments[1:]:
        if seg.name == "PID":
            groups.append((seg, [], []))
        elif seg.name == "ORC":
            orc = seg
        elif seg.name == "OBR":
            if not groups:
                raise HL7Error("OBR before any PID: a result must name its patient", code=SEGMENT_SEQUENCE_ERROR,
                               location=seg.loc())
            groups[-1][2].append(_OrderDraft(seg, orc))
            orc = None
        elif seg.name == "OBX":
            if not groups or not groups[-1][2]:
                raise HL7Error("OBX outside an order (no OBR before it)", code=SEGMENT_SEQUENCE_ERROR,
                               location=seg.loc())
            groups[-1][2][-1].observations.append((seg, []))
        elif seg.name == "NTE" and groups:
            orders = groups[-1][2]
            target = (orders[-1].observations[-1][1] if orders and orders[-1].observations
                      else orders[-1].notes if orders else groups[-1][1])
            target.append(_note(seg))
        elif seg.name.startswith("Z"):
            z_segments.append(seg)
    if not groups:
        raise HL7Error("ORU^R01 has no PID segment", code=SEGMENT_SEQUENCE_ERROR, location=Location("PID"))
    results = tuple(
        PatientResult(read_patient(pid), tuple(_order(d) for d in drafts), tuple(n for n in notes if n))
        for pid, notes, drafts in groups
    )
    if not any(r.orders for r in results):
        raise HL7Error("ORU^R01 has no OBR segment", code=SEGMENT_SEQUENCE_ERROR, location=Location("OBR"))
    return ResultMessage(header, results, tuple(z_segments))
