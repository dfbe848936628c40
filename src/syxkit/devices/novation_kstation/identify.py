"""Message -> Dump for the K-Station family: kind, model, address, C and version, problems."""

from __future__ import annotations

from typing import Any

from syxkit.core.message import Message, Problem
from syxkit.devices.base import Dump
from syxkit.devices.novation_kstation.messages import Header, Parsed, parse
from syxkit.devices.novation_kstation.table import (
    BLOCK,
    CONTROL_MEANING,
    DEVICE_ID,
    HEADER_LEN,
    version_text,
)


def slot_label(kind: str, bank: int | None, program: int | None, control: int = 1) -> str:
    # A request with C = 0 asks the selected bank, whatever B says.
    where = "current bank" if kind.endswith("request") and control == 0 else f"bank {bank}"
    if kind in ("current-sound", "current-sound-request"):
        return "current sound"
    if kind in ("global", "global-request"):
        return "global"
    if kind.startswith("program-pair"):
        return f"{where} programs {program:02d}-{(program or 0) + 1:02d}"
    return f"{where} program {program:02d}"


def _details(h: Header) -> dict[str, Any]:
    if h.kind.addressed:
        meaning = CONTROL_MEANING.get(h.control, "not a documented value")
        if h.kind.request_for and h.control == 0:
            meaning = "B is ignored: the selected bank answers"
    else:
        meaning = "ignored for this message"
    out: dict[str, Any] = {
        "control": h.control, "control_means": meaning,
        "software_version": version_text(h.vv, h.vi), "vv": h.vv, "vi": h.vi,
        "sysex_channel": f"{h.sysex_channel:02X}",
    }
    if h.kind.request_for and h.model.name == "KS series":
        out["reply_control"] = "a KS-series reply copies C"
    return out


def _channel(h: Header) -> int | None:
    return h.sysex_channel + 1 if h.sysex_channel < 16 else None


def identify(message: Message) -> Dump | None:
    parsed = parse(message.data, message.terminated)
    if parsed is None:
        return None
    return dump_of(message, parsed)


def dump_of(message: Message, parsed: Parsed) -> Dump:
    problems = [Problem(message.offset + pos, text) for pos, text in parsed.problems]
    h = parsed.header
    if h is None:
        return Dump(DEVICE_ID, "unknown", message, model=parsed.model.name, problems=problems)
    kind = h.kind.name
    addressed = h.kind.addressed
    dump = Dump(
        DEVICE_ID, kind, message, model=h.model.name, channel=_channel(h),
        bank=h.bank if addressed else None, program=h.program if addressed else None,
        slot=slot_label(kind, h.bank, h.program, h.control), name=None,
        payload=parsed.data if h.kind.data_size else None,
        problems=problems, notes=list(parsed.notes), details=_details(h),
    )
    if h.kind.programs == 2:
        # One part per complete 128-byte block, each a program of its own.
        for i in range(min(2, len(parsed.data) // BLOCK)):
            lo = message.offset + HEADER_LEN + i * BLOCK
            part_problems = [p for p in problems if lo <= p.offset < lo + BLOCK]
            dump.parts.append(Dump(
                DEVICE_ID, "program", message, model=h.model.name, channel=dump.channel,
                bank=h.bank, program=h.program + i,
                slot=slot_label("program", h.bank, h.program + i, h.control),
                payload=parsed.data[i * BLOCK:(i + 1) * BLOCK], problems=part_problems,
                details={"control": h.control}, index=i,
            ))
    if h.sysex_channel < 16:
        dump.notes.append(f"addressed to receive channel {h.sysex_channel + 1} (devices send 7F)")
    return dump
