"""Yamaha DTXtreme IIs drum trigger module (device id ``yamaha-dtxtreme2``).

Bulk dumps ``F0 43 7D 0n bcM bcL "DTXT" type index number data csum F7`` for system (SYS0),
drum kits (OKI2), chains (OCH0), songs (OSG1, several packets when large, nibbled) and stacks
(VCE0, nibbled), and dump requests ``F0 43 7D 2n "DTXT" type numM numL F7``. The data tables are
not published for the IIs, so payloads stay opaque bytes. Numbers are 0-based as on the wire
(the panel shows them + 1). Python builders for transfers: :mod:`.builders`.
"""

from syxkit.devices.yamaha_dtx.driver import YamahaDTXtreme2

DEVICE = YamahaDTXtreme2

__all__ = ["DEVICE", "YamahaDTXtreme2"]
