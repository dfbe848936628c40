"""K-Station family messages: parse a header, and build every dump and request form.

These builders are the Python API the transfer layer uses (e.g. ``backup_requests`` for a
4-bank + global backup). They validate what they build and raise :class:`KStationError` (both
a DeviceError and a ValueError) with a clear message instead of producing a message the device
would misread.
"""

from __future__ import annotations

from collections import namedtuple

from syxkit.core.record import Record
from syxkit.devices.base import DeviceError
from syxkit.devices.novation_kstation.table import (
    BLOCK,
    GLOBAL_BLOCK,
    HEADER_LEN,
    KIND_BY_CODE,
    KIND_BY_NAME,
    MODEL_BY_TYPE,
    MODELS,
    POS_DEVICE_TYPE,
    POS_PROGRAM,
    PREFIX,
    SYSEX_CHANNEL_ALL,
    Kind,
    Model,
    find_model,
)

EOX = 0xF7
DEFAULT_VERSION = (0x08, 0)  # "1.0.0": used only for dumps built from nothing (example())
REQUEST_VERSION = (0, 0)  # Vv and Vi are "don't care" in a request


class KStationError(DeviceError, ValueError):
    """A message that cannot be built as asked (bad address, size, byte value)."""


def model_of(model: Model | str) -> Model:
    if isinstance(model, Model):
        return model
    found = find_model(model)
    if found is None:
        raise KStationError(f"unknown model {model!r} (known: {', '.join(m.name for m in MODELS)})")
    return found


class Header(namedtuple("Header", ["model", "kind", "control", "vv", "vi", "bank", "program",
                                   "sysex_channel"],
                        defaults=(0, DEFAULT_VERSION[0], DEFAULT_VERSION[1], 0, 0, SYSEX_CHANNEL_ALL))):
    """The 12 bytes after F0 (manufacturer through P), in named form. (A namedtuple, and
    Parsed a plain class, not dataclasses: they are on the start path of ``syxkit info``, see
    syxkit.core.record.)"""

    __slots__ = ()  # fields as listed in the comments below

    # model: Model
    # kind: Kind
    # control: int = 0
    # vv: int = DEFAULT_VERSION[0]
    # vi: int = DEFAULT_VERSION[1]
    # bank: int = 0
    # program: int = 0
    # sysex_channel: int = SYSEX_CHANNEL_ALL

    def to_bytes(self) -> bytes:
        values = (self.sysex_channel, self.control, self.vv, self.vi, self.bank, self.program)
        names = ("SysEx channel", "control byte C", "version Vv", "version increment Vi",
                 "bank B", "program P")
        for name, value in zip(names, values, strict=True):
            if not 0 <= value <= 0x7F:
                raise KStationError(f"{name} = {value} does not fit a data byte (0-127)")
        return PREFIX + bytes([self.model.device_type, self.sysex_channel, self.kind.code,
                               self.control, self.vv, self.vi, self.bank, self.program])


def check_address(model: Model, kind: Kind, bank: int, program: int) -> None:
    """Refuse a bank/program the model has not got (pair dumps also need an even program)."""
    if bank not in model.banks:
        raise KStationError(f"{model.name} has no bank {bank} (banks {min(model.banks)}-"
                            f"{max(model.banks)})")
    size = model.banks[bank]
    if not 0 <= program < size:
        raise KStationError(f"{model.name} bank {bank} holds programs 0-{size - 1}; got {program}")
    if kind.programs == 2 or kind.request_for == "program-pair":
        if program % 2:
            raise KStationError(f"a program pair must start at an even program (0, 2, … "
                                f"{size - 2}); got {program}")


def build(header: Header, data: bytes = b"") -> bytes:
    """One complete message. The data must be exactly the kind's block size, all bytes 00-7F."""
    kind = header.kind
    if len(data) != kind.data_size:
        raise KStationError(f"{kind.name} carries {kind.data_size} data bytes; got {len(data)}")
    high = next((i for i, b in enumerate(data) if b > 0x7F), None)
    if high is not None:
        raise KStationError(f"{kind.name} data byte {high} is 0x{data[high]:02X}; "
                            "SysEx data bytes are 00-7F")
    return header.to_bytes() + bytes(data) + bytes([EOX])


def _header(model, kind_name, *, control=0, version=DEFAULT_VERSION, bank=0, program=0,
            sysex_channel=SYSEX_CHANNEL_ALL) -> Header:
    vv, vi = version
    return Header(model_of(model), KIND_BY_NAME[kind_name], control, vv, vi, bank, program,
                  sysex_channel)


def _control(control: int) -> int:
    if control not in (0, 1):
        raise KStationError(f"control byte C must be 0 (current bank) or 1 (bank B); got {control}")
    return control


# --- dumps -------------------------------------------------------------------------------------


