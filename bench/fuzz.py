"""Fuzz campaign over everything that reads bytes from outside: file readers, framing, every
driver's operations, every host protocol and emulator, the library import and ``syxkit info``.

Usage::

    python bench/fuzz.py --list                       # the targets
    python bench/fuzz.py                              # every target, 2,000 executions each
    python bench/fuzz.py --runs 12000                 # the long campaign (use `nice`)
    python bench/fuzz.py -t 'casio-cz.*' -t readers   # some targets (fnmatch patterns)
    python bench/fuzz.py --seconds 60                 # stop each target after 60 s instead
    python bench/fuzz.py --engine atheris --runs 20000  # libFuzzer through atheris (if installed)
    python bench/fuzz.py --replay FILE -t TARGET      # run one reproducer, print its finding

Options: ``--seed N`` (default 1: the same seed gives the same run, byte for byte),
``--out DIR`` (default ``fuzz-findings/``: one reproducer file per distinct finding, named
``TARGET-SIGNATURE.bin``), ``--no-coverage`` (plain mutation, about 3x faster per input),
``--json`` (the table as JSON). Exit code 1 when anything was found.

The built-in engine is a mutation fuzzer seeded from ``../shared/corpus`` (when present) and the
dumps the drivers build themselves (``Device.example()`` and what split/convert/join/fix make
of it, the bytes the emulators send and the protocols send in simulated sessions), guided by
line-edge coverage of ``src/syxkit`` (``sys.settrace``): an input that reaches new code is kept
and mutated further. ``--engine atheris`` runs each target in a child process under libFuzzer
(``pip install atheris``), with the same seeds, the same targets and the same oracles.

A finding is:

* an exception that is not one of syxkit's own error types (``SYXKIT_ERRORS`` below): those
  are the answers syxkit gives to bad input; anything else is a crash (a traceback in the CLI,
  a message lost in a library import);
* a hang: one input runs longer than the time limit (``--hang-seconds``), or a protocol or an
  emulator that never finishes (waits with no deadline, or keeps asking to be woken);
* an oracle failure: decode -> encode of a dump that changes its bytes without saying so (the
  driver must give the same bytes back, or refuse with its error), framing or a reader that
  does not keep the original bytes, a library whose ``PRAGMA integrity_check`` fails or whose
  export of the originals is not byte-exact, ``syxkit info`` that exits other than 0/1 or prints
  a traceback.

The CI smoke test (``tests/fuzz/``) runs every target briefly with a fixed seed.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # run from a checkout without an install
    sys.path.insert(0, str(SRC))
CORPUS = Path(os.environ.get("SYXKIT_CORPUS", ROOT.parent / "shared" / "corpus"))
SRC_PREFIX = str(SRC / "syxkit")

from syxkit.core.codecs import CodecError  # noqa: E402
from syxkit.core.framing import frame  # noqa: E402
from syxkit.core.readers import read_bytes  # noqa: E402
from syxkit.core.smf import SMFError  # noqa: E402
from syxkit.devices import registry  # noqa: E402
from syxkit.devices.base import Device, DeviceError, Dump, Options  # noqa: E402
from syxkit.library.store import LibraryError  # noqa: E402
from syxkit.midi.ports import PortError  # noqa: E402
from syxkit.protocols.base import TransferError  # noqa: E402

# syxkit's own answers to bad input (subclasses included: OptionError, Unsupported and every
# driver's DeviceError subclass). Any other exception escaping syxkit code is a finding.
SYXKIT_ERRORS: tuple[type[BaseException], ...] = (
    DeviceError, CodecError, SMFError, TransferError, LibraryError, PortError,
)

DEFAULT_HANG_SECONDS = 10.0
MAX_INPUT = 70_000  # the biggest real dump (an RZ-1 sample RAM capture) is 33 KB
MAX_DUMPS = 4  # dumps of one input that the driver targets work on
FILE_SEP = b"\n--syxkit-fuzz-file--\n"  # library target: one input holds several files


class Finding(Exception):
    """An oracle failure: ``key`` groups equal findings (no offsets or bytes in it)."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key


class Hang(BaseException):  # noqa: N818 - BaseException: code under test that catches
    """Raised by the per-input alarm."""  # Exception (a folder scan, say) must not swallow it


def is_syxkit_error(exc: BaseException) -> bool:
    return isinstance(exc, SYXKIT_ERRORS)


def syxkit_error_names() -> set[str]:
    """Class names of SYXKIT_ERRORS and every subclass (for errors seen only as text, in a
    library import's problem list)."""
    names, todo = set(), list(SYXKIT_ERRORS)
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


# ---------------------------------------------------------------------------------------------
# Outcomes

@dataclass
class Outcome:
    kind: str  # crash | hang | oracle
    signature: str  # stable across inputs that hit the same bug
    text: str
    trace: str = ""


def _where(tb) -> str:
    """The innermost frame of a traceback inside syxkit (else the innermost): file:line."""
    frames = traceback.extract_tb(tb)
    inside = [f for f in frames if f.filename.startswith(SRC_PREFIX)]
    f = (inside or frames or [None])[-1]
    if f is None:
        return "?"
    return f"{os.path.relpath(f.filename, SRC)}:{f.lineno}:{f.name}"


def classify(exc: BaseException) -> Outcome | None:
    """None when ``exc`` is one of syxkit's errors (a proper refusal), else the finding."""
    if isinstance(exc, Hang):
        return Outcome("hang", f"hang@{_where(exc.__traceback__)}", str(exc),
                       "".join(traceback.format_exception(exc)))
    if isinstance(exc, Finding):
        return Outcome("oracle", exc.key, str(exc), "".join(traceback.format_exception(exc)))
    if is_syxkit_error(exc):
        return None
    return Outcome("crash", f"{type(exc).__name__}@{_where(exc.__traceback__)}",
                   f"{type(exc).__name__}: {exc}"[:500], "".join(traceback.format_exception(exc)))


