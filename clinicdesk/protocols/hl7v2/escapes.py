"""HL7 v2 escape sequences (chapter 2, "Use of escape sequences in text fields").

Inside a field the escape character (MSH-2 position 3, normally ``\\``) brackets a code:
``\\F\\`` field separator, ``\\S\\`` component, ``\\T\\`` subcomponent, ``\\R\\`` repetition,
``\\E\\`` the escape character itself, ``\\Xhhhh\\`` bytes in hex (decoded with the message charset),
``\\.br\\`` (and ``\\.sp\\``) a line break, ``\\H\\``/``\\N\\`` highlighting on/off (dropped).
Unknown codes (``\\Zxx\\``, character-set switches ``\\C..\\``/``\\M..\\``) are dropped; an escape
character with no closing partner is kept as literal text, so decoding never fails.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Encoding:
    """The delimiters declared in MSH-1 (field separator) and MSH-2 (component, repetition, escape, subcomponent)."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def msh2(self) -> str:
        return self.component + self.repetition + self.escape + self.subcomponent


DEFAULT_ENCODING = Encoding()
_SPECIAL_BY_DEFAULT = re.compile(r"[|^~\\&\r\n]")
"""A character ``escape`` changes, with the default encoding."""


def _code(code: str, enc: Encoding, charset: str) -> str:
    simple = {"F": enc.field, "S": enc.component, "T": enc.subcomponent, "R": enc.repetition, "E": enc.escape}
    if code in simple:
        return simple[code]
    if code in (".br", ".sp") or (code.startswith(".sp") and code[3:].strip().isdigit()):
        return "\n"
    if code[:1] == "X" and len(code) > 1:
        try:
            return binascii.unhexlify(code[1:]).decode(charset, errors="replace")
        except (binascii.Error, ValueError, LookupError):
            return ""
    return ""


def unescape(text: str, enc: Encoding, charset: str = "utf-8") -> str:
    esc = enc.escape
    if not esc or esc not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        start = text.find(esc, i)
        end = text.find(esc, start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        out.append(_code(text[start + 1:end], enc, charset))
        i = end + 1
    return "".join(out)


def escape(text: str, enc: Encoding | None = None) -> str:
    """The reverse, for values we write (ACK texts, echoed application names). Newlines become ``\\.br\\``."""
    if enc is None:
        if not _SPECIAL_BY_DEFAULT.search(text):
            return text
        enc = DEFAULT_ENCODING
    elif not (enc.escape in text or enc.field in text or enc.component in text or enc.subcomponent in text
              or enc.repetition in text or "\r" in text or "\n" in text):
        return text
    pairs = ((enc.escape, "E"), (enc.field, "F"), (enc.component, "S"), (enc.subcomponent, "T"),
             (enc.repetition, "R"))
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        code = next((c for sep, c in pairs if ch == sep), None)
        if code is not None:
            out.append(f"{enc.escape}{code}{enc.escape}")
        elif ch == "\n":
            out.append(f"{enc.escape}.br{enc.escape}")
        else:
            out.append(ch)
    return "".join(out)
