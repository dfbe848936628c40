"""``syxkit render``: hear a CZ tone, a VZ voice or an RZ-1 pad without the instrument (a WAV
file rendered from the dump's parameters; see ``syxkit.render`` for what is modelled)."""

from __future__ import annotations

from pathlib import Path

import click

from syxkit.cli.common import (
    INT,
    RENDER_SETTINGS,
    console,
    fail,
    gather,
    input_files,
    run_device,
    with_options,
    write_outputs,
)
from syxkit.devices.base import Output


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.strip().lower())
    return "-".join(part for part in keep.split("-") if part)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="WAV file to write (with --all: a folder, one WAV per sound).")
@click.option("--index", type=INT, default=1, show_default=True,
              help="Which sound of the file, counted from 1 like every --index (a VZ bulk's "
                   "64 voices come first; an RZ-1 sample dump holds pads 1-4).")
@click.option("--all", "every", is_flag=True, help="Render every sound of the file into -o DIR.")
@with_options(RENDER_SETTINGS)
def render(path: str, output: str, index: int, every: bool, note: int, velocity: int,
           seconds: float, release: float, rate: int) -> None:
    """Render a CZ tone, VZ voice or RZ-1 pad of PATH as a 16-bit mono WAV (no synth needed).
    The CZ and VZ sounds are modelled from their parameters: close, not a recording."""
    if seconds + release <= 0:
        fail("--seconds and --release are both 0: nothing to render", 2)
    if not Path(path).exists():
        fail(f"{path}: no such file")
    if Path(path).is_dir():
        fail(f"{path}: is a folder; give a dump file")
    try:
        from syxkit import render as r
        from syxkit.render.common import np

        np()
    except ImportError as exc:
        fail(str(exc))
    got = gather((path,))
    if got.unreadable:
        raise SystemExit(1)
    dumps = [e.dump for e in got.entries if e.dump is not None]
    found = run_device(r.sounds, dumps)
    if not found:
        fail(f"{path}: no CZ tone, VZ voice or RZ-1 sample dump in it")
    if every:
        chosen = list(enumerate(found, 1))
    else:
        if not 1 <= index <= len(found):  # the valid range in the error, as every --index says
            fail(f"--index {index} is out of range: {path} holds {len(found)} "
                 f"sound{'s' if len(found) != 1 else ''} (1..{len(found)})", 2)
        chosen = [(index, found[index - 1])]
    stem = Path(path).stem
    width = len(str(len(found)))
    outputs = []
    for number, sound in chosen:
        data = run_device(r.render_wav, sound, note, velocity, seconds, release, rate)
        name = f"{stem}-{number:0{width}d}-{sound.kind}"
        if sound.name and _slug(sound.name):
            name += f"-{_slug(sound.name)}"
        outputs.append((sound, Output(name + ".wav", data)))
    inputs = input_files((path,), got)
    written = write_outputs([o for _, o in outputs], output, directory=every, inputs=inputs)
    for (sound, o), p in zip(outputs, written, strict=True):
        seconds_out = (len(o.data) - 44) / 2 / r.output_rate(sound, rate)
        console.print(f"{p}: {sound.label} ({sound.device}), {seconds_out:.2f} s", highlight=False)


COMMANDS = [render]
