"""MLLP framing: ``0x0B`` message ``0x1C 0x0D``.

The reader copes with what real senders and networks do: a frame split over many reads, several frames in one
read, bytes outside any frame (line noise, a sender's keep-alive newlines: dropped), and a start byte inside an
unfinished frame (the sender gave up on it and began again: the unfinished part is dropped).
"""

from __future__ import annotations

import socket

START = b"\x0b"
END = b"\x1c\x0d"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024


def frame(payload: bytes) -> bytes:
    return START + payload + END


class FrameTooLarge(Exception):
    """A frame grew past the limit; ``head`` holds its first bytes, ``size`` how many were seen."""

    def __init__(self, head: bytes, size: int, limit: int) -> None:
        super().__init__(f"MLLP frame larger than {limit} bytes")
        self.head, self.size, self.limit = head, size, limit


class FrameReader:
    """Frames from a connected socket; ``next_frame`` returns None at a clean end of stream.

    Raises ``TimeoutError`` when the socket's timeout passes with nothing read (idle), and ``FrameTooLarge``.
    A non-blocking caller (the listener) reads the socket itself, ``feed``s what it got and ``pop``s frames.
    """

    HEAD_BYTES = 64 * 1024

    def __init__(self, sock: socket.socket, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.sock = sock
        self.max_bytes = max_bytes
        self.buffer = bytearray()
        self.in_frame = False
        self.scanned = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def pop(self) -> bytes | None:
        """The next complete frame in the buffer, or None; drops bytes outside frames."""
        buffer = self.buffer
        while True:
            if not self.in_frame:
                start = buffer.find(START)
                if start < 0:
                    buffer.clear()  # garbage only
                    return None
                del buffer[:start + 1]
                self.in_frame, self.scanned = True, 0
            # The buffer now holds the frame's content; bytes before ``scanned`` were searched already.
            end = buffer.find(END, max(self.scanned - 1, 0))
            restart = buffer.find(START, self.scanned, end if end >= 0 else len(buffer))
            if restart < 0:
                break
            del buffer[:restart + 1]  # a new frame began before this one ended: the sender abandoned it
            self.scanned = 0
        if end < 0:
            self.scanned = len(buffer)
            if len(buffer) > self.max_bytes:
                raise FrameTooLarge(bytes(buffer[:self.HEAD_BYTES]), len(buffer), self.max_bytes)
            return None
        payload = bytes(buffer[:end])
        del buffer[:end + len(END)]
        self.in_frame, self.scanned = False, 0
        if len(payload) > self.max_bytes:
            raise FrameTooLarge(payload[:self.HEAD_BYTES], len(payload), self.max_bytes)
        return payload

    def next_frame(self) -> bytes | None:
        while True:
            payload = self.pop()
            if payload is not None:
                return payload
            data = self.sock.recv(CHUNK)
            if not data:
                return None
            self.feed(data)
