"""Library benchmark: import 100,000 generated CZ tones and 20,000 VZ voices in 5,000 files (one
object in five a repeat of an earlier sound, under another address, name or form), then time
name searches and the duplicate queries.

    python bench/library.py              # full size (120,000 objects)
    python bench/library.py --scale 0.01 # a quick small run
    python bench/library.py --json       # one JSON object

The files are built with the CZ and VZ drivers' own message builders. Import runs in this
process through syxkit.library.import_paths, exactly as ``syxkit lib import`` does.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.casio_vz.messages import bulk_file, voice_message
from syxkit.devices.casio_vz.sounds import example_voice, with_name
from syxkit.devices.casio_vz.table import VOICE
from syxkit.library import (
    Library,
    Query,
    find,
    import_paths,
    same_name_different_sounds,
    same_sound_different_names,
)
from syxkit.library.importer import default_workers

ADJECTIVES = """warm bright dark soft hard fat thin wide deep hollow glassy metal wooden airy
breathy buzzy clean dirty dusty fuzzy silky smooth rough sharp sweet sour cold hot icy lush
dry wet spacey tight loose mellow punchy round square noisy quiet big small old new""".split()
NOUNS = """bass lead pad brass strings organ piano bell choir flute horn sweep pluck arp keys
clav harp synth voice drone wave stab kick snare tom chime marimba guitar sitar sax vibes
whistle reed pipe gong""".split()

CZ_TONES, VZ_VOICES, FILES = 100_000, 20_000, 5_000
CZ_PER_FILE = 25
VZ_BULKS = 250  # of 64 voices; the rest of the VZ voices go in small files of single voices
DUPLICATE_EVERY = 5  # one object in five repeats an earlier sound


def _cz_payload(rng: random.Random, base: bytes) -> bytes:
    """A CZ-101 tone: the init tone with random envelope rates and levels on both lines."""
    out = bytearray(base)
    for start in (21, 38, 55, 78, 95, 112):
        for k in range(16):
            out[start + k] = rng.randrange(0x80)
    return bytes(out)


def _vz_payload(rng: random.Random, base: bytes, name: str) -> bytes:
    """A VZ voice: the example voice with random envelope steps and a name."""
    out = bytearray(base)
    for k in range(21, 165):
        out[k] = rng.randrange(100)
    return with_name(bytes(out), name, VOICE)


def generate(folder: Path, scale: float, seed: int = 1) -> dict[str, int]:
    """Write the benchmark files; returns how many objects and files were made."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cz_files = max(1, round(CZ_TONES * scale / CZ_PER_FILE))
    vz_bulks = max(1, round(VZ_BULKS * scale))
    vz_single_total = max(1, round((VZ_VOICES - VZ_BULKS * 64) * scale))
    vz_single_files = max(1, round((FILES - CZ_TONES / CZ_PER_FILE - VZ_BULKS) * scale))
    cz_base, vz_base = init_payload(), example_voice()
    made: list[bytes] = []  # every CZ payload so far, for repeats
    objects = files = 0

    def name() -> str:
        return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"

    for f in range(cz_files):
        tones = []
        for k in range(CZ_PER_FILE):
            if made and rng.randrange(DUPLICATE_EVERY) == 0:
                payload = rng.choice(made)  # same tone, other file, other address
            else:
                payload = _cz_payload(rng, cz_base)
                made.append(payload)
            tones.append(tone_message(payload, channel=rng.choice((1, 1, 1, 5)), program=0x20 + k))
        stem = name().replace(" ", "_").upper()
        (folder / f"cz_{f:05d}_{stem}.syx").write_bytes(b"".join(tones))
        objects += len(tones)
        files += 1
    voices: list[bytes] = []

    def vz_voice() -> bytes:
        if voices and rng.randrange(DUPLICATE_EVERY) == 0:
            # The same sound saved under another name: "same sound, different names".
            return with_name(rng.choice(voices), name().upper()[:12], VOICE)
        payload = _vz_payload(rng, vz_base, name().upper()[:12])
        voices.append(payload)
        return payload

    for b in range(vz_bulks):
        (folder / f"vz_bulk_{b:04d}.syx").write_bytes(bulk_file([vz_voice() for _ in range(64)]))
        objects += 64
        files += 1
    per_file = [vz_single_total // vz_single_files] * vz_single_files
    for i in range(vz_single_total % vz_single_files):
        per_file[i] += 1
    for i, n in enumerate(per_file):
        if n:
            (folder / f"vz_{i:05d}.syx").write_bytes(b"".join(voice_message(vz_voice()) for _ in range(n)))
            objects += n
            files += 1
    return {"objects": objects, "files": files}


def _timed(call) -> tuple[float, object]:
    t = time.perf_counter()
    result = call()
    return (time.perf_counter() - t) * 1000, result


def run(scale: float, workdir: Path, searches: int = 60,
        workers: int | None = None) -> dict[str, object]:
    files = workdir / "dumps"
    t = time.perf_counter()
    made = generate(files, scale)
    generate_s = time.perf_counter() - t
    with Library(workdir / "bench.sqlite") as lib:
        t = time.perf_counter()
        report = import_paths(lib, [files], workers=workers)
        import_s = time.perf_counter() - t
        t = time.perf_counter()
        again = import_paths(lib, [files])
        reimport_s = time.perf_counter() - t
        rng = random.Random(7)
        queries = []
        for i in range(searches):
            adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
            # A mix users type: a full name, a prefix of both words, one word with a device.
            queries.append([f"{adjective} {noun}", f"{adjective[:3]} {noun[:3]}",
                            f"{adjective} {noun[:2]}"][i % 3])
        times, hits = [], []
        for text in queries:
            ms, found = _timed(lambda text=text: find(lib, Query(text=text)))
            times.append(ms)
            hits.append(len(found))
        names_ms, names = _timed(lambda: same_sound_different_names(lib))
        sounds_ms, sounds = _timed(lambda: same_name_different_sounds(lib))
        return {
            "scale": scale,
            "workers": default_workers() if workers is None else workers,
            "files": made["files"],
            "objects": made["objects"],
            "patches": lib.count(),
            "new": report.new,
            "duplicates": report.duplicates,
            "problem_files": len(report.with_problems),
            "generate_s": round(generate_s, 2),
            "import_s": round(import_s, 2),
            "import_patches_per_s": round(report.objects / import_s),
            "reimport_s": round(reimport_s, 2),
            "reimport_new": again.new,
            "search_ms_median": round(statistics.median(times), 2),
            "search_ms_max": round(max(times), 2),
            "search_hits_median": statistics.median(hits),
            "duplicates_query_ms": round(names_ms, 2),
            "duplicates_found": len(names),
            "same_name_query_ms": round(sounds_ms, 2),
            "same_name_groups": len(sounds),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full size.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--dir", type=Path, help="Work folder (kept); default: a temporary one.")
    parser.add_argument("--workers", type=int, help="Planning processes (default: CPUs - 1; 0 = "
                        "import in this process only).")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be in (0, 10]")
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="syxkit-bench-"))
    try:
        result = run(args.scale, workdir, workers=args.workers)
    finally:
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
