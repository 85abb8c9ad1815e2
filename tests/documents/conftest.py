"""Sample files made on the spot (a real PDF from reportlab, images from Pillow) and a received document."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from clinicdesk.documents.models import Document
from clinicdesk.documents.services import document_receive
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for


def pdf_bytes(text: str = "Referral letter") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def image_bytes(fmt: str, pages: int = 1) -> bytes:
    out = io.BytesIO()
    frames = [Image.new("L", (64, 48), color=40 * i) for i in range(pages)]
    frames[0].save(out, format=fmt, save_all=pages > 1, append_images=frames[1:])
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(media_root: Path) -> Path:
    return media_root


def receive(user: User, organization: Organization, name: str = "referral.pdf", content: bytes | None = None,
            source: str = "upload") -> Document:
    return document_receive(actor=actor_for(user), organization=organization, filename=name,
                            content=pdf_bytes() if content is None else content, source=source)


@pytest.fixture
def document(frontdesk: User, org: Organization) -> Document:
    return receive(frontdesk, org)

