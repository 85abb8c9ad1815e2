"""What a received file really is, from its bytes (pure: no Django, no storage).

The name a file arrives with is a claim; the content decides. Accepted: PDF, PNG, JPEG and TIFF (what scanners,
fax servers and phones produce). A file whose content is something else — or whose name claims one accepted type
while the content is another — is refused with a message that says which.
"""

from __future__ import annotations

from clinicdesk.lib.filetypes import JPEG, PDF, PNG, TIFF, FileType, sniff

ACCEPTED = (PDF, PNG, JPEG, TIFF)

# What a file name claims: only the extensions of accepted types count as a claim; any other name (a fax
# server's "document", "scan.bin") is judged by its content alone.
_CLAIMS = {"pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "jpe": JPEG, "jfif": JPEG, "tif": TIFF, "tiff": TIFF}

# Common things that are not accepted, to say what the file looks like instead of just "not allowed".
_OTHERS: list[tuple[bytes, int, str]] = [
    (b"GIF87a", 0, "a GIF image"), (b"GIF89a", 0, "a GIF image"), (b"WEBP", 8, "a WebP image"),
    (b"PK\x03\x04", 0, "a ZIP archive or an Office document (Word, Excel)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "an old Office document (Word, Excel)"),
    (b"MZ", 0, "a Windows program"), (b"\x7fELF", 0, "a program"), (b"{\\rtf", 0, "an RTF document"),
    (b"BM", 0, "a BMP image"), (b"ftyp", 4, "a video or HEIC photo"), (b"\x1f\x8b", 0, "a compressed archive"),
]


class Refused(ValueError):
    """The file is not accepted; ``str()`` is a message for the person who sent it."""


def detect(content: bytes) -> FileType | None:
    """The accepted type the content is, by its signature (first bytes), or None."""
    return sniff(content, ACCEPTED)


def describe(content: bytes) -> str:
    """What an unaccepted file looks like, in words ("a Word document", "a web page", "empty")."""
    if not content:
        return "an empty file"
    for signature, offset, words in _OTHERS:
        if content[offset:offset + len(signature)] == signature:
            return words
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<script" in head:
        return "a web page (HTML)"
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        return "an XML or SVG file"
    try:
        content[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "an unknown kind of file"
    return "a plain text file"


def claimed(filename: str) -> FileType | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _CLAIMS.get(extension)


def _structure_problem(kind: FileType, content: bytes) -> str | None:
    """A cheap check that the whole file arrived, beyond its first bytes."""
    if kind is PDF and b"%%EOF" not in content[-2048:]:
        return "is cut off or damaged (a PDF must end with %%EOF)"
    if kind is JPEG and len(content) < 128:
        return "is too short to be a JPEG image"
    return None


def check(filename: str, content: bytes, *, max_bytes: int) -> FileType:
    """The type of an acceptable file, or Refused with the reason in words."""
    name = filename or "The file"
    if len(content) > max_bytes:
        raise Refused(f"“{name}” is {_megabytes(len(content))}; the limit is {_megabytes(max_bytes)}. "
                      f"Scan it at a lower resolution or split it.")
    kind = detect(content)
    claim = claimed(filename)
    if kind is None:
        what = describe(content)
        if claim is not None:
            raise Refused(f"“{name}” is named as a {claim.label} but its content is {what}. It was not accepted.")
        raise Refused(f"“{name}” is {what}; only PDF, PNG, JPEG and TIFF files are accepted.")
    if claim is not None and claim is not kind:
        raise Refused(f"“{name}” is named as a {claim.label} but its content is a {kind.label}. "
                      f"Check that this is the right file, rename it to .{kind.extension} and upload it again.")
    if problem := _structure_problem(kind, content):
        raise Refused(f"“{name}” {problem}.")
    return kind


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