class _Alarm:
    """A wall-clock limit per input (SIGALRM), so an endless loop becomes a Hang."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def _fire(self, signum, frame):
        raise Hang(f"input ran longer than {self.seconds:g} s")

    def __enter__(self):
        self._old = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._old)


# ---------------------------------------------------------------------------------------------
# Coverage (edges between consecutive syxkit lines)

class Coverage:
    def __init__(self) -> None:
        self.total: set[int] = set()
        self._run: set[int] = set()
        self._prev = 0
        self._mine: dict[object, bool] = {}

    def _global(self, frame, event, arg):
        code = frame.f_code
        mine = self._mine.get(code)
        if mine is None:
            # Comprehensions are byte loops (nibble codecs): tracing their lines costs most of
            # the time and finds no branch worth keeping an input for.
            mine = self._mine[code] = (code.co_filename.startswith(SRC_PREFIX)
                                       and not code.co_name.startswith("<"))
        return self._local if mine else None

    def _local(self, frame, event, arg):
        if event == "line":
            loc = (id(frame.f_code) * 31 + frame.f_lineno) & 0xFFFFFFFF
            self._run.add(loc ^ (self._prev >> 1))
            self._prev = loc
        return self._local

    def __enter__(self):
        self._run = set()
        self._prev = 0
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc):
        sys.settrace(None)

    def new(self) -> bool:
        """Did the last run reach an edge never seen before? (and remember them)"""
        fresh = self._run - self.total
        self.total |= fresh
        return bool(fresh)


# ---------------------------------------------------------------------------------------------
# Targets

@dataclass
class Target:
    name: str
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    about: str = ""
    batch: Callable[[list[bytes]], list[Outcome | None]] | None = None  # subprocess targets
    batch_size: int = 40
    coverage: bool = True


def execute(target: Target, data: bytes, hang_seconds: float = DEFAULT_HANG_SECONDS) -> Outcome | None:
    """Run one input; None when it passed."""
    try:
        with _Alarm(hang_seconds):
            target.run(data)
    except BaseException as exc:  # noqa: BLE001 - classifying every exception is the point
        if isinstance(exc, KeyboardInterrupt):
            raise
        return classify(exc)
    return None


@cache
def devices() -> list[Device]:
    return registry.devices()


@cache
def foreign() -> list:
    return registry.foreign_readers()


def read_messages(data: bytes, path: str = "fuzz.syx"):
    return [m for src in read_bytes(data, path, foreign()) for m in src.messages]


def dumps_of(dev: Device, data: bytes) -> list[Dump]:
    out = []
    for msg in read_messages(data):
        if dev.accepts(msg.data):
            dump = dev.identify(msg)
            if dump is not None:
                out.append(dump)
    return out


def _guarded(call, *args):
    """Call a driver operation; syxkit's own errors are answers, not findings."""
    try:
        return call(*args)
    except SYXKIT_ERRORS:
        return None


# -- core ---------------------------------------------------------------------------------------

def run_framing(data: bytes) -> None:
    framed = frame(data, "fuzz")
    last_end = 0
    for msg in framed.messages:
        orig = msg.original
        if data[msg.offset:msg.offset + len(orig)] != orig:
            raise Finding("framing: a message's original bytes are not the input's bytes",
                          f"offset {msg.offset}")
        if msg.offset < last_end:
            raise Finding("framing: messages overlap", f"offset {msg.offset}")
        last_end = msg.offset + len(orig)
        if not msg.data.startswith(b"\xf0"):
            raise Finding("framing: a message does not start with F0", f"offset {msg.offset}")
        body = msg.data[1:-1] if msg.terminated else msg.data[1:]
        if any(b >= 0x80 for b in body):
            raise Finding("framing: a status byte inside a message's data", f"offset {msg.offset}")
        if msg.terminated != msg.data.endswith(b"\xf7"):
            raise Finding("framing: terminated flag disagrees with the final F7", f"offset {msg.offset}")
        if bytes(b for b in orig if b < 0xF8) != msg.data:
            raise Finding("framing: message data is not its original without real-time bytes",
                          f"offset {msg.offset}")
        _ = framed.problems_for(msg.index) if msg.index < len(framed.messages) else None


def run_readers(data: bytes) -> None:
    """Every form (raw, hex text, SMF, zip, the drivers' foreign files). read_bytes promises
    never to raise, so even syxkit's own errors are findings here."""
    try:
        sources = read_bytes(data, "fuzz.syx", foreign())
    except SYXKIT_ERRORS as exc:
        raise Finding("readers: read_bytes raised", f"{type(exc).__name__}: {exc}") from exc
    for src in sources:
        if src.form == "raw":  # offsets count in the file (a zip member's own bytes)
            for msg in src.messages:
                orig = msg.original
                if src.data[msg.offset:msg.offset + len(orig)] != orig:
                    raise Finding("readers: raw message bytes differ from the file's", f"offset {msg.offset}")
        for i in range(len(src.messages)):
            [str(p) for p in src.problems_for(i)]
        for msg in src.messages:
            registry.identify(msg)


# -- drivers ------------------------------------------------------------------------------------

def _decoded(dump: Dump, params) -> dict:
    """What ``syxkit decode --json`` writes for a dump (and ``encode`` reads back)."""
    return {"device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
            "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
            "params": params}


