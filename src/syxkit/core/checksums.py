"""Checksums: the 7-bit two's-complement sum used by Yamaha and Casio."""

from __future__ import annotations


def twos_complement_7bit(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None) -> int:
    """The byte that makes ``(sum(data[start:end]) + checksum) & 0x7F == 0``."""
    return (-sum(data[start:end])) & 0x7F


def verify_twos_complement_7bit(data: bytes, checksum: int, start: int = 0, end: int | None = None) -> bool:
    return (sum(data[start:end]) + checksum) & 0x7F == 0
