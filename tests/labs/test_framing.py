"""MLLP framing against a socket that delivers bytes in whatever pieces the network chooses."""

from __future__ import annotations

import socket
from typing import cast

import pytest

from clinicdesk.integrations.mllp import FrameReader, FrameTooLarge, frame


class Pieces:
    """A stand-in socket: ``recv`` returns the given chunks one by one, then end of stream."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def recv(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def frames(*chunks: bytes, max_bytes: int = 1000) -> list[bytes]:
    reader = FrameReader(cast(socket.socket, Pieces(*chunks)), max_bytes)
    out = []
    while (payload := reader.next_frame()) is not None:
        out.append(payload)
    return out


def test_one_frame_split_into_single_bytes_including_the_end_marker() -> None:
    data = frame(b"MSH|one\r")
    assert frames(*(data[i:i + 1] for i in range(len(data)))) == [b"MSH|one\r"]


def test_several_frames_in_one_read_and_one_across_reads() -> None:
    data = frame(b"a") + frame(b"b") + frame(b"c")
    assert frames(data[:6], data[6:]) == [b"a", b"b", b"c"]


def test_bytes_outside_frames_are_dropped() -> None:
    assert frames(b"\r\n garbage", frame(b"a") + b"\n\n", b"noise" + frame(b"b")) == [b"a", b"b"]


def test_a_frame_abandoned_by_a_new_start_byte_is_dropped() -> None:
    assert frames(b"\x0bhalf a mess", b"age" + frame(b"whole")) == [b"whole"]


def test_an_unterminated_frame_at_end_of_stream_is_not_a_message() -> None:
    assert frames(frame(b"a") + b"\x0bunfinished") == [b"a"]


def test_a_frame_over_the_limit_raises_with_its_head_even_before_it_ends() -> None:
    with pytest.raises(FrameTooLarge) as big:
        frames(b"\x0bMSH|" + b"x" * 600, b"x" * 600)
    assert big.value.head.startswith(b"MSH|") and big.value.size > 1000 and big.value.limit == 1000
    with pytest.raises(FrameTooLarge):
        frames(frame(b"y" * 1001))
    assert frames(frame(b"y" * 1000)) == [b"y" * 1000]


def test_a_long_run_of_start_bytes_is_dropped_without_exhausting_the_stack() -> None:
    assert frames(b"\x0b" * 100_000 + frame(b"a"), max_bytes=200_000) == [b"a"]
