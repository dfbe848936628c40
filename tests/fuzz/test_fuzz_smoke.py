"""CI smoke of the fuzz campaign (bench/fuzz.py): every target, a short run with a fixed seed
(the same inputs each time), failing on any finding. The long campaign is run by hand:
``nice .venv/bin/python bench/fuzz.py --runs 12000``."""

from __future__ import annotations

import pytest
from fuzzhelp import load_fuzz

fuzz = load_fuzz()

# Executions per target: enough to run every seed and a few hundred mutants, within about a
# minute for all targets together on a shared 2-core machine. The subprocess target costs
# ~60 ms an input and a VZ bulk (64 voices) ~40 ms, so they get fewer.
RUNS = {"cli-info": 80, "library": 150, "casio-vz.codec": 60}
DEFAULT_RUNS = 150


@pytest.mark.parametrize("name", list(fuzz.targets()))
def test_fuzz_target_smoke(name, tmp_path):
    target = fuzz.targets()[name]
    # Coverage-guided (an input reaching new code is kept): the same inputs for the same tree.
    stats = fuzz.run_target(target, RUNS.get(name, DEFAULT_RUNS), seed=1, out=tmp_path,
                            coverage=True)
    assert stats.executions >= RUNS.get(name, DEFAULT_RUNS)
    assert not stats.findings, fuzz._table([stats])


def test_every_device_has_live_targets_that_build():
    """A host plan that no longer builds (a request renamed) silently narrows the campaign:
    every device must keep at least one plan its driver accepts, and an emulator."""
    for dev in fuzz.devices():
        built = []
        for plan in fuzz.host_plans(dev):
            try:
                fuzz.make_host(dev, plan)
                built.append(plan)
            except fuzz.SYXKIT_ERRORS:
                pass
        assert built, f"{dev.id}: no host plan builds"
        assert fuzz.fresh_emulator(dev) is not None
        assert fuzz.sessions(dev.id), f"{dev.id}: no simulated session to seed from"


def test_oracle_catches_a_silent_byte_change():
    """The decode -> encode oracle is not vacuous: a driver whose encode drops the final F7
    (a silent change) is reported, and one that refuses with its own error is not."""
    from syxkit.devices import registry
    from syxkit.devices.base import DeviceError

    dev = registry.get("casio-cz")
    dump = fuzz.dumps_of(dev, dev.example())[0]

    class Dropping(type(dev)):
        def encode(self, obj):
            return super().encode(obj)[:-1]

    class Refusing(type(dev)):
        def encode(self, obj):
            raise DeviceError("refused")

    with pytest.raises(fuzz.Finding):
        fuzz.roundtrip(Dropping(), dump)
    fuzz.roundtrip(Refusing(), dump)


def test_a_hang_is_a_finding():
    def endless(data: bytes) -> None:
        while True:
            pass

    target = fuzz.Target("endless", endless, lambda: [b""])
    outcome = fuzz.execute(target, b"x", hang_seconds=0.2)
    assert outcome is not None and outcome.kind == "hang"


def test_a_foreign_exception_is_a_finding_and_own_errors_are_not():
    from syxkit.core.codecs import CodecError

    def boom(data: bytes) -> None:
        raise KeyError(data)

    def refuse(data: bytes) -> None:
        raise CodecError(0, "bad nibble")

    assert fuzz.execute(fuzz.Target("boom", boom, list), b"x").kind == "crash"
    assert fuzz.execute(fuzz.Target("refuse", refuse, list), b"x") is None


def test_a_run_is_deterministic():
    """The same seed gives the same run: what the smoke finds, it finds every time."""
    target = fuzz.targets()["casio-cz.host"]
    runs = len(target.seeds()) + 300
    first, second = (fuzz.run_target(target, runs, seed=7, coverage=True) for _ in range(2))
    assert (first.corpus, first.edges, first.executions) == (second.corpus, second.edges, second.executions)
    assert first.corpus > len(target.seeds())  # coverage guidance kept inputs beyond the seeds


def test_library_oracle_reports_a_message_lost_to_a_driver_crash():
    """The import turns a driver's exception into a file problem (the import goes on); the
    campaign still counts it: that message is not in the library."""
    from syxkit.devices import registry
    from syxkit.devices.base import Device

    class Crashing(Device):
        id = "fuzz-crashing"
        prefixes = (b"\xf0\x7d",)

        def identify(self, message):
            raise ValueError("boom")

    registry.register(Crashing)
    try:
        with pytest.raises(fuzz.Finding, match="ValueError"):
            fuzz.run_library(bytes.fromhex("F0 7D 01 02 F7"))
    finally:
        registry.unregister("fuzz-crashing")
    fuzz.run_library(bytes.fromhex("F0 7D 01 02 F7"))  # unknown maker: listed, no finding
