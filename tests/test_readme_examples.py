"""Every `.venv/bin/syxkit …` line of the README's ```sh blocks (the library section has its
own test, tests/library/test_library_examples.py) and every example line of every command's
``--help`` runs and succeeds, as a user would type it (issue 14: the help tells the truth).

The lines run through a shell in a temporary folder that holds the files they name: real
dumps from the shared corpus, and files built with the drivers (CZ captures in the fetched
``7n 30`` form, a DTX backup, 100 K-Station programs, WAVs). Live examples run against real
emulators: ``syxkit emulate DEVICE --port PATH`` makes a pty, and the example's port name
(``UM-ONE``, ``hw:1,0``) is replaced by that path; where the README says to start a dump on the
device's panel, the test presses it (SIGUSR1). ``syxkit web`` examples start with
``--no-browser --port 0``; the page is fetched with its token and the server stopped."""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import wave
from pathlib import Path

import click
from click.testing import CliRunner
from corpus_files import REPO, corpus_path

from syxkit.cli import cli

# Where the README says to start the dump on the device's panel ("then SAVE -> MIDI on the VZ").
PANEL_BACKUP = {"casio-vz"}
LIVE_PORTS = ("UM-ONE", "hw:1,0")
# The emulated VZ drains its receive buffer in real time; on a loaded test machine (2 cores,
# four emulators and their commands at once) its late reads look like bursts no cable makes,
# so its buffer model is off here (tests/devices/casio_vz test the model itself).
# The emulators these examples talk to: the VZ with no receive buffer, the VZ and the RZ-1
# sending their memory unpaced (the examples are checked for what they do; test_live_devices
# times the wire), the DTX with every song recorded (see dtx_memory).
EMULATOR_OPTIONS = {"casio-vz": ["--set", "rx_buffer=0", "--set", "send_rate=0"],
                    "casio-rz1": ["--set", "uart_rate=0"]}


def dtx_memory(folder: Path) -> list[str]:
    """``--memory`` for the DTX emulator: 32 small recorded songs. The README's backup asks for
    the default layout (32 songs); an emulated module with only its 3 demo songs leaves 29
    silent, each costing the host its no-reply wait twice (half a minute of nothing)."""
    from syxkit.devices.yamaha_dtx.songs import song_packets

    path = folder / "dtx-emulator-songs.syx"
    path.write_bytes(b"".join(m for n in range(32) for m in song_packets(bytes([n, 1, 2, 3]) * 4, n)))
    return ["--memory", str(path)]
TIMEOUT = 180


def readme_blocks() -> list[list[str]]:
    """The syxkit lines of each ```sh block (comments cut off), library section left out."""
    text = (REPO / "README.md").read_text()
    lib_start = text.index("## The patch library")
    lib_end = text.index("\n## ", lib_start + 4)
    blocks = []
    for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
        if lib_start <= m.start() < lib_end:
            continue
        lines = [re.split(r"\s+#", line)[0].strip() for line in m.group(1).splitlines()
                 if line.startswith(".venv/bin/syxkit ")]
        if lines:
            blocks.append(lines)
    return blocks


def _commands(group: click.Group, ctx: click.Context, prefix: list[str]):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx), [*prefix, name])


def help_examples() -> list[str]:
    """Each line of a command's --help that starts with ``syxkit `` (lib has its own test)."""
    found = []
    for path in _commands(cli, click.Context(cli), []):
        if path[0] == "lib":
            continue
        out = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200).output
        for line in out.splitlines():
            if line.strip().startswith("syxkit "):
                found.append(".venv/bin/" + line.strip())
    return found


# -- the files the examples name ---------------------------------------------------------------


def _wav(path: Path, seed: int) -> None:
    frames = bytes((seed * 37 + k * (seed + 3)) % 256 for k in range(4000))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(20000)
        w.writeframes(frames)


