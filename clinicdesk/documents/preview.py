"""Images through Pillow: a deeper check of received images, and TIFF pages as PNG (browsers do not show TIFF).

Pillow comes with reportlab; it is imported here only, lazily, so the rest of the app does not depend on it.
"""

from __future__ import annotations

import io

MAX_PREVIEW_SIDE = 2000  # pixels: a fax page at 200 dpi is 1728 wide


def image_problem(content: bytes) -> str | None:
    """Why Pillow cannot read this image (damaged, cut off, absurdly large), or None when it can."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except Image.DecompressionBombError:
        return "is too large an image to open safely"
    except Exception:  # Pillow raises many kinds for damaged files; all mean "cannot be read"
        return "is damaged or cut off and cannot be opened"
    return None


def page_count(content: bytes) -> int:
    """How many pages (frames) an image has: a fax TIFF often has several."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        return int(getattr(image, "n_frames", 1))


def tiff_page_png(content: bytes, page: int = 0) -> tuple[bytes, int]:
    """One page of a (multi-page, fax) TIFF as PNG, scaled down to a screen size, and the number of pages."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        pages = getattr(image, "n_frames", 1)
        image.seek(max(0, min(page, pages - 1)))
        frame = image.convert("L" if image.mode in ("1", "L", "I;16") else "RGB")
        frame.thumbnail((MAX_PREVIEW_SIDE, MAX_PREVIEW_SIDE))
        out = io.BytesIO()
        frame.save(out, format="PNG", optimize=False)
    return out.getvalue(), pages
