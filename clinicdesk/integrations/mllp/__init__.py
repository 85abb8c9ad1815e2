"""MLLP (HL7 v2's Minimal Lower Layer Protocol): framing and a TCP listener (one ``selectors`` loop per process;
several processes on one port with ``processes.py``). Transport only: what a message means and what to answer is
``clinicdesk.labs.services.hl7_receive(_many)``."""

from .framing import END, START, FrameReader, FrameTooLarge, frame
from .server import MLLPServer

__all__ = ["END", "START", "FrameReader", "FrameTooLarge", "MLLPServer", "frame"]