def make_folder(work: Path) -> None:
    from syxkit.core.framing import frame_messages
    from syxkit.devices import registry
    from syxkit.devices.base import Options
    from syxkit.devices.casio_cz import messages as cz_messages
    from syxkit.devices.casio_cz.identify import identify as cz_identify

    for parts in (("cz", "BASS.SYX"), ("vz", "KILLER_ORGAN.syx"), ("vz", "dos_files", "PBANK1.P64"),
                  ("vz", "dos_files", "GITIANO.P01"), ("vz", "dos_files", "PIANO.P02")):
        shutil.copy(corpus_path(*parts), work / parts[-1])
    shutil.copy(corpus_path("rz1", "rz1_sample_dump_from_device.bin"), work / "capture.bin")
    # CZ tones as a CZ sends them (7n 30, no program address): 32 captures and one more
    tones = [cz_identify(m).payload for name in ("BASS.SYX", "CASIO1.SYX")
             for m in frame_messages(corpus_path("cz", name).read_bytes())]
    for k, payload in enumerate(tones[:32], 1):
        (work / f"cap-{k:02d}.syx").write_bytes(cz_messages.tone_message(payload, 1, None))
    (work / "capture.syx").write_bytes(cz_messages.tone_message(tones[2], 1, None))
    (work / "blank.syx").write_bytes(registry.get("casio-vz").example())
    for k, name in enumerate(("kick", "snare", "hat", "clap")):
        _wav(work / f"{name}.wav", k)
    # 100 K-Station programs of bank 1, one file each
    ks = registry.get("novation-kstation")
    (example,) = [ks.identify(m) for m in frame_messages(ks.example())]
    (work / "progs").mkdir()
    for k in range(100):
        (out,) = ks.convert([example], Options(program=k, bank=1))
        (work / "progs" / f"prog-{k:03d}.syx").write_bytes(out.data)
    # a DTXtreme IIs full backup: what an emulated module's memory backs up to
    (work / "backup.syx").write_bytes(registry.get("yamaha-dtxtreme2").emulator(Options()).save())
    # `.venv/bin/syxkit` as the README writes it, running the syxkit under test
    (work / ".venv" / "bin").mkdir(parents=True)
    wrapper = work / ".venv" / "bin" / "syxkit"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m syxkit "$@"\n')
    wrapper.chmod(0o755)


# -- running them ----------------------------------------------------------------------------


class Runner:
    def __init__(self, work: Path):
        self.work = work
        home = work / "home"
        home.mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SYXKIT_")}
        self.env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), COLUMNS="200",
                        SYXKIT_LIBRARY=str(work / "library.sqlite"))
        self.failures: list[str] = []
        self.ran: list[str] = []
        self.lock = threading.Lock()

    def fail(self, line: str, why: str) -> None:
        with self.lock:
            self.failures.append(f"{line}\n    {why}")

    def shell(self, line: str) -> subprocess.Popen:
        return subprocess.Popen(["bash", "-c", line], cwd=self.work, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)

    def finish(self, line: str, proc: subprocess.Popen, ok=(0,)) -> str:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            self.fail(line, f"still running after {TIMEOUT} s: {err[-500:]}")
            return out
        if proc.returncode not in ok:
            self.fail(line, f"exit {proc.returncode}: {(err or out)[-800:]}")
        elif "Traceback" in err:
            self.fail(line, f"traceback: {err[-800:]}")
        with self.lock:
            self.ran.append(line)
        return out

    def offline(self, line: str) -> None:
        words = shlex.split(line)
        if words[1] == "render" and not all(importlib.util.find_spec(m) for m in ("numpy", "soundfile")):
            return  # `pip install 'syxkit[audio]'` first, as the README says
        # `diff` exits 1 when the dumps differ, like diff and cmp (the README says so)
        ok = (0, 1) if words[1] == "diff" else (0,)
        out = self.finish(line, self.shell(line), ok)
        if words[1] == "diff" and "differ" not in out and "equal" not in out.lower():
            self.fail(line, f"diff said neither 'differ' nor 'equal': {out[:300]}")

    def web(self, line: str) -> None:
        line = re.sub(r"--port\s+\d+", "--port 0", line)
        if "--port" not in line:
            line += " --port 0"
        if "--no-browser" not in line:
            line += " --no-browser"
        proc = self.shell(line)
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            first = proc.stdout.readline() if ready else ""
            url = re.search(r"http://\S+token=\S+", first)
            if url is None:
                self.fail(line, f"no address with a token printed: {first!r}")
                return
            # the address sets the session cookie and sends the browser on to the page
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            with opener.open(url.group(0), timeout=30) as page:
                body = page.read().decode("utf-8", "replace")
            if page.status != 200 or "<html" not in body.lower():
                self.fail(line, f"the page did not come: {page.status} {body[:200]!r}")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        with self.lock:
            self.ran.append(line)

    def emulate(self, line: str) -> None:
        """Runs until stopped: it must make its pty and stop cleanly on SIGTERM."""
        words = shlex.split(line)
        port = words[words.index("--port") + 1]
        link = self.work / ("emulated-" + Path(port).name)
        proc = self.shell(line.replace(port, str(link)))
        deadline = time.monotonic() + 30
        while not link.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if not link.exists():
            self.fail(line, "no port appeared")
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        self.finish(line, proc)