def _first_difference(a: bytes, b: bytes) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    x = f"{a[n]:02X}" if n < len(a) else "end"
    y = f"{b[n]:02X}" if n < len(b) else "end"
    return f"{len(a)} -> {len(b)} bytes, first difference at byte {n}: {x} -> {y}"


def roundtrip(dev: Device, dump: Dump) -> None:
    """decode -> JSON -> encode of an untouched dump gives its bytes back, or encode refuses
    with a syxkit error. Anything else changes a user's sound without saying so."""
    try:
        params = dev.decode(dump)
    except SYXKIT_ERRORS:
        return
    try:
        obj = json.loads(json.dumps(_decoded(dump, params)))
    except (TypeError, ValueError) as exc:
        raise Finding(f"{dev.id} {dump.kind}: decode output is not JSON", str(exc)) from exc
    try:
        out = dev.encode(obj)
    except SYXKIT_ERRORS:
        return
    if dump.message is None:
        return
    # As the device reads it, or as found (real-time bytes inside kept): both are the original.
    original = dump.message.data
    if out != original and out != dump.message.original:
        raise Finding(f"{dev.id} {dump.kind}: decode -> encode changed the bytes",
                      _first_difference(original, out))


def codec_target(dev: Device) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        # A few dumps per input: the rest of a 32-tone bank only repeats the same code, at
        # 5 ms a tone
        dumps = dumps_of(dev, data)[:MAX_DUMPS]
        for dump in dumps:
            dump.summary()
            [str(p) for p in dump.problems]
            for obj in dev.objects(dump):
                dev.sound_bytes(obj)
            roundtrip(dev, dump)
        dev.review(dumps)
    return run


FORMS = ("receive", "send", "pair", "program", "single", "bank", "cz1", "edit-buffer",
         "loadable", "bulk", "current", "voice", "operation-memory", "captured")
NAMES = ("FUZZ", "A", "", "  ", "NAME-TOO-LONG-FOR-ANY-DEVICE", "[/X]", "bass\u00e9", "x\x00y",
         "ABCDEFGHIJKL", "12345678")


def option_variants(dev: Device) -> list[dict]:
    out: list[dict] = [{}, {"program": 0}, {"program": 1}, {"program": 0x20}, {"program": 0x3F},
                       {"program": 0x60}, {"program": 99}, {"program": 127}, {"program": 300},
                       {"channel": 16}, {"bank": 0}, {"bank": 1}, {"bank": 4}, {"bank": 9},
                       {"bank": 2, "program": 7, "store_to_bank": True}, {"device_number": 16},
                       {"edit_buffer": True}, {"name": "FUZZ"}, {"bank_size": 8},
                       {"as_edit_buffer": True}, {"program": -1}]
    out += [{"model": m} for m in dev.models] + [{"model": "NO-SUCH"}]
    out += [{"form": f} for f in FORMS]
    return out


def ops_target(dev: Device) -> Callable[[bytes], None]:
    variants = option_variants(dev)

    def run(data: bytes) -> None:
        dumps = dumps_of(dev, data)[:4 * MAX_DUMPS]
        clean = all(d.message is not None and d.message.terminated and not d.message.problems
                    and not d.problems and not frame(d.message.original).stray for d in dumps)
        pick = zlib.crc32(data)
        opts = variants[pick % len(variants)]
        outputs = []
        if dumps:
            for op in (dev.convert, dev.split, dev.join):
                got = _guarded(op, list(dumps), Options(**opts))
                outputs += got or []
            for dump in dumps[:4]:
                _guarded(dev.fix, dump)
                for k, obj in enumerate(dev.objects(dump)[:2]):
                    part = k if dump.parts else None
                    name = NAMES[(pick >> 8) % len(NAMES)]
                    _guarded(dev.rename, dump, name, Options(index=part))
                    del obj
        # a send parses the whole file before it starts
        proto = _guarded(dev.send_protocol, data, Options())
        if proto is not None:
            proto.start(0.0)
        for out in outputs:
            if not isinstance(out.data, bytes):
                raise Finding(f"{dev.id}: an operation returned {type(out.data).__name__}, not bytes")
            # From well-formed input, what syxkit writes must be well-formed SysEx (a status
            # byte inside a message, from an option value out of range say, is a broken file
            # the device rejects). Broken input copied through is issue 13 point 6's business.
            framed = frame(out.data)
            bad = framed.stray[:1] + [p for m in framed.messages for p in m.problems][:1]
            if bad and clean:
                raise Finding(f"{dev.id}: an operation wrote malformed SysEx", f"{out.name}: {bad[0]}")
            for msg in read_messages(out.data):
                if dev.accepts(msg.data):
                    dev.identify(msg)
    return run


# -- live: host protocols and emulators --------------------------------------------------------

# (what the host does, argument, options). Names follow each device's own counting; a plan a
# driver refuses to build (a renamed request, say) is skipped, and a target with none left is
# reported by the smoke test.
HOST_PLANS: dict[str, list[tuple[str, str | None, dict]]] = {
    "casio-cz": [("request", "tone:0x20", {}), ("request", "tone:0x20", {"form": "embedded"}),
                 ("request", "tone:1", {}), ("backup", None, {"model": "CZ-101"}),
                 ("send", "example", {}), ("send", "example", {"form": "embedded"})],
    "casio-vz": [("backup", None, {"open_wait": 5}), ("send", "example", {}),
                 ("send", "bulk", {})],
    "casio-rz1": [("request", "sample-ram", {}), ("request", "rhythm-ram", {}),
                  ("send", "example", {})],
    "novation-kstation": [("request", "current", {}), ("request", "program:1:1", {}),
                          ("request", "global", {}), ("request", "pair:1:1", {}),
                          ("request", "bank:1", {}), ("send", "example", {})],
    "yamaha-dtxtreme2": [("request", "system", {}), ("request", "kit:0", {}),
                         ("request", "kit:1", {}), ("request", "song:0", {}),
                         ("backup", None, {"user_kits": 2, "chains": 1, "songs": 1, "stacks": 1}),
                         ("send", "example", {})],
}
EMULATOR_OPTIONS: dict[str, dict] = {
    "casio-cz": {"wire_rate": 0}, "casio-vz": {"send_rate": 0},
}


