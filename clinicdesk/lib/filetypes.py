"""What a file is, from its first bytes (pure): the one signature table behind documents, inbox attachments and
insurance card photos. Each caller says which of these types it accepts; the name a file arrives with never
decides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG image")
JPEG = FileType("image/jpeg", "jpg", "JPEG image")
TIFF = FileType("image/tiff", "tif", "TIFF image")  # what fax servers send
WEBP = FileType("image/webp", "webp", "WebP image")
HEIC = FileType("image/heic", "heic", "HEIC photo")  # iPhone photos

HEAD_BYTES = 1024  # how much of a file ``sniff`` needs
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head: bytes, accepted: Collection[FileType] | None = None) -> FileType | None:
    """The type ``head`` (a file's first ``HEAD_BYTES``, or all of it) is, when it is one of ``accepted`` (all
    known types when None); None otherwise."""
    found = _signature(head)
    return found if found is not None and (accepted is None or found in accepted) else None


def _signature(head: bytes) -> FileType | None:
    # A PDF may have a few bytes of junk before "%PDF-" (readers search the first 1024 bytes).
    if head.startswith(b"%PDF") or b"%PDF-" in head[:HEAD_BYTES]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # RIFF is also WAV and AVI
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:  # ISO media is also MP4 and MOV
        return HEIC
    return None
