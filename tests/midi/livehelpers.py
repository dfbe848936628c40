"""Helpers for the live MIDI tests, in a module of their own: ``from conftest import …`` is
ambiguous when several test folders with a conftest run in one pytest call."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time

from syxkit.midi.jack_backend import open_client


def syxkit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "syxkit", *args]


class EmulatorProcess:
    """``syxkit emulate … --json`` in its own process; ``ready`` is its first JSON line."""

    def __init__(self, args: list[str], env: dict[str, str], timeout: float = 20.0):
        self.proc = subprocess.Popen(syxkit_cmd("emulate", *args, "--json"), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"syxkit emulate did not start: {err}")
        self.ready = json.loads(line)
        self.pid = self.proc.pid

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM) -> dict:
        """Stop it; returns its 'stopped' JSON line (with the saved file, if any)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=15)
        assert self.proc.returncode == 0, err
        lines = [json.loads(x) for x in out.splitlines() if x.strip()]
        return lines[-1]


def wait_for_connection(port: str, timeout: float = 15.0) -> None:
    """Wait until something is connected to the JACK port ``port``."""
    client = open_client("syxkit-test-watch")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.get_all_connections(port):
                return
            time.sleep(0.05)
        raise AssertionError(f"nothing connected to {port} within {timeout} s")
    finally:
        client.close()