def host_plans(dev: Device) -> list[tuple[str, str | None, dict]]:
    return HOST_PLANS.get(dev.id, [("backup", None, {}), ("send", "example", {})])


@cache
def _send_data_for(dev_id: str, arg: str | None) -> bytes:
    return _send_data(registry.get(dev_id), arg)


def _send_data(dev: Device, arg: str | None) -> bytes:
    if arg == "bulk":
        outs = _guarded(dev.join, dumps_of(dev, dev.example() or b"") * 2, Options())
        return b"".join(o.data for o in outs or [])
    return dev.example() or b""


def make_host(dev: Device, plan: tuple[str, str | None, dict]):
    verb, arg, opts = plan
    if verb == "request":
        return dev.request_protocol(arg, Options(**opts))
    if verb == "backup":
        return dev.backup_protocol(Options(**opts))
    return dev.send_protocol(_send_data_for(dev.id, arg), Options(**opts))


def make_emulator(dev: Device, **extra):
    return dev.emulator(Options(**EMULATOR_OPTIONS.get(dev.id, {}), **extra))


@cache
def _pristine_emulator(dev_id: str):
    return make_emulator(registry.get(dev_id))


def fresh_emulator(dev: Device):
    """A new emulator in its power-on state: a copy of one built once (building one can mean
    synthesising a whole sample RAM, which would cost more than the input it is fed)."""
    return copy.deepcopy(_pristine_emulator(dev.id))


