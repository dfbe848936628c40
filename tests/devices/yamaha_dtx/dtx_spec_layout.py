"""Test helpers that lay DTXtreme IIs messages out byte by byte from the spec's table
(specs/yamaha-dtxtreme2.md), independently of the driver's own builders."""

from __future__ import annotations

from syxkit.core.framing import frame_messages
from syxkit.devices import registry

# The spec's synthetic example: kit, user kit 1, data "MyKit  ", checksum 0x66 from the byte count.
SPEC_EXAMPLE = bytes.fromhex("F0 43 7D 00 00 13 44 54 58 54 4F 4B 49 32 00 00 00 00 "
                             "4D 79 4B 69 74 20 20 66 F7")


def spec_bulk(type4: bytes, index: int, number: int, data: bytes, *, device_number: int = 1,
              checksum_from: int = 4, count: int | None = None, csum: int | None = None) -> bytes:
    """F0 43 7D 0n bcM bcL 'DTXT' type indM indL numM numL data csum F7."""
    if count is None:
        count = 4 + 4 + 2 + 2 + len(data)  # 'DTXT' through the last data byte
    msg = bytearray([0xF0, 0x43, 0x7D, device_number - 1, count >> 7, count & 0x7F])
    msg += b"DTXT" + type4 + bytes([index >> 7, index & 0x7F, number >> 7, number & 0x7F]) + data
    msg.append((-sum(msg[checksum_from:])) & 0x7F if csum is None else csum)
    msg.append(0xF7)
    return bytes(msg)


def spec_request(type4: bytes, number: int, *, device_number: int = 1) -> bytes:
    """F0 43 7D 2n 'DTXT' t1 t2 t3 t4 numM numL F7."""
    return (bytes([0xF0, 0x43, 0x7D, 0x20 | (device_number - 1)]) + b"DTXT" + type4
            + bytes([number >> 7, number & 0x7F, 0xF7]))


def nibbles_ms_first(payload: bytes) -> bytes:
    out = bytearray()
    for b in payload:
        out += bytes([b >> 4, b & 0x0F])
    return bytes(out)


def dumps_of(stream: bytes, source: str = ""):
    """Every message of a byte stream as the registry identifies it."""
    return [registry.identify(m) for m in frame_messages(stream, source)]


def dump_of(stream: bytes):
    (dump,) = dumps_of(stream)
    return dump


def device():
    return registry.get("yamaha-dtxtreme2")
