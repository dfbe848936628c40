"""Novation K-Station family driver (K-Station, A-Station, KS-4 / KS-5 / KS-Rack).

Modules: ``table`` (every byte value and the program parameter table), ``program`` (128-byte
block <-> parameters), ``messages`` (parse a header; builders for every dump and request),
``identify`` (message -> Dump), ``banks`` (addressing, pairs, banks), ``device`` (the Device).
"""

from syxkit.devices.novation_kstation.device import KStation

DEVICE = KStation

__all__ = ["DEVICE", "KStation"]
