"""Casio CZ family driver (device id ``casio-cz``): tones in receive and fetched forms, CZ-1
tones with name and operation memories, requests, control messages; decode/encode through one
parameter table; convert, split, join and rename.

Builders for the protocol work live in :mod:`syxkit.devices.casio_cz.messages`.
"""

from syxkit.devices.casio_cz.device import CasioCZ

DEVICE = CasioCZ()

__all__ = ["DEVICE", "CasioCZ"]
