"""Reading fixtures and ACKs in tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixed_id() -> str:
    return "ACK0001"


def ack_fields(ack: str) -> dict[str, list[str]]:
    """Segment id → its fields (MSH shifted so that index n is MSH-n, like every other segment)."""
    segments: dict[str, list[str]] = {}
    for line in ack.split("\r"):
        if line:
            parts = line.split("|")
            segments[parts[0]] = ["MSH", "|", *parts[1:]] if parts[0] == "MSH" else parts
    return segments
