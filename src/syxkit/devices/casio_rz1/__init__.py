"""Casio RZ-1 drum machine: sample RAM (four 8-bit PCM pads) and rhythm RAM dumps, in the form
the RZ-1 sends (handshake capture) and the form it loads; WAV export and import.

Builders for the protocol and emulator work: :mod:`syxkit.devices.casio_rz1.build`.
"""

from syxkit.devices.casio_rz1.device import CasioRZ1

DEVICE = CasioRZ1()

__all__ = ["DEVICE", "CasioRZ1"]
