"""Program-level operations: take the programs out of any dumps, address them, and write them
back as current-sound, program or pair dumps, single files or whole banks.

Addressing rule (used by convert, split and join alike):

* without ``--program`` every program keeps its own bank and program number (B/P), and
  ``--bank`` alone moves them all to that bank, keeping P;
* with ``--program N`` the programs are numbered in the order given, starting at program N of
  ``--bank`` (default: the first program's own bank, else 1), continuing into the next bank.

C (where the device stores a program or pair) is never changed silently (issue 13): whenever
a bank is named (``--bank``) or ``--store-to-bank`` is given, C = 1 (store in bank B), since
with C = 0 the device stores into whatever bank is selected on its panel and B is ignored;
otherwise each program keeps the C it came with (a current sound made into a program gets 0,
as the front panel sends a single dump). A join spanning several banks always uses 1, as the
front panel's all-banks dump does (with C = 0 every bank would land in the one selected
bank). Every output says in a note what its C is and what it means. B = 0 (written by some
editors for "working memory") is kept with C = 0: the selected bank; with C = 1 it names no
bank and is refused. Vv/Vi and the SysEx channel byte travel with each program's data.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from pathlib import PurePath

from syxkit.devices.base import DeviceError, Dump, OptionError, Options, Output
from syxkit.devices.novation_kstation.messages import (
    Header,
    build,
    check_address,
    parse,
)
from syxkit.devices.novation_kstation.table import (
    BLOCK,
    DEVICE_ID,
    FORMS,
    KIND_BY_NAME,
    SYSEX_CHANNEL_ALL,
    Model,
    find_model,
)


class Prog(namedtuple("Prog", ["model", "bank", "program", "block", "vv", "vi", "sysex_channel",
                               "where", "control", "source"], defaults=(None, ""))):
    """One program as found: its block and where it came from. (Prog and Other are
    namedtuples, not dataclasses: they are on the start path of ``syxkit info``, see
    syxkit.core.record; copy one with ``_replace``.)"""

    __slots__ = ()  # fields as listed in the comments below

    # model: Model
    # bank: int | None  # None: a current sound (no address)
    # program: int | None
    # block: bytes
    # vv: int
    # vi: int
    # sysex_channel: int
    # where: str  # for messages: "file offset N" (+ " part k")
    # control: int | None = None  # C as found (None: a current sound, which has no C)
    # source: str = ""  # the file it came from (split names start with its stem)


class Other(namedtuple("Other", ["header", "data", "where", "source"], defaults=("",))):
    """A global dump or a request: carried through operations, never split or paired."""

    __slots__ = ()  # fields as listed in the comments below

    # header: Header
    # data: bytes
    # where: str
    # source: str = ""


def _where(dump: Dump) -> str:
    msg = dump.message
    if msg is None:
        return f"{dump.kind} dump"
    src = f"{msg.source} " if msg.source else ""
    return f"{src}offset {msg.offset}"


def unpack(dump: Dump) -> tuple[list[Prog], list[Other]]:
    """The programs (and any global/request) a dump holds; DeviceError when its data is not
    usable (cut short, wrong size, a byte above 7F)."""
    where = _where(dump)
    if dump.device != DEVICE_ID:
        raise DeviceError(f"{where}: a {dump.device} dump, not a K-Station family one")
    parsed = parse(dump.message.data, dump.message.terminated) if dump.message else None
    if parsed is None or not parsed.complete:
        why = parsed.problems[0][1] if parsed and parsed.problems else "no message"
        raise DeviceError(f"{where}: {dump.kind} dump not usable: {why}")
    h = parsed.header
    assert h is not None
    if h.kind.programs == 0:
        return [], [Other(h, parsed.data, where, dump.message.source if dump.message else "")]
    progs = []
    for i in range(h.kind.programs):
        bank, program = (h.bank, h.program + i) if h.kind.addressed else (None, None)
        progs.append(Prog(h.model, bank, program, parsed.data[i * BLOCK:(i + 1) * BLOCK],
                          h.vv, h.vi, h.sysex_channel,
                          where + (f" part {i}" if h.kind.programs == 2 else ""),
                          h.control if h.kind.addressed else None,
                          dump.message.source if dump.message else ""))
    return progs, []


def collect(dumps: Iterable[Dump]) -> tuple[list[Prog], list[Other]]:
    progs: list[Prog] = []
    others: list[Other] = []
    for d in dumps:
        p, o = unpack(d)
        progs += p
        others += o
    return progs, others


# --- options -----------------------------------------------------------------------------------


def form_of(options: Options, allowed: tuple[str, ...]) -> str | None:
    form = options.get("form")
    if form is None:
        return None
    kind = FORMS.get(str(form).lower())
    if kind is None or kind not in allowed:
        names = sorted({k for k, v in FORMS.items() if v in allowed and "-" not in k})
        raise DeviceError(f"--to {form}: expected one of {', '.join(names)}")
    return kind


def control_of(options: Options, form: str | None) -> int | None:
    """C asked for by the options: 1 with --store-to-bank or a named --bank (a bank named with
    C = 0 would be ignored by the device), else None (each program keeps its own C)."""
    store = bool(options.get("store_to_bank"))
    if store and form == "current-sound":
        raise OptionError("--store-to-bank sets C for program and pair dumps; a current sound "
                          "is never stored")
    return 1 if store or ("bank" in options and form != "current-sound") else None


def own_control(progs: list[Prog], forced: int | None) -> int:
    """The C to write for programs that go out in one message: the one asked for, else the C
    they came with (0 for a current sound, as the front panel sends a single dump)."""
    if forced is not None:
        return forced
    found = {0 if p.control is None else p.control for p in progs}
    if len(found) > 1:
        raise DeviceError(f"{progs[0].where} and {progs[-1].where} came with different control "
                          "bytes C (0: the selected bank, 1: bank B) and go out in one message; "
                          "give --store-to-bank (C = 1) or --bank to choose")
    return found.pop()


def control_note(control: int, bank: int) -> str:
    """What a written C means, for the notes every K-Station output carries."""
    if control == 1:
        return f"C = 1: the device stores this in bank {bank} (B = {bank:02X})"
    return (f"C = 0: the device stores this in the bank selected on its panel, whatever B says "
            f"(B = {bank:02X}); give --bank N or --store-to-bank to store in a bank of your choice")


def model_override(options: Options, progs: list[Prog]) -> Model | None:
    name = options.get("model")
    if name is None:
        return None
    model = find_model(str(name))
    if model is None:
        raise OptionError(f"--model {name}: expected K-Station, A-Station or KS series")
    for p in progs:
        if (p.model.layout == "unknown") != (model.layout == "unknown"):
            raise DeviceError(f"{p.where}: a {p.model.name} program cannot become a {model.name} "
                              "program (the KS-series layout is not known to match)")
    return model


def channel_of(options: Options) -> int | None:
    ch = options.get("channel")
    return None if ch is None else int(ch) - 1


def common_model(progs: list[Prog], override: Model | None) -> Model:
    if override is not None:
        return override
    models = {p.model.name: p.model for p in progs}
    if len(models) > 1:
        raise DeviceError(f"the programs come from several models ({', '.join(sorted(models))}); "
                          "choose one with --model")
    return next(iter(models.values()))


# --- addressing --------------------------------------------------------------------------------


def bank_size(model: Model, bank: int, where: str) -> int:
    """Programs in ``bank``; B = 0 (the selected bank, as editors write for working memory)
    holds 100. A bank the model has not got is a DeviceError naming the program."""
    if bank == 0:
        return 100
    if bank not in model.banks:
        raise DeviceError(f"{where}: a program for bank {bank}, which the {model.name} has not "
                          f"got (banks {min(model.banks)}-{max(model.banks)}); give --bank")
    return model.banks[bank]


def _next_slot(model: Model, bank: int, program: int, where: str) -> tuple[int, int]:
    if program + 1 < bank_size(model, bank, where):
        return bank, program + 1
    later = [b for b in sorted(model.banks) if b > bank]
    if not later or bank == 0:
        raise DeviceError(f"too many programs: they run past the last program of "
                          f"{'the selected bank' if bank == 0 else f'the last {model.name} bank'}")
    return later[0], 0


def address(progs: list[Prog], options: Options, model: Model) -> list[Prog]:
    """The programs with the bank/program they will get (see the module notes)."""
    start = options.get("program")
    bank_opt = options.get("bank")
    if bank_opt is not None and bank_opt not in model.banks:
        raise OptionError(f"--bank {bank_opt}: {model.name} banks are "
                          f"{min(model.banks)}-{max(model.banks)} (as the panel shows them)")
    out = []
    if start is not None:
        first = next((p for p in progs if p.bank is not None), None)
        bank = bank_opt if bank_opt is not None else first.bank if first else min(model.banks)
        size = bank_size(model, bank, first.where if first else "--program")
        if not 0 <= start < size:
            raise OptionError(f"--program {start}: {'the selected bank' if bank == 0 else f'bank {bank}'}"
                              f" holds programs 0-{size - 1} (as the panel shows them)")
        program = start
        for i, p in enumerate(progs):
            if i:
                bank, program = _next_slot(model, bank, program, p.where)
            out.append(p._replace(bank=bank, program=program))
        return out
    for p in progs:
        if p.bank is not None and bank_opt is None:
            bank_size(model, p.bank, p.where)  # a bank the model has not got is named here
        if p.bank is None:
            if bank_opt is None:
                raise DeviceError(f"{p.where}: a current sound has no program address; give "
                                  "--program (and --bank) to place it")
            raise DeviceError(f"{p.where}: a current sound has no program number; give --program")
        out.append(p._replace(bank=bank_opt if bank_opt is not None else p.bank))
    return out


def by_slot(progs: list[Prog]) -> dict[tuple[int, int], Prog]:
    """Programs keyed by (bank, program); two programs for one slot is an error."""
    slots: dict[tuple[int, int], Prog] = {}
    for p in progs:
        assert p.bank is not None and p.program is not None
        key = (p.bank, p.program)
        if key in slots:
            raise DeviceError(f"two programs for bank {p.bank} program {p.program:02d}: "
                              f"{slots[key].where} and {p.where}")
        slots[key] = p
    return slots


# --- writing -----------------------------------------------------------------------------------


def _channel(progs: list[Prog], forced: int | None) -> int:
    if forced is not None:
        return forced
    chans = {p.sysex_channel for p in progs}
    return chans.pop() if len(chans) == 1 else SYSEX_CHANNEL_ALL


def _version(progs: list[Prog]) -> tuple[int, int]:
    versions = {(p.vv, p.vi) for p in progs}
    if len(versions) > 1:
        a, b = progs[0], progs[1]
        raise DeviceError(f"one pair cannot hold programs of two software versions: {a.where} "
                          f"(Vv {a.vv:02X} Vi {a.vi}) and {b.where} (Vv {b.vv:02X} Vi {b.vi}); "
                          "the device may convert data by its version")
    return versions.pop()


def _check_store(model: Model, kind, p: Prog, control: int) -> None:
    assert p.bank is not None and p.program is not None
    if p.bank == 0:
        if control == 1:
            raise DeviceError(f"{p.where}: B = 0 names no bank (editors write it for working "
                              "memory) and C = 1 would store in bank B; give --bank N to store "
                              "in a bank, or leave C = 0 (the selected bank)")
        check_address(model, kind, min(model.banks), p.program)  # program range, pair parity
        return
    check_address(model, kind, p.bank, p.program)


def write_single(p: Prog, form: str, model: Model, control: int | None,
                 channel: int | None) -> bytes:
    kind = KIND_BY_NAME[form]
    ch = _channel([p], channel)
    if form == "current-sound":
        h = Header(model, kind, 0, p.vv, p.vi, 0, 0, ch)
    else:
        c = own_control([p], control)
        _check_store(model, kind, p, c)
        h = Header(model, kind, c, p.vv, p.vi, p.bank, p.program, ch)
    return build(h, p.block)


def write_pair(even: Prog, odd: Prog, model: Model, control: int | None,
               channel: int | None) -> bytes:
    kind = KIND_BY_NAME["program-pair"]
    control = own_control([even, odd], control)
    _check_store(model, kind, even, control)
    vv, vi = _version([even, odd])
    h = Header(model, kind, control, vv, vi, even.bank, even.program,
               _channel([even, odd], channel))
    return build(h, even.block + odd.block)


def pairs_in_order(slots: dict[tuple[int, int], Prog]) -> list[tuple[Prog, Prog]]:
    """Slots grouped into (even, odd) pairs in address order; a missing partner is named."""
    out = []
    for bank, program in sorted(slots):
        if program % 2:
            if (bank, program - 1) not in slots:
                raise DeviceError(f"bank {bank} program {program:02d} ({slots[bank, program].where})"
                                  f" has no partner {program - 1:02d}: pairs start at even "
                                  "programs (0, 2, … 98); give an even --program")
            continue
        odd = slots.get((bank, program + 1))
        if odd is None:
            raise DeviceError(f"bank {bank} program {program:02d} ({slots[bank, program].where}) "
                              f"has no partner {program + 1:02d} to make a pair")
        out.append((slots[bank, program], odd))
    return out


def write_other(o: Other, model: Model | None, channel: int | None) -> bytes:
    h = o.header
    if model is not None:
        h = h._replace(model=model)
    if channel is not None:
        h = h._replace(sysex_channel=channel)
    return build(h, o.data)


def stem(p: Prog | Other) -> str:
    """The start of an output name: the source file's stem (so that two banks split into one
    folder never collide), else the model."""
    if p.source:
        return PurePath(p.source).stem
    model = p.model if isinstance(p, Prog) else p.header.model
    return model.name.lower().replace(" ", "-")


def file_name(p: Prog, form: str, seq: int = 0) -> str:
    """``SOURCE-b2-p07.syx`` for an addressed program (a plain sort gives bank, program order;
    B = 0 shows as b0, the selected bank), ``SOURCE-003-current.syx`` for the third current
    sound of a file (numbered, since it has no address to sort by)."""
    if form == "current-sound" or p.bank is None:
        return f"{stem(p)}-{seq:03d}-current.syx"
    return f"{stem(p)}-b{p.bank}-p{p.program:02d}.syx"


def unique_names(outputs: list[Output]) -> list[Output]:
    seen: dict[str, int] = {}
    out = []
    for o in outputs:
        n = seen.get(o.name, 0)
        seen[o.name] = n + 1
        name = o.name if n == 0 else o.name.replace(".syx", f"-{n + 1}.syx")
        out.append(Output(name, o.data, list(o.notes)))
    return out


def ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "01-03, 07"."""
    parts, run = [], []
    for n in numbers:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(run)
        run = [n]
    if run:
        parts.append(run)
    return ", ".join(f"{r[0]:02d}" if len(r) == 1 else f"{r[0]:02d}-{r[-1]:02d}" for r in parts)