class Emulator:
    """``syxkit emulate DEVICE --port PATH --json`` in its own process (a pty at PATH)."""

    def __init__(self, device: str, runner: Runner):
        self.path = runner.work / f"port-{device}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "syxkit", "emulate", device, "--port", str(self.path), "--json",
             *EMULATOR_OPTIONS.get(device, []),
             *(dtx_memory(runner.work) if device == "yamaha-dtxtreme2" else [])],
            env=runner.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            raise AssertionError(f"syxkit emulate {device} did not start: {self.proc.communicate()[1]}")
        self.pid = json.loads(line)["pid"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def live_device(line: str, context: str | None) -> str:
    """The device an example talks to: named in it, else the one its README block is about."""
    words = shlex.split(line)
    if "--device" in words:
        return words[words.index("--device") + 1]
    if words[1] in ("request", "backup") and len(words) > 2:
        return words[2]
    assert context is not None, f"no device for {line}"
    return context


def run_live(runner: Runner, device: str, lines: list[str]) -> None:
    emulator = Emulator(device, runner)
    try:
        for line in lines:
            words = shlex.split(line)
            port = words[words.index("--port") + 1]
            proc = runner.shell(line.replace(f"--port {port}", f"--port {emulator.path}"))
            if words[1] == "receive" or (words[1] == "backup" and device in PANEL_BACKUP):
                # the user starts the dump on the device's panel once the command waits
                for wait in (2.0, 20.0, 40.0):
                    try:
                        proc.wait(timeout=wait)
                        break
                    except subprocess.TimeoutExpired:
                        os.kill(emulator.pid, signal.SIGUSR1)
            runner.finish(line, proc)
    finally:
        emulator.stop()


def test_readme_and_help_examples_run(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    make_folder(work)
    runner = Runner(work)
    blocks = readme_blocks()
    readme = [line for block in blocks for line in block]
    helps = help_examples()
    assert len(readme) >= 35 and len(helps) >= 5, (readme, helps)
    placeholders = [x for x in readme if re.search(r"\b(DEVICE|FILES?|PATH|WHAT|DIR|OUT)\b|\[|\.\.\.", x)]
    assert not placeholders, f"README examples a user cannot copy: {placeholders}"

    live: dict[str, list[str]] = {}
    for block in blocks:
        context = None
        for line in block:
            words = shlex.split(line)
            if words[1] in ("request", "backup", "emulate") and len(words) > 2:
                context = words[2]
            if words[1] == "web":
                runner.web(line)
            elif words[1] == "emulate":
                runner.emulate(line)
            elif "--port" in words and words[words.index("--port") + 1] in LIVE_PORTS:
                live.setdefault(live_device(line, context), []).append(line)
            else:
                runner.offline(line)
    for line in helps:
        runner.offline(line)

    # one emulated device each, the devices side by side (their transfers are paced)
    threads = [threading.Thread(target=run_live, args=(runner, dev, lines)) for dev, lines in live.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not runner.failures, "\n".join(runner.failures)
    assert set(live) >= {"casio-cz", "casio-vz", "casio-rz1", "novation-kstation", "yamaha-dtxtreme2"}
    # what the examples promise is there
    assert (work / "cz-backup" / "casio-cz-backup.syx").exists()
    assert (work / "ks-banks.syx").stat().st_size > 0
    assert (work / "bass-again.syx").read_bytes() == (work / "BASS.SYX").read_bytes()
