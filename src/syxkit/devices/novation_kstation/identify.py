"""Message -> Dump for the K-Station family: kind, model, address, C and version, problems."""

from __future__ import annotations

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

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any


def slot_label(kind: str, bank: int | None, program: int | None, control: int = 1) -> str:
    # A request with C = 0 asks the selected bank, whatever B says.
    # B = 0 names no bank (editors write it for working memory): the selected bank.
    where = ("current bank" if kind.endswith("request") and control == 0 or bank == 0
             else f"bank {bank}")
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


def store_text(kind_name: str, control: int, bank: int, program: int, programs: int = 1
               ) -> str | None:
    """Where the device stores a dump when it is sent, from the bytes that decide it (M, C, B,
    P): the panel's bank 1-4 and program 00-99 are the wire's B and P."""
    if kind_name == "current-sound":
        return "current sound (edit buffer), not stored (M=00)"
    if kind_name == "global":
        return "global settings (overwrites the global block; M=03, C B P not used)"
    if kind_name not in ("program", "program-pair"):
        return None
    span = f"program {program:02d}" if programs == 1 else f"programs {program:02d}-{program + 1:02d}"
    wire = f"B={bank:02X} P={program:02X}"
    if control == 1:
        if bank == 0:
            return f"{span}, bank not documented ({wire}, C=1: store in bank B, but B=0 names no bank)"
        return f"bank {bank}, {span} ({wire}, C=1: store in bank B)"
    if control == 0:
        return f"the bank selected on the device, {span} ({wire}, C=0: store in the current bank; B ignored)"
    return f"not documented ({wire}, C={control:02X}: neither 0 nor 1)"


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
        store=store_text(kind, h.control, h.bank, h.program, h.kind.programs),
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
                store=store_text("program", h.control, h.bank, h.program + i),
            ))
    if h.sysex_channel < 16:
        dump.notes.append(f"addressed to receive channel {h.sysex_channel + 1} (devices send 7F)")
    return dump
