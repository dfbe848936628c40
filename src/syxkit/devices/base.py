"""The Device interface: what every driver (built-in or third-party) provides.

A driver is a small object with class attributes that describe it and methods that work on
:class:`Dump` objects. Only ``identify`` is required; each operation a driver does not support
raises :class:`Unsupported`, which the CLI turns into a clear message. Drivers know nothing of
I/O: they take bytes and return bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from syxkit.core.message import Message, Problem
from syxkit.core.record import Record

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any, ClassVar


class DeviceError(Exception):
    """A user-facing failure of an operation (bad option, refused slot, wrong input)."""


class Unsupported(DeviceError):
    pass


class OptionError(DeviceError):
    """A bad option value or request name (out of range, unknown): the faces treat it as a
    usage error (the CLI exits 2), not as a failed file or device."""


class Dump(Record):
    """What a message (or a part of a bulk message) means for a device.

    A plain class, not a dataclass: it is on the start path of ``syxkit info`` (see
    syxkit.core.record); keyword arguments as a dataclass's.
    """

    _fields = ("device", "kind", "message", "model", "channel", "bank", "program", "slot", "name",
               "checksum", "payload", "problems", "notes", "parts", "details", "index", "waived",
               "store")

    def __init__(self, device: str, kind: str, message: Message | None = None,
                 model: str | None = None, channel: int | None = None, bank: int | None = None,
                 program: int | None = None, slot: str | None = None, name: str | None = None,
                 checksum: str = "none", payload: bytes | None = None,
                 problems: list[Problem] | None = None, notes: list[str] | None = None,
                 parts: list[Dump] | None = None, details: dict[str, Any] | None = None,
                 index: int | None = None, waived: list[Problem] | None = None,
                 store: str | None = None):
        self.device = device
        self.kind = kind
        self.message = message
        self.model = model
        self.channel = channel  # 1-16
        self.bank = bank
        self.program = program  # as on the wire
        self.slot = slot
        self.name = name
        self.checksum = checksum  # ok | bad | none
        self.payload = payload  # decoded logical bytes
        self.problems = [] if problems is None else problems
        self.notes = [] if notes is None else notes
        self.parts = [] if parts is None else parts
        self.details = {} if details is None else details
        self.index = index  # position inside a bulk message (parts)
        # Framing problems the device explains as normal for this message (e.g. a host-side
        # handshake capture never ends with F7): they are not shown as problems.
        self.waived = [] if waived is None else waived
        # Where the device stores this message when it is sent, in the device's panel terms,
        # with the wire bytes that decide it (e.g. "bank 4, program 7 (B=04 P=07, C=1: store
        # in bank B)" or "edit buffer, not stored"). None when the message is not stored
        # anywhere. ``info`` shows it; ``--verify`` reads back from here, never from the
        # command's intent.
        self.store = store

    def summary(self) -> dict[str, Any]:
        """The fields ``info --json`` shows for a part."""
        return {
            "index": self.index, "kind": self.kind, "model": self.model, "bank": self.bank,
            "program": self.program, "slot": self.slot, "name": self.name,
            "checksum": self.checksum, "problems": [str(p) for p in self.problems],
        }


class Output(Record):
    """A file an operation produces: a suggested name and its bytes."""

    _fields = ("name", "data", "notes")

    def __init__(self, name: str, data: bytes, notes: list[str] | None = None):
        self.name = name
        self.data = data
        # What the operation changed that the user should hear about (e.g. "name dropped");
        # the CLI prints these on stderr.
        self.notes = [] if notes is None else notes


class Options:
    """Command-line options handed to a driver. Reading one marks it used, so the CLI can warn
    about options that had no effect for this device instead of silently ignoring them."""

    def __init__(self, **values: Any):
        self._values = {k: v for k, v in values.items() if v is not None and v != () and v is not False}
        self._used: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self._used.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: str) -> bool:
        self._used.add(key)
        return key in self._values

    def unused(self) -> list[str]:
        return sorted(set(self._values) - self._used)


class Device(ABC):
    """Base class for drivers. Subclasses set the class attributes and override methods."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # Quick pre-filter: a message is offered to ``identify`` only when it starts with one of
    # these (F0 included). Empty means "offer everything".
    prefixes: ClassVar[tuple[bytes, ...]] = ()
    models: ClassVar[tuple[str, ...]] = ()
    # What ``syxkit request DEVICE WHAT`` can fetch, counted as the device's own display counts:
    # (pattern, meaning) pairs such as ("tone:N", "internal tone N, 1-16 on a CZ-101"). Shown
    # by ``syxkit request --help``.
    request_names: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The kinds of sound object ``objects`` yields (what the library stores, one patch each),
    # spelled as the conventions say (lower case, hyphenated: "operation-memory"). The library
    # takes its ``--kind`` vocabulary from here.
    kinds: ClassVar[tuple[str, ...]] = ()

    def accepts(self, data: bytes) -> bool:
        return not self.prefixes or data.startswith(self.prefixes)

    @abstractmethod
    def identify(self, message: Message) -> Dump | None:
        """The dump this message is for this device, or None when it is not this device's."""

    # Non-SysEx file forms (old librarian files): return synthesised messages or None.
    def read_foreign(self, data: bytes, path: str) -> list[Message] | None:
        return None

    def _unsupported(self, what: str) -> Unsupported:
        return Unsupported(f"{self.id}: {what} is not supported for this device")

    def decode(self, dump: Dump) -> dict[str, Any]:
        """Named parameters of a dump (JSON-ready)."""
        raise self._unsupported("decode")

    def encode(self, obj: dict[str, Any], base: Dump | None = None) -> bytes:
        """Messages back from an object as produced by ``decode --json``.

        ``base`` (``syxkit encode --base FILE``): a dump of this device, of the same kind as
        ``obj``, whose values fill whatever ``obj`` leaves out (whole sections, single values,
        channel/program). Without a base, a missing section is an error. The CLI picks the
        base dump (e.g. the dump at the same position in the base file) and calls
        ``encode(obj, base=dump)``; drivers that take no base keep the one-argument form, so
        call with ``base=`` only when the user gave one.

        Bad JSON raises :class:`syxkit.devices.params.ParamError` (a DeviceError) naming the
        JSON path from ``obj`` down (``params.line1.dco.rates``: prefix ``[i].`` when ``obj``
        is the i-th of a list; ``err.under(i)`` does that). Decode -> encode of an untouched
        dump gives the same bytes (also a damaged one: a bad checksum stays bad; repair is
        ``fix``'s job)."""
        raise self._unsupported("encode")

    def program_option(self, text: str, model: str | None = None) -> Any:
        """``--program`` as the user typed it -> the value the driver's ``program`` option
        holds. By default a number (decimal or 0x hex) that the driver reads as its display
        counts; a driver whose panel names its slots (the CZ's ``internal:3``, ``B2``) turns
        those names into its own value here, so every face (CLI, web) counts one way.
        A bad value raises OptionError (a usage error)."""
        from syxkit.core.numbers import parse_int

        try:
            return parse_int(text)
        except ValueError as exc:
            raise OptionError(f"--program {text}: {exc}") from None

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        raise self._unsupported("convert")

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        raise self._unsupported("split")

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        raise self._unsupported("join")

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        """Repaired bytes for the dump's message and what was changed, or None if nothing to fix."""
        raise self._unsupported("fix")

    def rename(self, dump: Dump, name: str, options: Options) -> bytes:
        """The dump's message with a new name (``options['index']`` picks a bulk part)."""
        raise self._unsupported("rename (this device stores no names)")

    def check_name(self, name: str, dump: Dump) -> str:
        """The name as the device will store and show it in ``dump`` (e.g. folded to upper
        case), without building any bytes; raises DeviceError with the reason (too long,
        characters outside the set, no name in this kind of object). ``rename`` and the
        library's ``lib rename`` call it, so both apply the same rules. Unsupported: the
        driver has no name rules to check (callers fall back to ``rename``)."""
        raise self._unsupported("name checking")

    def objects(self, dump: Dump) -> list[Dump]:
        """The sound objects a message holds (the parts of a bulk dump, else the dump itself);
        the library stores one patch per object."""
        return dump.parts or [dump]

    def sound_bytes(self, dump: Dump) -> bytes | None:
        """The bytes that make the sound, for de-duplication: payload without what the device
        ignores (channel, program address, form, name, unused bytes). None: not a sound object."""
        return dump.payload

    def fits(self, dump: Dump) -> tuple[str, ...]:
        """The models that can load this object (the library matches ``--model`` against
        them): the model its message names ("A/B" naming two), else every model of the
        device. A driver whose formats differ between models says which ones fit."""
        if dump.model:
            named = tuple(m for m in dump.model.split("/") if m)
            return named if all(m in self.models for m in named) else (dump.model,)
        return tuple(self.models)

    def example(self) -> bytes | None:
        """A small valid dump built from the driver's own tables (for the demo and tests)."""
        return None

    # -- the editor's field model (syxkit.devices.fieldmodel) ----------------------------------
    def fields(self, kind: str, model: str | None = None) -> list[Any]:
        """The editor fields (:class:`syxkit.devices.fieldmodel.Field`, ``to_json`` for the
        page) of a ``kind`` of sound object on ``model``, generated by walking the driver's
        parameter table: key, label, panel group, kind and range. Unsupported: the device has
        no parameter table for this kind (nothing to edit field by field)."""
        raise self._unsupported(f"editing {kind} parameters")

    def envelopes(self, kind: str, model: str | None = None) -> list[Any]:
        """The envelopes among :meth:`fields` (:class:`syxkit.devices.fieldmodel.Envelope`):
        which keys are each envelope's rates, levels, sustain and end, for drawing."""
        from syxkit.devices.fieldmodel import envelopes_of

        return envelopes_of(self.fields(kind, model))

    def object_params(self, params: dict[str, Any], part: int | None) -> dict[str, Any]:
        """Where object ``part`` of a message sits in the message's decoded form (``decode``
        of the whole message, wrapped as ``decode --json`` shows it: device, kind, name,
        params): the dict holding that object's ``name`` and ``params``. Edits made to it
        are encoded back with the whole message. ``part`` None: the message is the object."""
        if part is None:
            return params
        raise self._unsupported("editing one part of a bulk message")

    def review(self, dumps: list[Dump]) -> list[tuple[Dump, Problem]]:
        """Problems that only show across messages (e.g. a song sent in several packets with
        one missing), each paired with the dump it belongs to. ``dumps``: one file's dumps of
        this device, in file order. ``syxkit info`` shows them with those dumps."""
        return []

    # -- live transfers (issue 8/9): protocols are sans-I/O peers from syxkit.protocols --------
    def request_protocol(self, what: str, options: Options) -> Any:
        """A host protocol fetching one object named the device's way (``tone:0x20``,
        ``sample-ram``, ``program:2:42``, ``kit:12`` …). Its result is a list of Output.
        ``options.get("form")`` may be "faithful", "embedded" or "paced"."""
        raise self._unsupported("request")

    def backup_protocol(self, options: Options) -> Any:
        """A host protocol fetching everything the device can send; result: list of Output,
        one per object."""
        raise self._unsupported("backup")

    def send_protocol(self, data: bytes, options: Options) -> Any:
        """A host protocol sending a dump file to the device with its handshake or pacing."""
        raise self._unsupported("send")

    def answer(self, message: bytes) -> bytes | None:
        """What a host must answer when the device starts a dump from its panel (the VZ's bulk
        open wants OK); None when nothing is due. Used by ``syxkit receive``."""
        return None

    def emulator(self, options: Options) -> Any:
        """An emulated device (syxkit.emulators.base.Emulator); ``options.get("memory")`` is a
        list of Dumps to load, ``model``, ``faults``, ``active_sensing``, ``block_delay``."""
        raise self._unsupported("emulation")

    def cli_commands(self) -> list[Any]:
        """Extra click commands for this device (e.g. ``syxkit rz1 export``)."""
        return []
