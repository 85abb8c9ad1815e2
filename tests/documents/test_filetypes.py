"""The file-type kernel: the content decides, the name is only a claim (no database)."""

from __future__ import annotations

import pytest

from clinicdesk.documents import filetypes
from tests.documents.conftest import image_bytes, pdf_bytes

LIMIT = 1024 * 1024


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("letter.pdf", pdf_bytes(), filetypes.PDF),
    ("scan.png", image_bytes("PNG"), filetypes.PNG),
    ("photo.jpeg", image_bytes("JPEG"), filetypes.JPEG),
    ("photo.JPG", image_bytes("JPEG"), filetypes.JPEG),
    ("fax.tif", image_bytes("TIFF"), filetypes.TIFF),
    ("fax.tiff", image_bytes("TIFF", pages=3), filetypes.TIFF),
    ("fax-20261129-0001", image_bytes("TIFF"), filetypes.TIFF),
    ("scan.bin", pdf_bytes(), filetypes.PDF),
])
def test_accepted_files_are_recognised_by_their_content(name: str, content: bytes,
                                                        expected: filetypes.FileType) -> None:
    assert filetypes.check(name, content, max_bytes=LIMIT) is expected


def test_a_big_endian_tiff_is_a_tiff() -> None:
    assert filetypes.detect(b"MM\x00*" + b"\x00" * 100) is filetypes.TIFF


def test_a_web_page_named_pdf_is_refused_saying_what_it_really_is() -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.check("results.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", max_bytes=LIMIT)
    assert str(refused.value) == ("“results.pdf” is named as a PDF but its content is a web page (HTML). "
                                  "It was not accepted.")


def test_a_word_document_is_refused_as_such() -> None:
    with pytest.raises(filetypes.Refused, match="ZIP archive or an Office document"):
        filetypes.check("letter.docx", b"PK\x03\x04" + b"\x00" * 200, max_bytes=LIMIT)


def test_a_program_renamed_to_jpg_is_refused() -> None:
    with pytest.raises(filetypes.Refused, match="named as a JPEG image but its content is a Windows program"):
        filetypes.check("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, max_bytes=LIMIT)


def test_a_png_named_pdf_is_refused_as_not_what_it_claims() -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.check("report.pdf", image_bytes("PNG"), max_bytes=LIMIT)
    assert "named as a PDF but its content is a PNG image" in str(refused.value)
    assert "rename it to .png" in str(refused.value)


def test_a_gif_is_refused_with_the_accepted_types_listed() -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.check("smile", b"GIF89a" + b"\x00" * 50, max_bytes=LIMIT)
    assert str(refused.value) == "“smile” is a GIF image; only PDF, PNG, JPEG and TIFF files are accepted."


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(filetypes.Refused, match="an empty file"):
        filetypes.check("scan.pdf", b"", max_bytes=LIMIT)


def test_plain_text_is_refused() -> None:
    with pytest.raises(filetypes.Refused, match="a plain text file"):
        filetypes.check("notes.txt", b"Call back Mrs Okafor", max_bytes=LIMIT)


def test_a_pdf_cut_off_in_transit_is_refused() -> None:
    whole = pdf_bytes()
    with pytest.raises(filetypes.Refused, match="cut off or damaged"):
        filetypes.check("letter.pdf", whole[: len(whole) // 2], max_bytes=LIMIT)


def test_a_file_over_the_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.check("big.pdf", b"%PDF-1.4" + b"0" * (2 * LIMIT), max_bytes=LIMIT)
    assert "is 2.0 MB; the limit is 1.0 MB" in str(refused.value)


def test_junk_before_the_pdf_header_is_tolerated_like_pdf_readers_do() -> None:
    assert filetypes.detect(b"\r\n\r\n" + pdf_bytes()) is filetypes.PDF
