"""A real ``syxkit web`` for the web tests (API and browser): started as a process on a
temporary library, with the URL it prints; and dumps built by the drivers' own builders, so
the tests need no corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.casio_vz.messages import bulk_file
from syxkit.devices.casio_vz.sounds import example_voice, with_name
from syxkit.devices.casio_vz.table import VOICE
from syxkit.devices.novation_kstation.messages import program_dump
from syxkit.devices.novation_kstation.table import init_block

SYXKIT = Path(sys.executable).with_name("syxkit")
HOSTILE = "<img src=x onerror=alert(1)>.syx"


class Server:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.library = tmp / "lib" / "library.sqlite"
        env = dict(os.environ, TMPDIR=str(tmp / "t"))
        (tmp / "t").mkdir()
        self.proc = subprocess.Popen(
            [str(SYXKIT), "web", "--no-browser", "--port", "0", "--library", str(self.library),
             "--max-file-mb", "64", "--max-upload-mb", "256"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        assert line.startswith("syxkit web: http://127.0.0.1:"), (line, self.proc.stderr.read())
        self.url = line.split(" ", 2)[2].strip()
        self.base, _, self.token = self.url.partition("/?token=")
        self.host = self.base.removeprefix("http://")
        self.client = httpx.Client(base_url=self.base, timeout=120,
                                   headers={"Authorization": f"Bearer {self.token}"})

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=20)


def cli(server: Server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SYXKIT), "lib", "--library", str(server.library), *args],
                          capture_output=True, text=True, timeout=120)


def upload(server: Server, files: list[tuple[str, bytes]]) -> list[dict]:
    r = server.client.post("/api/import", files=[("files", (n, d, "application/octet-stream"))
                                                 for n, d in files])
    assert r.status_code == 200, r.text
    return r.json()["files"]


def vz_bank() -> bytes:
    base = example_voice()
    voices = []
    for k in range(64):
        v = bytearray(base)
        v[30] = k  # a different sound in each slot
        voices.append(with_name(bytes(v), f"WEB VOICE {k:02d}", VOICE))
    return bulk_file(voices)


def cz_tones(n: int, seed: int = 0) -> bytes:
    out = []
    for k in range(n):
        p = bytearray(init_payload())
        p[21] = 0x10 + k
        p[22] = seed
        out.append(tone_message(bytes(p), channel=1, program=0x20 + k))
    return b"".join(out)


def ks_programs(n: int) -> bytes:
    out = []
    for k in range(n):
        block = bytearray(init_block())
        block[20] = k % 100
        block[21] = k // 100
        out.append(program_dump("K-Station", 1, k, bytes(block)))
    return b"".join(out)