def chunks_of(stream: bytes, size_byte: int) -> list[bytes]:
    # 1-64 bytes per chunk; long streams (a 33 KB sample RAM) in proportionally bigger ones,
    # else one input costs thousands of feeds
    size = (1 + size_byte % 64) * max(1, len(stream) // 4096)
    return [stream[i:i + size] for i in range(0, len(stream), size)]


MAX_TICKS = 100_000
MAX_VIRTUAL_SECONDS = 7200.0


def drive_host(host, chunks: Iterable[bytes]) -> None:
    """Feed a host protocol the device's bytes, 10 ms apart, then let its deadlines run out.
    It must finish (result or TransferError) and never wait with no deadline."""
    now = 0.0
    step = host.start(now)
    for chunk in chunks:
        now += 0.01
        while not host.done and step.deadline is not None and step.deadline <= now:
            step = host.tick(step.deadline)
        step = host.feed(chunk, now)
    ticks = 0
    while not host.done:
        if step.deadline is None:
            raise Finding(f"{host.device}: host protocol waits with no deadline for bytes that "
                          "never come", f"step {getattr(host, 'step_name', '?')}")
        now = max(now, step.deadline)
        step = host.tick(now)
        ticks += 1
        if ticks > MAX_TICKS or now > MAX_VIRTUAL_SECONDS:
            raise Finding(f"{host.device}: host protocol never finishes",
                          f"{ticks} ticks, {now:.0f} s virtual")


def drive_emulator(emu, chunks: Iterable[bytes]) -> None:
    now = 0.0
    step = emu.start(now)
    for chunk in chunks:
        now += 0.01
        while step.deadline is not None and step.deadline <= now:
            step = emu.tick(step.deadline)
        step = emu.feed(chunk, now)
    ticks = 0
    while step.deadline is not None:
        now = max(now, step.deadline)
        step = emu.tick(now)
        ticks += 1
        if ticks > MAX_TICKS or now > MAX_VIRTUAL_SECONDS:
            raise Finding(f"{emu.device}: emulator never goes idle", f"{ticks} ticks, {now:.0f} s virtual")


def host_target(dev: Device) -> Callable[[bytes], None]:
    plans = host_plans(dev)

    def run(data: bytes) -> None:
        if len(data) < 2:
            return
        plan = plans[data[0] % len(plans)]
        try:
            host = make_host(dev, plan)
        except SYXKIT_ERRORS:
            return
        drive_host(host, chunks_of(data[2:], data[1]))
    return run


def emulator_target(dev: Device) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        if len(data) < 1:
            return
        try:
            emu = fresh_emulator(dev)
        except SYXKIT_ERRORS:
            return
        drive_emulator(emu, chunks_of(data[1:], data[0]))
    return run


class _Recorder:
    """Wraps a peer to keep the chunks it is fed (the other side's bytes, as they came)."""

    def __init__(self, peer):
        self.peer = peer
        self.fed: list[bytes] = []

    def __getattr__(self, name):
        return getattr(self.peer, name)

    def feed(self, data, now):
        self.fed.append(bytes(data))
        return self.peer.feed(data, now)


@cache
def sessions(dev_id: str) -> list[tuple[int, bytes, bytes]]:
    """Simulated sessions of each host plan against the emulator: (plan index, what the device
    sent, what the host sent). They seed both sides."""
    from syxkit.transfer.sim import SimulationHang, simulate

    dev = registry.get(dev_id)
    out = []
    for k, plan in enumerate(host_plans(dev)):
        extra = {"panel_send": "both"} if dev_id == "casio-vz" and plan[0] == "backup" else {}
        try:
            host = _Recorder(make_host(dev, plan))
            emu = make_emulator(dev, **extra)
        except SYXKIT_ERRORS:
            continue
        try:
            r = simulate(host, emu, rate=None, limit=600)
        except (SimulationHang, *SYXKIT_ERRORS):
            continue
        out.append((k, b"".join(host.fed)[:MAX_INPUT], r.host_sent[:MAX_INPUT]))
    return out


# -- seeds ----------------------------------------------------------------------------------

@cache
def corpus_files() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    return [p.read_bytes()[:MAX_INPUT] for p in files]


@cache
def built_dumps(dev_id: str) -> list[bytes]:
    """The driver's example and what its own operations make of it (and of the corpus)."""
    dev = registry.get(dev_id)
    base = [dev.example() or b""]
    base += [data for data in corpus_files() if dumps_of(dev, data)]
    # what the emulator answers and the host asks in simulated sessions: every other kind
    # (globals, banks, songs, requests …), cut into single messages
    for _, device_bytes, host_bytes in sessions(dev_id):
        for stream in (device_bytes, host_bytes):
            base += _unique(m.original for m in frame(stream).messages)[:12]
    out = list(base)
    for data in base[:24]:
        dumps = dumps_of(dev, data)
        if not dumps:
            continue
        for opts in ({}, {"program": 1}, {"model": dev.models[-1]} if dev.models else {}):
            for op in (dev.convert, dev.split, dev.join):
                outs = _guarded(op, list(dumps), Options(**opts)) or []
                out += [o.data for o in outs[:4]]
        for dump in dumps[:2]:
            fixed = _guarded(dev.fix, dump)
            if fixed:
                out.append(fixed[0])
    return _unique(d[:MAX_INPUT] for d in out if d)


def _unique(items: Iterable[bytes]) -> list[bytes]:
    return list(dict.fromkeys(items))


@cache
def all_dumps() -> list[bytes]:
    return _unique(d for dev in devices() for d in built_dumps(dev.id)[:30])


def _hex_text(data: bytes) -> bytes:
    rows = [data[i:i + 16].hex(" ").upper() for i in range(0, len(data), 16)]
    return ("# hex dump\n" + "\n".join(rows) + "\n").encode()


def _smf(messages: list[bytes]) -> bytes:
    from syxkit.library.export import smf_bytes

    return smf_bytes(messages)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@cache
def file_seeds() -> list[bytes]:
    """Every file form: raw, hex text, SMF, zip (nested too), the corpus (DOS files included)."""
    dumps = all_dumps()
    small = [d for d in dumps if len(d) < 2000][:6]
    out = list(dumps) + corpus_files()
    out += [_hex_text(d) for d in small]
    out.append(b"F0 44 00 00 70 20 60 ; comment\n0xF7, 0x00\n")
    out.append(_smf([m.data for d in small for m in frame(d).messages]))
    out.append(_zip({f"d{i}.syx": d for i, d in enumerate(small)} | {"readme.txt": b"notes\n"}))
    out.append(_zip({"inner.zip": _zip({"a.syx": small[0] if small else b""})}))
    return _unique(d[:MAX_INPUT] for d in out)


def host_seeds(dev: Device) -> list[bytes]:
    out = [bytes([k, 63]) + dev_bytes for k, dev_bytes, _ in sessions(dev.id)]
    out += [bytes([k, 7]) + dev_bytes[:3000] for k, dev_bytes, _ in sessions(dev.id)]
    out += [bytes([k, 0]) for k in range(len(host_plans(dev)))]
    return _unique(out)


def emulator_seeds(dev: Device) -> list[bytes]:
    out = [bytes([63]) + host_bytes for _, _, host_bytes in sessions(dev.id)]
    out += [bytes([5]) + host_bytes[:2000] for _, _, host_bytes in sessions(dev.id)]
    out += [bytes([63]) + d for d in built_dumps(dev.id)[:6]]
    return _unique(out)


def library_seeds() -> list[bytes]:
    files = file_seeds()
    small = [f for f in files if len(f) < 5000]
    out = [FILE_SEP.join(small[i:i + 3]) for i in range(0, len(small), 3)]
    out += [f for f in files if 5000 <= len(f) < 40000][:4]
    return _unique(out)


# -- library ----------------------------------------------------------------------------------

_FAILED = re.compile(r"(\w[\w ()-]*) failed: (\w+): ")
_TMP = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None


def run_library(data: bytes) -> None:
    """Import a folder of fuzzed files into a fresh library, then check it: integrity, no
    message lost to a driver crash, originals exported byte for byte."""
    from syxkit.library.export import export_patches
    from syxkit.library.importer import import_paths
    from syxkit.library.store import Library

    tmp = Path(tempfile.mkdtemp(prefix="syxfuzz-", dir=_TMP))
    try:
        folder = tmp / "in"
        (folder / "sub").mkdir(parents=True)
        files = {}
        for i, part in enumerate(data.split(FILE_SEP)[:6]):
            path = folder / ("sub" if i % 2 else "") / f"f{i:02d}.syx"
            path.write_bytes(part)
            files[str(path)] = part
        with Library(tmp / "lib.sqlite") as lib:
            report = import_paths(lib, [folder], workers=0)
            for f in report.files:
                for problem in f.problems:
                    m = _FAILED.search(problem)
                    if m and m.group(2) not in syxkit_error_names():
                        raise Finding(f"library: a driver call crashed during import ({m.group(1)}: "
                                      f"{m.group(2)}); the message is lost", problem[:300])
            check = lib.integrity_check()
            if check != ["ok"]:
                raise Finding("library: integrity_check failed", "; ".join(check)[:300])
            patches = lib.load_where("1 = 1", [])
            wanted = set()
            for p in patches:
                for s in p.sources:
                    orig = lib.original(s.message_id)
                    src = files.get(s.path)
                    if src is not None and s.form == "raw" and src[s.offset:s.offset + len(orig)] != orig:
                        raise Finding("library: a stored original is not the file's bytes",
                                      f"{s.path} offset {s.offset}")
                wanted.add(lib.original(p.sources[0].message_id))
            if patches:
                result = export_patches(lib, patches, tmp / "out", original=True)
                got = {Path(w).read_bytes() for w in result.written}
                if got != wanted:
                    raise Finding("library: export of the originals is not byte-exact",
                                  f"{len(got)} files written, {len(wanted)} originals")
            if zlib.crc32(data) % 4 == 0:  # the same folder again adds nothing
                again = import_paths(lib, [folder], workers=0)
                if again.new:
                    raise Finding("library: a second import of the same folder added patches",
                                  f"{again.new} new")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- syxkit info as a subprocess ------------------------------------------------------------

INFO_NAMES = ("f{i}.syx", "pad [red]hot {i}.syx", "{i}.mid", "[b] {i}.P64", "f {i}.zip")


def info_batch(inputs: list[bytes], hang_seconds: float = 120.0) -> list[Outcome | None]:
    """``syxkit info`` on a folder of files (the terminal view, then ``--json``); a failing
    batch is run again file by file to say which input fails."""
    tmp = Path(tempfile.mkdtemp(prefix="syxfuzz-info-", dir=_TMP))
    try:
        paths = []
        for i, data in enumerate(inputs):
            name = INFO_NAMES[zlib.crc32(data) % len(INFO_NAMES)].format(i=i)
            path = tmp / name
            path.write_bytes(data)
            paths.append(str(path))
        bad = _run_info(paths, hang_seconds)
        if bad is None:
            return [None] * len(inputs)
        if len(paths) == 1:
            return [bad]
        return [_run_info([p], hang_seconds) for p in paths]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_info(paths: list[str], hang_seconds: float) -> Outcome | None:
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1", PYTHONPATH=str(SRC))
    for extra in ([], ["--json"]):
        cmd = [sys.executable, "-m", "syxkit", "info", *extra, *paths]
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=hang_seconds, env=env)
        except subprocess.TimeoutExpired:
            return Outcome("hang", "info: hang", f"syxkit info {' '.join(extra)} ran over {hang_seconds} s")
        err = r.stderr.decode("utf-8", "replace")
        if "Traceback" in err or r.returncode not in (0, 1):
            last = err.strip().splitlines()[-1] if err.strip() else ""
            where = re.findall(r'File "([^"]*syxkit[^"]*)", line (\d+), in (\w+)', err)
            site = f"{os.path.relpath(where[-1][0], SRC)}:{where[-1][1]}:{where[-1][2]}" if where else "?"
            return Outcome("crash", f"info{' --json' if extra else ''}: {last.split(':')[0]}@{site}",
                           f"exit {r.returncode}: {last}"[:500], err[-3000:])
        if extra:
            try:
                json.loads(r.stdout)
            except ValueError:
                return Outcome("oracle", "info --json: not JSON", r.stdout[:300].decode("utf-8", "replace"))
    return None


