"""The socket-mode client's text frames: what RFC 6455 §5.2 says a client sends (masked, with
the length in 7, 16 or 64 bits), decoded here independently of the encoder."""

from __future__ import annotations

import struct

import pytest

from handlers.slack.sockets import masked_text_frame


def decode(frame: bytes) -> tuple[int, str]:
    """(opcode, text) of one masked frame; asserts FIN and the mask bit."""
    b1, b2 = frame[0], frame[1]
    assert b1 & 0x80 and b2 & 0x80, "FIN and MASK set"
    n, at = b2 & 0x7F, 2
    if n == 126:
        (n,), at = struct.unpack("!H", frame[2:4]), 4
    elif n == 127:
        (n,), at = struct.unpack("!Q", frame[2:10]), 10
    key, body = frame[at : at + 4], frame[at + 4 :]
    assert len(body) == n
    return b1 & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(body)).decode("utf-8")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70001])
def test_a_frame_of_any_length_decodes_to_its_text(size: int) -> None:
    text = ("ack ünïcode " * (size // 12 + 1))[:size]
    opcode, decoded = decode(masked_text_frame(text))
    assert opcode == 0x1 and decoded == text


def test_each_frame_has_its_own_mask() -> None:
    frames = {masked_text_frame('{"envelope_id": "e1"}') for _ in range(8)}
    assert len(frames) > 1  # a fixed mask would let a proxy be poisoned (RFC 6455 §10.3)
