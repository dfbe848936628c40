"""The fingerprint that makes two dumps "the same sound".

It hashes only what the driver says makes the sound (``Device.sound_bytes``: the payload without
channel, program address, message form, name and bytes the device ignores), together with the
device and the kind of object, so a CZ tone captured from the edit buffer and the same tone
saved to internal 1 are one patch, while a VZ voice and a VZ op-mem never collide.
"""

from __future__ import annotations

import hashlib


def fingerprint(device: str, kind: str, sound: bytes) -> bytes:
    h = hashlib.sha256()
    # Length-prefixed fields: "ab"+"c" and "a"+"bc" must not hash alike.
    for field in (device.encode(), kind.encode()):
        h.update(len(field).to_bytes(2, "big"))
        h.update(field)
    h.update(bytes(sound))
    return h.digest()


def short(fp: bytes) -> str:
    """The first 16 hex digits, enough to tell patches apart on screen."""
    return fp.hex()[:16]