# -- the registry of targets ------------------------------------------------------------------

@cache
def targets() -> dict[str, Target]:
    out = [
        Target("framing", run_framing, file_seeds, "core/framing.py: frame()"),
        Target("readers", run_readers, file_seeds, "raw, hex text, SMF, zip, foreign files"),
    ]
    for dev in devices():
        d = dev  # bind for the lambdas
        out += [
            Target(f"{d.id}.codec", codec_target(d), lambda d=d: built_dumps(d.id) + file_seeds()[:20],
                   "identify, decode -> JSON -> encode, objects, sound_bytes, review"),
            Target(f"{d.id}.ops", ops_target(d), lambda d=d: built_dumps(d.id),
                   "convert, split, join, fix, rename, send (parse)"),
            Target(f"{d.id}.host", host_target(d), lambda d=d: host_seeds(d),
                   "request/backup/send protocols fed device answers"),
            Target(f"{d.id}.emulator", emulator_target(d), lambda d=d: emulator_seeds(d),
                   "the emulator fed host bytes"),
        ]
    out += [
        Target("library", run_library, library_seeds,
               "import a fuzzed folder; integrity_check; byte-exact export"),
        Target("cli-info", lambda data: _single_info(data), file_seeds, "syxkit info subprocess",
               batch=info_batch, coverage=False),
    ]
    return {t.name: t for t in out}


def _single_info(data: bytes) -> None:
    outcome = info_batch([data])[0]
    if outcome is not None:
        raise Finding(outcome.signature, outcome.text)


# ---------------------------------------------------------------------------------------------
# Mutation

INTERESTING = (0x00, 0x01, 0x0F, 0x10, 0x3F, 0x40, 0x7E, 0x7F, 0x80, 0xF0, 0xF7, 0xF8, 0xFE, 0xFF)


