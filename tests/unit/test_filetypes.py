"""lib.filetypes: one signature table; each caller picks the types it accepts."""

from __future__ import annotations

from clinicdesk.lib.filetypes import HEIC, JPEG, PDF, PNG, TIFF, WEBP, sniff


def test_each_known_type_is_read_from_its_first_bytes() -> None:
    assert sniff(b"%PDF-1.7\n") is PDF
    assert sniff(b"\r\n junk from a mail gateway %PDF-1.4\n") is PDF  # readers look in the first 1024 bytes
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4) is PNG
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 8) is JPEG
    assert sniff(b"MM\x00*" + b"\x00" * 8) is TIFF
    assert sniff(b"RIFF\x00\x00\x00\x00WEBP") is WEBP
    assert sniff(b"\x00\x00\x00\x18ftypheic") is HEIC


def test_look_alikes_and_unknown_content_are_not_taken() -> None:
    assert sniff(b"RIFF\x00\x00\x00\x00WAVE") is None  # a sound file, not a WebP image
    assert sniff(b"\x00\x00\x00\x18ftypisom") is None  # an MP4 video, not a photo
    assert sniff(b"<!doctype html><script>") is None
    assert sniff(b"") is None


def test_a_known_type_the_caller_does_not_accept_is_refused() -> None:
    assert sniff(b"MM\x00*" + b"\x00" * 8, (JPEG, PNG, PDF)) is None
    assert sniff(b"%PDF-1.7", (JPEG, PDF)) is PDF
