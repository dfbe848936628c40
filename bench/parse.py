#!/usr/bin/env python3
"""Framing throughput: syxkit against mido and a bare ``bytes.find`` scan.

Builds a corpus in memory (default 100 MB) of mixed SysEx as met in real collections: small
10-300-byte messages and large 33 KB handshake streams like an RZ-1 sample dump, with some
real-time bytes inside messages and some junk between them. Then measures, in one run:

- syxkit: ``syxkit.core.framing.frame`` over all of it;
- ``mido.Parser`` fed the bytes, and ``mido.read_syx_file`` on a temporary file, both on a 5 MB
  slice (they are slow);
- a bare loop of ``bytes.find(b"\\xf7")`` over all of it: the floor for any Python framer;
- the same loop that also copies each span out and wraps it in a ``Message`` (no checks at all):
  the floor for any framer that returns message objects, which the bare scan does not build.

Times are CPU seconds of this process (best of ``--repeat`` runs), so other load on a shared
machine does not distort the ratios. Prints a table (or ``--json``: one object with the same
figures). Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import mido

from syxkit.core.framing import frame
from syxkit.core.message import Message

SEVEN_BIT = bytes(b & 0x7F for b in range(256))
NIBBLE = bytes(b & 0x0F for b in range(256))


def _small(rng: random.Random) -> bytes:
    """A 10-300-byte message with a 1-byte or 3-byte manufacturer ID."""
    size = rng.randint(10, 300)
    head = rng.choice([b"\xf0\x44\x00\x00\x70\x20", b"\xf0\x43\x10\x4c", b"\xf0\x41\x10\x42\x12",
                       b"\xf0\x00\x20\x29\x01\x40\x7f", b"\xf0\x7e\x7f\x06\x01"])
    body = rng.randbytes(size - len(head) - 1).translate(SEVEN_BIT)
    return head + body + b"\xf7"


def _handshake_stream(rng: random.Random) -> bytes:
    """An RZ-1-style sample dump: header, 128 blocks of 256 nibbles with 70 32 between, F7
    (33,029 bytes)."""
    blocks = [rng.randbytes(256).translate(NIBBLE) for _ in range(128)]
    return b"\xf0\x44\x01\x00\x70\x30" + b"\x70\x32".join(blocks) + b"\xf7"


def _with_realtime(rng: random.Random, msg: bytes) -> bytes:
    """The message with a clock (F8) or active-sensing (FE) byte inside, as wire captures have."""
    at = rng.randint(1, len(msg) - 1)
    return msg[:at] + rng.choice([b"\xf8", b"\xfe"]) + msg[at:]


def build_corpus(size: int, seed: int = 1) -> bytes:
    """About ``size`` bytes: half small messages, half handshake streams (by bytes); 2% of the
    messages carry a real-time byte; 2% are followed by junk (a note message or stray bytes)."""
    rng = random.Random(seed)
    small = [_small(rng) for _ in range(4000)]
    large = [_handshake_stream(rng) for _ in range(8)]
    junk = [b"\x90\x3c\x40", b"\xfe", b"\x00\x01\x02\x03", b"\xf8\xf8", b"\x80\x3c\x00"]
    parts: list[bytes] = []
    total = 0
    while total < size:
        msg = rng.choice(large) if rng.random() < 0.0047 else rng.choice(small)
        if rng.random() < 0.02:
            msg = _with_realtime(rng, msg)
        if rng.random() < 0.02:
            msg += rng.choice(junk)
        parts.append(msg)
        total += len(msg)
    return b"".join(parts)[:size]


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None  # free the previous run's result before the next one starts
        gc.collect()
        t0 = time.process_time()
        result = fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9), result


def find_scan(data: bytes) -> int:
    """The floor: visit every F7 with C-level ``find`` and nothing else."""
    find = data.find
    count = 0
    i = find(b"\xf7")
    while i >= 0:
        count += 1
        i = find(b"\xf7", i + 1)
    return count


def object_floor(data: bytes) -> int:
    """The floor for a framer returning objects: each F7-terminated span copied out into a
    Message, with no checks at all (garbage collection paused, as syxkit does)."""
    gc.disable()
    try:
        return _object_floor(data)
    finally:
        gc.enable()


def _object_floor(data: bytes) -> int:
    find = data.find
    out = []
    append = out.append
    start = 0
    end = find(b"\xf7")
    while end >= 0:
        append(Message(data[start : end + 1], start))
        start = end + 1
        end = find(b"\xf7", start)
    return len(out)


def mido_parser(data: bytes) -> int:
    parser = mido.Parser()
    parser.feed(data)
    return sum(1 for m in parser if m.type == "sysex")


def mido_read_syx(path: str) -> int:
    return len(mido.read_syx_file(path))


def measure(size_mb: float, slice_mb: float = 5.0, repeat: int = 3) -> dict[str, float]:
    size = int(size_mb * 1e6)
    t0 = time.perf_counter()
    data = build_corpus(size)
    build_s = time.perf_counter() - t0
    mb = len(data) / 1e6
    piece = data[: min(len(data), int(slice_mb * 1e6))]
    piece_mb = len(piece) / 1e6

    syx_s, framed = _best(lambda: frame(data), repeat)
    scan_s, f7_count = _best(lambda: find_scan(data), repeat)
    floor_s, _ = _best(lambda: object_floor(data), repeat)
    parser_s, parser_count = _best(lambda: mido_parser(piece), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "slice.syx")
        Path(path).write_bytes(piece)
        read_s, read_count = _best(lambda: mido_read_syx(path), 1)

    messages = len(framed.messages)
    figures = {
        "corpus_mb": round(mb, 3),
        "slice_mb": round(piece_mb, 3),
        "messages": messages,
        "f7_bytes": f7_count,
        "build_s": round(build_s, 3),
        "syxkit_s": round(syx_s, 4),
        "syxkit_mb_s": round(mb / syx_s, 1),
        "syxkit_messages_s": round(messages / syx_s),
        "find_scan_s": round(scan_s, 4),
        "find_scan_mb_s": round(mb / scan_s, 1),
        "object_floor_s": round(floor_s, 4),
        "object_floor_mb_s": round(mb / floor_s, 1),
        "mido_parser_s": round(parser_s, 4),
        "mido_parser_mb_s": round(piece_mb / parser_s, 2),
        "mido_parser_messages": parser_count,
        "mido_read_syx_s": round(read_s, 4),
        "mido_read_syx_mb_s": round(piece_mb / read_s, 2),
        "mido_read_syx_messages": read_count,
    }
    figures["syxkit_vs_mido_parser"] = round(figures["syxkit_mb_s"] / figures["mido_parser_mb_s"], 1)
    figures["syxkit_vs_mido_read_syx"] = round(figures["syxkit_mb_s"] / figures["mido_read_syx_mb_s"], 1)
    figures["find_scan_vs_syxkit"] = round(figures["find_scan_mb_s"] / figures["syxkit_mb_s"], 2)
    figures["object_floor_vs_syxkit"] = round(figures["object_floor_mb_s"] / figures["syxkit_mb_s"], 2)
    return figures


def print_table(f: dict[str, float]) -> None:
    print(f"corpus: {f['corpus_mb']} MB, {f['messages']} messages (built in {f['build_s']} s); "
          f"mido measured on the first {f['slice_mb']} MB")
    print(f"{'framer':<24}{'MB/s':>10}{'messages/s':>14}{'seconds':>10}")
    print(f"{'syxkit frame()':<24}{f['syxkit_mb_s']:>10}{f['syxkit_messages_s']:>14}{f['syxkit_s']:>10}")
    print(f"{'bare bytes.find scan':<24}{f['find_scan_mb_s']:>10}{'':>14}{f['find_scan_s']:>10}")
    print(f"{'find+copy+Message floor':<24}{f['object_floor_mb_s']:>10}{'':>14}{f['object_floor_s']:>10}")
    print(f"{'mido.Parser (slice)':<24}{f['mido_parser_mb_s']:>10}"
          f"{round(f['mido_parser_messages'] / f['mido_parser_s']):>14}{f['mido_parser_s']:>10}")
    print(f"{'mido.read_syx_file (sl.)':<24}{f['mido_read_syx_mb_s']:>10}"
          f"{round(f['mido_read_syx_messages'] / f['mido_read_syx_s']):>14}{f['mido_read_syx_s']:>10}")
    print(f"syxkit is {f['syxkit_vs_mido_parser']}x mido.Parser, {f['syxkit_vs_mido_read_syx']}x "
          f"mido.read_syx_file (target: at least 50x); the bare scan is {f['find_scan_vs_syxkit']}x "
          f"syxkit (target: at most 3x); the object floor is {f['object_floor_vs_syxkit']}x syxkit")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=100.0, help="corpus size in MB of 10^6 bytes (default 100)")
    ap.add_argument("--slice-mb", type=float, default=5.0, help="slice given to mido (default 5)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the fast framers; best counts")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    if args.size_mb <= 0 or args.slice_mb <= 0 or args.repeat < 1:
        ap.error("--size-mb and --slice-mb must be positive, --repeat at least 1")
    figures = measure(args.size_mb, args.slice_mb, args.repeat)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