def mutate(data: bytes, rng: random.Random, pool: list[bytes], max_len: int = MAX_INPUT) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
        op = rng.randrange(13)
        n = len(b)
        if n == 0:
            b += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
            continue
        i = rng.randrange(n)
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.choice(INTERESTING)
        elif op == 2:
            b[i] = rng.randrange(0x80)  # stays a data byte: reaches deeper than a status byte
        elif op == 3:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif op == 4:
            del b[i:i + rng.randrange(1, 1 + min(64, n - i))]
        elif op == 5:
            k = rng.randrange(1, 1 + min(300, n - i))
            j = rng.randrange(n)
            b[j:j] = b[i:i + k]
        elif op == 6:
            del b[rng.randrange(n):]
        elif op == 7:
            b.insert(i, rng.choice((0xF0, 0xF7, 0xF8, 0xFE)))
        elif op == 8:
            b[i] = (b[i] + rng.choice((-1, 1, 0x10, -0x10))) & 0xFF
        elif op == 9 and pool:
            other = rng.choice(pool)
            if other:
                j = rng.randrange(len(other))
                b = b[:i] + bytearray(other[j:])
        elif op == 10:
            b[i] = b[i] & 0x0F if rng.random() < 0.5 else b[i] | 0x0F  # nibble extremes
        elif op == 11:
            k = rng.randrange(1, 1 + min(8, n - i))
            b[i:i + k] = bytes(k)
        elif op == 12:
            b = b[:i] + bytearray([0xF7]) + b[i:]
    return bytes(b[:max_len])


# ---------------------------------------------------------------------------------------------
# The engine

@dataclass
class Stats:
    target: str
    executions: int = 0
    seconds: float = 0.0
    corpus: int = 0
    edges: int = 0
    findings: dict[str, tuple[Outcome, bytes]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"target": self.target, "executions": self.executions, "seconds": round(self.seconds, 1),
                "corpus": self.corpus, "edges": self.edges,
                "findings": [{"signature": s, "kind": o.kind, "text": o.text, "input_hex": d[:64].hex(),
                              "input_bytes": len(d)} for s, (o, d) in self.findings.items()]}


def _record(stats: Stats, outcome: Outcome | None, data: bytes, out: Path | None) -> None:
    if outcome is None or outcome.signature in stats.findings:
        return
    stats.findings[outcome.signature] = (outcome, data)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        tag = hashlib.sha1(outcome.signature.encode()).hexdigest()[:10]
        (out / f"{stats.target}-{tag}.bin").write_bytes(data)
        (out / f"{stats.target}-{tag}.txt").write_text(
            f"target: {stats.target}\nsignature: {outcome.signature}\n{outcome.text}\n\n{outcome.trace}")


