"""Running protocols: over a simulated wire in virtual time (tests, benchmarks of timing
decisions) and over real transports in real time (the only layer with I/O and clocks)."""