def current_sound(model: Model | str, block: bytes, *, version=DEFAULT_VERSION,
                  sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Current sound dump (M=00): plays the block, stores nothing; C, B, P sent as 0."""
    return build(_header(model, "current-sound", version=version, sysex_channel=sysex_channel),
                 block)


def program_dump(model: Model | str, bank: int, program: int, block: bytes, *, control: int = 0,
                 version=DEFAULT_VERSION, sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Program dump (M=01). C=1 stores to ``bank``; C=0 to the device's selected bank."""
    h = _header(model, "program", control=_control(control), version=version, bank=bank,
                program=program, sysex_channel=sysex_channel)
    check_address(h.model, h.kind, bank, program)
    return build(h, block)


def pair_dump(model: Model | str, bank: int, program: int, even_block: bytes, odd_block: bytes,
              *, control: int = 0, version=DEFAULT_VERSION,
              sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Program pair dump (M=02): programs ``program`` (even) and ``program + 1``."""
    h = _header(model, "program-pair", control=_control(control), version=version, bank=bank,
                program=program, sysex_channel=sysex_channel)
    check_address(h.model, h.kind, bank, program)
    if len(even_block) != BLOCK or len(odd_block) != BLOCK:
        raise KStationError(f"a pair holds two {BLOCK}-byte blocks; got {len(even_block)} and "
                            f"{len(odd_block)}")
    return build(h, bytes(even_block) + bytes(odd_block))


def global_dump(model: Model | str, block: bytes, *, version=DEFAULT_VERSION,
                sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Global data dump (M=03, C=B=P=0); the 256-byte block is kept opaque."""
    if len(block) != GLOBAL_BLOCK:
        raise KStationError(f"the global block is {GLOBAL_BLOCK} bytes; got {len(block)}")
    return build(_header(model, "global", version=version, sysex_channel=sysex_channel), block)


# --- requests ----------------------------------------------------------------------------------


def request_current(model: Model | str, *, sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Ask for the current sound (M=40)."""
    return build(_header(model, "current-sound-request", version=REQUEST_VERSION,
                         sysex_channel=sysex_channel))


def _addressed_request(kind_name, model, program, bank, sysex_channel) -> bytes:
    # C=1 makes the device honour B; with C=0 B is "don't care" and the current bank answers.
    # (A KS-series reply copies C from the request.)
    control = 0 if bank is None else 1
    h = _header(model, kind_name, control=control, version=REQUEST_VERSION, bank=bank or 0,
                program=program, sysex_channel=sysex_channel)
    check_address(h.model, h.kind, bank if bank is not None else min(h.model.banks), program)
    return build(h)


def request_program(model: Model | str, program: int, bank: int | None = None, *,
                    sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Ask for one program (M=41); ``bank=None`` means the device's selected bank (C=0)."""
    return _addressed_request("program-request", model, program, bank, sysex_channel)


def request_pair(model: Model | str, program: int, bank: int | None = None, *,
                 sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Ask for programs ``program`` (even) and ``program + 1`` (M=42)."""
    return _addressed_request("program-pair-request", model, program, bank, sysex_channel)


def request_global(model: Model | str, *, sysex_channel: int = SYSEX_CHANNEL_ALL) -> bytes:
    """Ask for the global data block (M=43)."""
    return build(_header(model, "global-request", version=REQUEST_VERSION,
                         sysex_channel=sysex_channel))


def bank_requests(model: Model | str, bank: int, *,
                  sysex_channel: int = SYSEX_CHANNEL_ALL) -> list[bytes]:
    """Pair requests for a whole bank (50, or 25 for a KS drum bank), addressed with C=1."""
    m = model_of(model)
    if bank not in m.banks:
        raise KStationError(f"{m.name} has no bank {bank}")
    return [request_pair(m, p, bank, sysex_channel=sysex_channel)
            for p in range(0, m.banks[bank], 2)]


def backup_requests(model: Model | str, banks: list[int] | None = None, *,
                    include_global: bool = True,
                    sysex_channel: int = SYSEX_CHANNEL_ALL) -> list[bytes]:
    """Every request a full backup sends: pair requests for each bank (all program banks by
    default: 4 x 50 on a K-Station or A-Station), then the global request."""
    m = model_of(model)
    chosen = banks if banks is not None else [b for b, n in m.banks.items() if n == 100]
    out = [r for b in chosen for r in bank_requests(m, b, sysex_channel=sysex_channel)]
    if include_global:
        out.append(request_global(m, sysex_channel=sysex_channel))
    return out


# --- parsing -----------------------------------------------------------------------------------


class Parsed(Record):
    """What the bytes of a K-Station family message say, with positions of what is wrong
    (relative to the message start). ``header`` is None when the header is cut short."""

    _fields = ("model", "header", "data", "problems", "notes", "broken")

    def __init__(self, model: Model, header: Header | None, data: bytes = b"",
                 problems: list[tuple[int, str]] | None = None, notes: list[str] | None = None,
                 broken: bool = False):
        self.model = model
        self.header = header
        self.data = data
        self.problems = [] if problems is None else problems
        self.notes = [] if notes is None else notes
        # Set by problems that make the data unusable (cut header, unknown type, wrong size, a
        # byte above 7F), as opposed to a questionable address or C value.
        self.broken = broken

    @property
    def complete(self) -> bool:
        """Header read, known kind, data exactly its size with no byte above 7F."""
        return self.header is not None and not self.broken

    def fail(self, pos: int, text: str) -> None:
        self.problems.append((pos, text))
        self.broken = True


def parse(data: bytes, terminated: bool = True) -> Parsed | None:
    """Parse a message (F0 … F7). None when it is not a K-Station family message."""
    if not data.startswith(PREFIX) or len(data) <= POS_DEVICE_TYPE:
        return None
    model = MODEL_BY_TYPE.get(data[POS_DEVICE_TYPE])
    if model is None:
        return None
    terminated = terminated and data[-1] == EOX
    end = len(data) - 1 if terminated else len(data)
    out = Parsed(model, None)
    high = None if data[1:end].isascii() else next(i for i in range(1, end) if data[i] > 0x7F)
    if high is not None:
        out.fail(high, f"data byte {high} is 0x{data[high]:02X}; SysEx data bytes are 00-7F")
    if end < HEADER_LEN:
        out.fail(end, f"message ends after {end} bytes, inside the {HEADER_LEN}-byte header "
                      "(F0 00 20 29 01 DT SyCh M C Vv Vi B P)")
        return out
    kind = KIND_BY_CODE.get(data[7])
    if kind is None:
        codes = ", ".join(f"{k.code:02X}" for k in KIND_BY_CODE.values())
        out.fail(7, f"message type 0x{data[7]:02X} is not one the K-Station family documents "
                    f"(expected one of {codes})")
        return out
    sych, c, vv, vi, b, p = data[6], data[8], data[9], data[10], data[11], data[12]
    out.header = Header(model, kind, c, vv, vi, b, p, sych)
    out.data = bytes(data[HEADER_LEN:end])
    if len(out.data) != kind.data_size:
        want = HEADER_LEN + kind.data_size + 1
        what = f"{kind.data_size}-byte block" if kind.data_size else "no data"
        got = f"{end + 1} bytes" if terminated else f"{end} bytes without F7"
        out.fail(min(end, HEADER_LEN + kind.data_size),
                 f"{kind.name} is {got}; expected {want} ({HEADER_LEN} header + {what} + F7)")
    # A message complete but for its F7 keeps usable data; the framing reports the missing F7.
    _check_fields(out, data)
    return out


def _check_fields(out: Parsed, data: bytes) -> None:
    h = out.header
    assert h is not None
    kind, model = h.kind, h.model
    if h.sysex_channel != SYSEX_CHANNEL_ALL and h.sysex_channel > 0x0F:
        out.problems.append((6, f"SysEx channel byte 0x{h.sysex_channel:02X} is neither 7F nor a "
                                "channel 00-0F"))
    if kind.addressed:
        if h.control not in (0, 1):
            out.problems.append((8, f"control byte C = {h.control}; expected 0 (current bank) "
                                    "or 1 (bank B)"))
        if h.bank == 0 and not kind.request_for:
            # Editors write B = 0 when they send a program to working memory (the
            # A-Station's, notably); it names no bank: read as the selected bank, kept as is.
            out.notes.append("bank B = 0 names no bank (as editors write for working memory): "
                             "read as the current bank" + (
                                 "" if h.control == 0 else
                                 "; with C = 1 where the device stores it is not documented"))
        elif h.bank not in model.banks:
            text = (f"bank B = {h.bank} is outside {min(model.banks)}-{max(model.banks)}")
            if h.control == 1:
                out.problems.append((11, text))
            else:  # with C=0 the device ignores B
                out.notes.append(text + " (ignored by the device since C = 0)")
        size = model.banks.get(h.bank, 100)
        if not 0 <= h.program < size:
            out.problems.append((POS_PROGRAM, f"program P = {h.program} is outside 0-{size - 1}"))
        pairish = kind.programs == 2 or kind.request_for == "program-pair"
        if pairish and h.program % 2:
            out.problems.append((POS_PROGRAM, f"program pair starts at odd program {h.program}; "
                                              "P must be even (0, 2, … 98)"))
    else:
        sent = {"C": h.control, "B": h.bank, "P": h.program}
        odd = [f"{k} = {v}" for k, v in sent.items() if v]
        if odd:
            out.notes.append(f"{', '.join(odd)} where the device sends 0 (ignored on receive)")


def with_address(h: Header, **changes) -> Header:
    return h._replace(**changes)