def run_target(target: Target, runs: int, seed: int = 1, *, seconds: float | None = None,
               coverage: bool = True, out: Path | None = None,
               hang_seconds: float = DEFAULT_HANG_SECONDS,
               progress: Callable[[Stats], None] | None = None) -> Stats:
    """Fuzz one target for ``runs`` executions (seeds included) or ``seconds``."""
    stats = Stats(target.name)
    rng = random.Random(seed * 1_000_003 + zlib.crc32(target.name.encode()))
    started = time.monotonic()
    seeds = [s[:MAX_INPUT] for s in target.seeds()] or [b""]
    if seconds is None and len(seeds) > max(runs // 2, 1):
        # a short run (the CI smoke): every k-th seed, so half the budget is left for mutants
        seeds = seeds[::-(-len(seeds) // max(runs // 2, 1))]
    pool: list[bytes] = []
    cov = Coverage() if coverage and target.coverage else None

    def budget_left() -> bool:
        if seconds is not None:
            return time.monotonic() - started < seconds
        return stats.executions < runs

    if target.batch is not None:
        queue = list(seeds)
        pool = list(seeds)
        while budget_left():
            n = min(target.batch_size, runs - stats.executions) if seconds is None else target.batch_size
            batch = [queue.pop(0) if queue else mutate(rng.choice(pool), rng, pool) for _ in range(n)]
            for data, outcome in zip(batch, target.batch(batch), strict=True):
                _record(stats, outcome, data, out)
            stats.executions += len(batch)
            if progress:
                progress(stats)
    else:
        for data in seeds:  # every seed runs once, and seeds the pool
            if not budget_left() and pool:
                break
            outcome = _run_one(target, data, cov, hang_seconds)
            stats.executions += 1
            _record(stats, outcome, data, out)
            pool.append(data)
            if cov is not None:
                cov.new()  # what the seeds reach is not new for the mutants
        while budget_left():
            parent = pool[-1 - int(rng.random() ** 2 * len(pool))]  # newer entries more often
            child = mutate(parent, rng, pool)
            outcome = _run_one(target, child, cov, hang_seconds)
            stats.executions += 1
            _record(stats, outcome, child, out)
            if cov is not None and cov.new():
                pool.append(child)
            if progress and stats.executions % 500 == 0:
                progress(stats)
    stats.seconds = time.monotonic() - started
    stats.corpus = len(pool)
    stats.edges = len(cov.total) if cov is not None else 0
    return stats


def _run_one(target: Target, data: bytes, cov: Coverage | None, hang_seconds: float) -> Outcome | None:
    if cov is None:
        return execute(target, data, hang_seconds)
    with cov:
        outcome = execute(target, data, hang_seconds)
    if outcome is not None and outcome.kind == "hang":
        # Tracing slows code down; a hang must hold without it, and with more time.
        again = execute(target, data, hang_seconds * 3)
        return again if again is not None and again.kind == "hang" else None
    return outcome


# -- atheris (libFuzzer) engine ------------------------------------------------------------------

def _atheris_child(name: str, runs: int, seed: int, out: Path, hang_seconds: float, stats_file: Path) -> None:
    import atheris

    target = targets()[name]
    seeds_dir = Path(tempfile.mkdtemp(prefix=f"syxfuzz-seeds-{name}-"))
    for i, s in enumerate(target.seeds()):
        (seeds_dir / f"seed{i:04d}").write_bytes(s[:MAX_INPUT])
    stats = Stats(name)
    started = time.monotonic()

    def save() -> None:
        stats.seconds = time.monotonic() - started
        stats_file.write_text(json.dumps(stats.to_json()))

    def one(data: bytes) -> None:
        before = len(stats.findings)
        _record(stats, execute(target, data, hang_seconds), data, out)
        stats.executions += 1
        # libFuzzer ends the process with exit() from C: no atexit, so save as we go
        if stats.executions % 200 == 0 or len(stats.findings) != before:
            save()

    save()
    atheris.instrument_all()
    atheris.Setup([sys.argv[0], f"-runs={runs}", f"-seed={seed}", f"-max_len={MAX_INPUT}",
                   "-timeout=0", "-rss_limit_mb=4096", "-print_final_stats=1", str(seeds_dir)], one)
    atheris.Fuzz()


def run_atheris(target: Target, runs: int, seed: int, out: Path, hang_seconds: float) -> Stats:
    stats_file = Path(tempfile.mkstemp(prefix="syxfuzz-stats-")[1])
    cmd = [sys.executable, __file__, "--atheris-child", target.name, "--runs", str(runs),
           "--seed", str(seed), "--out", str(out), "--hang-seconds", str(hang_seconds),
           "--stats-file", str(stats_file)]
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    stats = Stats(target.name, seconds=time.monotonic() - started)
    try:
        got = json.loads(stats_file.read_text())
        stats.executions = got["executions"]
        for f in got["findings"]:
            stats.findings[f["signature"]] = (Outcome(f["kind"], f["signature"], f["text"]),
                                              bytes.fromhex(f["input_hex"]))
    except (OSError, ValueError, KeyError):
        stats.findings["atheris-child"] = (Outcome("crash", "atheris-child", r.stderr[-2000:]), b"")
    done = re.search(r"Done (\d+) runs", r.stderr)
    if done:
        stats.executions = max(stats.executions, int(done.group(1)))
        stats.findings.pop("atheris-child", None)
    stats_file.unlink(missing_ok=True)
    return stats


# ---------------------------------------------------------------------------------------------
# Command line

def _table(all_stats: list[Stats]) -> str:
    lines = [f"{'target':32} {'executions':>10} {'seconds':>8} {'corpus':>6} {'edges':>6} findings"]
    for s in all_stats:
        lines.append(f"{s.target:32} {s.executions:>10} {s.seconds:>8.1f} {s.corpus:>6} {s.edges:>6} "
                     f"{len(s.findings)}")
    total = sum(s.executions for s in all_stats)
    found = sum(len(s.findings) for s in all_stats)
    lines.append(f"{'total':32} {total:>10} {sum(s.seconds for s in all_stats):>8.1f} {'':>6} {'':>6} {found}")
    for s in all_stats:
        for sig, (o, data) in s.findings.items():
            lines.append(f"\n[{s.target}] {o.kind}: {sig}\n  {o.text}\n  input ({len(data)} bytes): "
                         f"{data[:48].hex(' ')}{' …' if len(data) > 48 else ''}")
    return "\n".join(lines)


def select(patterns: list[str] | None) -> list[Target]:
    every = targets()
    if not patterns:
        return list(every.values())
    chosen = [t for name, t in every.items() if any(fnmatch.fnmatch(name, p) for p in patterns)]
    if not chosen:
        raise SystemExit(f"no target matches {patterns}; --list shows them")
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-t", "--target", action="append", help="fnmatch pattern (repeatable)")
    ap.add_argument("--runs", type=int, default=2000, help="executions per target")
    ap.add_argument("--seconds", type=float, help="time per target instead of --runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    ap.add_argument("--no-coverage", action="store_true")
    ap.add_argument("--hang-seconds", type=float, default=DEFAULT_HANG_SECONDS)
    ap.add_argument("--engine", choices=("builtin", "atheris"), default="builtin")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--replay", type=Path, help="run one input file against the target(s)")
    ap.add_argument("--atheris-child", help=argparse.SUPPRESS)
    ap.add_argument("--stats-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.atheris_child:
        _atheris_child(args.atheris_child, args.runs, args.seed, args.out, args.hang_seconds, args.stats_file)
        return 0
    if args.list:
        for t in targets().values():
            print(f"{t.name:32} {t.about}")
        return 0
    chosen = select(args.target)
    if args.replay:
        data = args.replay.read_bytes()
        bad = 0
        for t in chosen:
            outcome = t.batch([data])[0] if t.batch else execute(t, data, args.hang_seconds)
            print(f"{t.name}: " + ("ok" if outcome is None else f"{outcome.kind}: {outcome.signature}\n{outcome.trace or outcome.text}"))
            bad += outcome is not None
        return 1 if bad else 0
    all_stats = []
    for t in chosen:
        def show(s: Stats) -> None:
            print(f"  {s.target}: {s.executions} executions, {len(s.findings)} finding(s)",
                  file=sys.stderr, flush=True)
        if args.engine == "atheris" and t.batch is None:
            stats = run_atheris(t, args.runs, args.seed, args.out, args.hang_seconds)
        else:
            stats = run_target(t, args.runs, args.seed, seconds=args.seconds,
                               coverage=not args.no_coverage, out=args.out,
                               hang_seconds=args.hang_seconds, progress=show)
        print(f"{t.name}: {stats.executions} executions in {stats.seconds:.1f} s, "
              f"{len(stats.findings)} finding(s)", file=sys.stderr, flush=True)
        all_stats.append(stats)
    if args.json:
        print(json.dumps([s.to_json() for s in all_stats], indent=2))
    else:
        print(_table(all_stats))
    return 1 if any(s.findings for s in all_stats) else 0


if __name__ == "__main__":
    sys.exit(main())
