"""Fixtures for the live MIDI tests: a private JACK server, the ``live-toy`` test device (in
this process through the registry, in ``syxkit emulate`` subprocesses through a real
``syxkit.devices`` entry point: a dist-info folder put on their PYTHONPATH), and emulator
subprocesses that say when they are ready.

The JACK server runs in synchronous mode (``-S``): measured on a loaded machine, the default
asynchronous mode lost the MIDI events of any period in which a Python client's process
callback came late (an xrun), about one request in 15; with ``-S`` a late client delays the
cycle instead and nothing was lost in 100 requests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from livehelpers import EmulatorProcess, syxkit_cmd  # noqa: E402,F401  (re-exported)
from livetoy import LiveToy  # noqa: E402

from syxkit.devices import registry  # noqa: E402

JACKD_ARGS = ["-S", "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "256"]
NOT_INSTALLED = "jackd is not installed (apt-get install jackd2; ./scripts/test installs it as root)"


@pytest.fixture(scope="session")
def jack_server(tmp_path_factory):
    """A JACK server of our own (its own name, so a user's server is left alone); clients in
    this process and in subprocesses find it through JACK_DEFAULT_SERVER."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip(NOT_INSTALLED)
    from syxkit.midi.jack_backend import open_client
    from syxkit.midi.ports import PortError

    name = f"syxkit-test-{os.getpid()}"
    log_path = tmp_path_factory.mktemp("jack") / "jackd.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([jackd, "-n", name, *JACKD_ARGS], stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, JACK_NO_AUDIO_RESERVATION="1"))
    old = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.skip(f"jackd could not start (exit {proc.returncode}): "
                        f"{log_path.read_text(errors='replace')[-400:]}")
        try:
            open_client("syxkit-test-probe").close()
            break
        except PortError:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                log.close()
                pytest.skip(f"jackd did not answer within 15 s: {log_path.read_text(errors='replace')[-400:]}")
            time.sleep(0.1)
    yield name
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
    if old is None:
        os.environ.pop("JACK_DEFAULT_SERVER", None)
    else:
        os.environ["JACK_DEFAULT_SERVER"] = old


@pytest.fixture(scope="session")
def plugin_env(tmp_path_factory) -> dict[str, str]:
    """Environment for subprocesses: live-toy registered through a real entry point."""
    root = tmp_path_factory.mktemp("plugin")
    dist = root / "syxkit_livetoy-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: syxkit-livetoy\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[syxkit.devices]\nlive-toy = livetoy:LiveToy\n")
    paths = [str(root), str(HERE), os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))


@pytest.fixture
def toy_device():
    dev = registry.register(LiveToy)
    yield dev
    registry.unregister(dev.id)


@pytest.fixture(scope="session")
def session_toy_device():
    dev = registry.register(LiveToy)
    yield dev
    registry.unregister(dev.id)


