"""HL7 v2 codec: lab results (ORU^R01) and demographics (ADT^A04/A08), versions 2.3 to 2.5.1, and their ACKs.

Pure: bytes in, frozen dataclasses and ACK text out. Framing (MLLP), storage and de-duplication live elsewhere.
"""

from .ack import build_ack
from .adt import Demographics, read_adt
from .errors import HL7Error, Location
from .inbound import Outcome, ack_for, parse, process, process_batch
from .message import Message, Segment, decode, is_batch, split_batch
from .observation import Encapsulated, Observation
from .oru import Order, PatientResult, ResultMessage, read_oru

__all__ = [
    "Demographics", "Encapsulated", "HL7Error", "Location", "Message", "Observation", "Order", "Outcome",
    "PatientResult", "ResultMessage", "Segment", "ack_for", "build_ack", "decode", "is_batch", "parse", "process",
    "process_batch", "read_adt", "read_oru", "split_batch",
]
