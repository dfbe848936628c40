"""Casio VZ family driver (VZ-1, VZ-10M, VZ-8M, Hohner HS-1/HS-2): voices, operation memories,
bulk dumps with their handshake messages, checksums, and old DOS librarian files.

Python builders for the bulk handshake protocol live in :mod:`.messages`; the one table that
drives everything is :mod:`.table`."""

from syxkit.devices.casio_vz.device import CasioVZ

DEVICE = CasioVZ()

__all__ = ["DEVICE", "CasioVZ"]
