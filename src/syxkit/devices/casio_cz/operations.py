"""Convert, split, join and rename for CZ dumps.

The seed-000 pain these answer: a tone fetched from a CZ (263 bytes, ``…7n 30``, no program)
must be rewritten to the 264-byte receive form (``…7n 20 pp``) before a CZ takes it back, and a
bank file is nothing but receive-form tones addressed to consecutive slots.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from syxkit.core.codecs import decode_name, encode_name
from syxkit.devices.base import DeviceError, Dump, OptionError, Options, Output
from syxkit.devices.casio_cz import messages
from syxkit.devices.casio_cz.slots import (
    LAYOUTS,
    check_writable,
    parse_model,
    slot_label,
    slot_stem,
)
from syxkit.devices.casio_cz.table import (
    CZ1_CHARSET,
    EDIT_BUFFER,
    NAME_BYTES,
    NAMED_TONE_BYTES,
    TONE_BYTES,
)

FORMS = {"cz101": "plain", "cz-101": "plain", "plain": "plain", "receive": None,
         "cz1": "named", "cz-1": "named", "named": "named"}


def where(dump: Dump) -> str:
    m = dump.message
    if m is None:
        return f"{dump.kind}"
    return f"{m.source or 'input'}: message {m.index} (offset {m.offset})"


def parse_form(text: str | None) -> str | None:
    if text is None:
        return None
    key = text.strip().lower()
    if key not in FORMS:
        raise DeviceError(f"unknown target form {text!r} for casio-cz (use --to cz101 for a plain "
                          "CZ-101...5000 tone, --to cz1 for a CZ-1 tone with name)")
    return FORMS[key]


def cz1_name(name: str) -> bytes:
    try:
        return encode_name(name, NAME_BYTES, CZ1_CHARSET)
    except ValueError as exc:
        raise DeviceError(f"CZ-1 name: {exc}") from None


def _usable(dump: Dump) -> bytes:
    if dump.payload is None:
        problems = "; ".join(str(p) for p in dump.problems) or "no data"
        raise DeviceError(f"{where(dump)}: this {dump.kind} is malformed and cannot be used "
                          f"({problems})")
    return dump.payload


def reshape(payload: bytes, form: str | None, name: str | None, dump: Dump) -> tuple[bytes, list[str]]:
    """The tone payload in the target form (plain 128 / named 144), with what changed."""
    notes: list[str] = []
    named = len(payload) == NAMED_TONE_BYTES
    if form == "plain" and named:
        old = decode_name(payload[TONE_BYTES:])
        notes.append(f"CZ-1 name {old!r} dropped: CZ-101...5000 tones have no name"
                     if old else "CZ-1 name (blank) dropped: CZ-101...5000 tones have no name")
        if name is not None:
            raise DeviceError("--name cannot be kept: a plain CZ-101...5000 tone has no name")
        return payload[:TONE_BYTES], notes
    if form == "named" and not named:
        notes.append(f"made a CZ-1 tone with name {name!r}" if name else
                     "made a CZ-1 tone with a blank name (give one with --name)")
        return payload + cz1_name(name or ""), notes
    if name is not None:
        if not named:
            raise DeviceError(f"{where(dump)}: CZ-101...5000 tones have no name; add --to cz1 to "
                              "make a CZ-1 tone with name")
        notes.append(f"renamed to {name!r}")
        return payload[:TONE_BYTES] + cz1_name(name), notes
    return payload, notes


def _fresh_model(options: Options) -> str | None:
    return parse_model(options.get("model"))


def _target_model(model: str | None, payload: bytes) -> str | None:
    # A CZ-1 tone with name only goes to a CZ-1, so its address is checked as a CZ-1 slot.
    if model is None and len(payload) == NAMED_TONE_BYTES:
        return "CZ-1"
    return model


def _missing_program(dump: Dump) -> DeviceError:
    return DeviceError(
        f"{where(dump)}: this {dump.kind} was fetched from a CZ and carries no program address; "
        "give one with --program (e.g. 0x60 for the edit buffer, 0x20 for internal 1)")


def convert(dumps: list[Dump], options: Options) -> list[Output]:
    start = options.get("program")
    channel = options.get("channel")
    form = parse_form(options.get("form"))
    name = options.get("name")
    model = _fresh_model(options)
    outputs: list[Output] = []
    next_program = start
    for dump in dumps:
        ch = channel or dump.channel or 1
        if dump.kind in ("tone", "operation-memory"):
            payload = _usable(dump)
            notes = []
            if dump.kind == "tone":
                payload, notes = reshape(payload, form, name, dump)
            elif form or name:
                raise DeviceError(f"{where(dump)}: an operation memory has no other form and no name")
            pp = next_program if next_program is not None else dump.program
            if pp is None:
                raise _missing_program(dump)
            if dump.kind == "tone":
                try:
                    check_writable(pp, _target_model(model, payload))
                except DeviceError as exc:
                    # a slot named by --program is a bad option value (exit 2); one the file
                    # carries is a failed file
                    if next_program is None:
                        raise
                    raise OptionError(f"--program: {exc}") from None
            if dump.program is None:
                notes.insert(0, f"fetched form (7n 30) rewritten to the receive form for "
                                f"0x{pp:02X}")
            data = messages.object_message(payload, ch, pp)
            if next_program is not None and next_program != EDIT_BUFFER:
                next_program += 1  # several tones go to consecutive slots (the edit buffer stays)
            outputs.append(Output(_stem(dump, pp, model) + ".syx", data, notes))
        else:
            outputs.append(Output(f"{dump.kind}.syx", _readdress(dump, ch, start)))
    return outputs


def _readdress(dump: Dump, channel: int, program: int | None) -> bytes:
    """A control or request message on another channel (and program, for requests)."""
    if dump.problems or dump.message is None:
        raise DeviceError(f"{where(dump)}: cannot re-address a malformed {dump.kind} message")
    data = bytearray(dump.message.data)
    data[4] = 0x70 | (channel - 1)
    if dump.details.get("form") == "embedded":
        data[7] = data[4]
    if program is not None and dump.program is not None:
        # checked here because nothing else is: a request names any address, not only a
        # writable one, but it must stay a data byte (300 raised, 0x80 wrote a status byte)
        if not isinstance(program, int) or not 0 <= program <= 0x7F:
            raise OptionError(f"program {program!r} is out of range (a CZ program address is "
                              "0x00-0x7F)")
        data[6] = program
    return bytes(data)


def _stem(dump: Dump, pp: int | None, model: str | None) -> str:
    if pp is None:
        stem = "fetched"
    else:
        stem = slot_stem(pp, model or (dump.model if dump.model in LAYOUTS else None))
    if dump.name:
        stem += "-" + "".join(c if c.isalnum() else "-" for c in dump.name.lower()).strip("-")
    return stem


def source_stem(dump: Dump) -> str:
    """The stem of the file a dump came from, safe in a file name ("input" when unknown)."""
    source = dump.message.source if dump.message is not None else ""
    stem = PurePath(source.split("!")[-1]).stem if source else ""
    return re.sub(r"[^0-9A-Za-z._+-]+", "-", stem).strip("-.") or "input"


def numbered(items: list[tuple[Dump, str]]) -> list[str]:
    """``SOURCE-NN-what`` for each (dump, what), NN its place in the input counted from 1 and
    zero-padded, so that a plain sort of the names gives back the input order (and `join`
    of the sorted folder rebuilds the same bank)."""
    width = max(2, len(str(len(items))))
    return [f"{source_stem(d)}-{k:0{width}d}-{what}" for k, (d, what) in enumerate(items, 1)]


def split(dumps: list[Dump], options: Options) -> list[Output]:
    model = _fresh_model(options)
    items: list[tuple[Dump, str]] = []
    for dump in dumps:
        if dump.message is None:
            continue
        if dump.kind in ("tone", "operation-memory"):
            what = _stem(dump, dump.program, model)
        else:
            what = dump.kind
        items.append((dump, what))
    outputs = []
    for (dump, _), name in zip(items, numbered(items), strict=True):
        msg = dump.message
        outputs.append(Output(name + ".syx", msg.data if msg.terminated else msg.original))
    return outputs


def _bank_names(addresses: list[int], size: int | None, model: str | None, count: int) -> list[str]:
    if count == 1:
        return ["bank"]
    lay = LAYOUTS.get(model) if model else None
    names = []
    for k in range(count):
        first = addresses[k * size]
        area = lay.area(first) if lay else None
        if area and area.bank_size == size and (first - area.first) % size == 0:
            names.append(f"{area.kind.lower()}-{'ABCDEFGH'[(first - area.first) // size]}".strip("-"))
        else:
            names.append(f"bank-{k + 1}")
    return names


def join(dumps: list[Dump], options: Options) -> list[Output]:
    model = _fresh_model(options)
    as_edit_buffer = bool(options.get("as_edit_buffer"))
    start = options.get("program")
    channel = options.get("channel")
    form = parse_form(options.get("form"))
    size = options.get("bank_size")
    pad_with = options.get("pad_with") or []
    if as_edit_buffer and start is not None and start != EDIT_BUFFER:
        raise DeviceError("--as-edit-buffer addresses every tone to 0x60; it cannot be combined "
                          f"with --program 0x{start:02X}")
    tones = [d for d in dumps if d.kind == "tone"]
    skipped = [d for d in dumps if d.kind != "tone"]
    if not tones:
        raise DeviceError("no CZ tone in the input to join")
    if size is not None and size < 1:
        raise DeviceError(f"--bank-size {size} must be 1 or more")
    lay = LAYOUTS.get(model) if model else None
    if size is None and lay is not None and not as_edit_buffer:
        size = lay.bank_size  # e.g. CZ-5000: banks A-D of 8 tones
    if pad_with:
        pads = [d for d in pad_with if d.kind == "tone"]
        if not pads:
            raise DeviceError("--pad-with holds no CZ tone")
        if size is None:
            raise DeviceError("--pad-with needs a bank size (--bank-size, or --model with banks)")
        while len(tones) % size:
            tones.append(pads[0])
    if start is None:
        start = EDIT_BUFFER if as_edit_buffer else (lay.internal if lay else 0x20)
    addresses = [EDIT_BUFFER if as_edit_buffer else start + k for k in range(len(tones))]
    payloads, notes = [], []
    for dump in tones:
        payload = _usable(dump)
        if form is None and model is not None and model != "CZ-1" and len(payload) == NAMED_TONE_BYTES:
            payload, more = reshape(payload, "plain", None, dump)
        else:
            payload, more = reshape(payload, form, None, dump)
        payloads.append(payload)
        notes.append(more)
    # addresses from --program that the model cannot take are a bad option value (exit 2)
    error = OptionError if options.get("program") is not None else DeviceError
    for i, (pp, payload) in enumerate(zip(addresses, payloads, strict=True)):
        if pp > 0x7F:
            raise error(f"{len(tones)} tones from 0x{start:02X} run past the last program "
                        "address 0x7F")
        try:
            check_writable(pp, _target_model(model, payload))
        except DeviceError as exc:
            raise error(f"tone {i + 1} of {len(tones)}: {exc}") from None
    chunk = size or len(tones)
    count = (len(tones) + chunk - 1) // chunk
    names = _bank_names(addresses, chunk, model, count)
    outputs = []
    for k in range(count):
        part = range(k * chunk, min(len(tones), (k + 1) * chunk))
        data = b"".join(
            messages.object_message(payloads[i], channel or tones[i].channel or 1, addresses[i])
            for i in part)
        first, last = part[0], part[-1]
        bank_notes = [f"tones {first + 1}-{last + 1} -> {slot_label(addresses[first], model)}"
                      f" ... {slot_label(addresses[last], model)}"]
        fetched = sum(1 for i in part if tones[i].program is None)
        if fetched:
            bank_notes.append(f"{fetched} tone(s) fetched from a CZ (7n 30) rewritten to the "
                              "receive form (7n 20 pp)")
        bank_notes += [f"tone {i + 1}: {n}" for i in part for n in notes[i]]
        outputs.append(Output(names[k] + ".syx", data, bank_notes))
    if skipped:
        outputs[0].notes.append(f"{len(skipped)} message(s) that are not tones left out "
                                f"({', '.join(sorted({d.kind for d in skipped}))})")
    return outputs


def check_name(name: str, dump: Dump) -> str:
    """The name as a CZ-1 stores and shows it; DeviceError says why it cannot be."""
    if dump.kind != "tone":
        raise DeviceError(f"a CZ {dump.kind} has no name")
    payload = _usable(dump)
    if len(payload) != NAMED_TONE_BYTES:
        raise DeviceError("CZ-101/1000/3000/5000/230S tones have no name; make a CZ-1 tone with "
                          "name first: `syxkit convert FILE -o OUT.syx --to cz1 --name NAME`")
    return decode_name(cz1_name(name))


def rename(dump: Dump, name: str) -> bytes:
    check_name(name, dump)
    payload = _usable(dump)
    payload = payload[:TONE_BYTES] + cz1_name(name)
    return messages.object_message(payload, dump.channel or 1, dump.program)
