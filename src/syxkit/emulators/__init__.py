"""Virtual devices: the device side of each protocol, built on the same device code, with a
memory, the real device's refusals, optional active sensing and injectable faults."""
