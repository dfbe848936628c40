"""Which devices exist: built-in drivers found in this package, plus third-party drivers
registered under the ``syxkit.devices`` entry point (value: a Device subclass or instance).

Drivers are imported when they are first needed, not up front: ``syxkit info`` on a CZ tone
imports the CZ driver and nothing else. For that the registry knows, without importing them,
each built-in driver's id, the SysEx prefixes it accepts and whether it reads non-SysEx files
(:data:`BUILTIN`; ``tests/test_registry.py`` checks the table against the drivers). Third-party
drivers are looked up (which costs ``importlib.metadata`` and a scan of the installed packages)
only when a built-in driver cannot answer: a message no built-in driver takes, a device id no
built-in driver has, a file no built-in reader reads, or a full list of devices.

The order in which drivers are offered a message is unchanged by the laziness: built-ins in
:data:`BUILTIN` order, then plug-ins, then devices added with :func:`register`.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections import namedtuple
from collections.abc import Iterator

import syxkit.devices as _pkg
from syxkit.core.message import Message
from syxkit.core.readers import ForeignReader
from syxkit.devices.base import Device, Dump

ENTRY_POINT_GROUP = "syxkit.devices"


class Builtin(namedtuple("Builtin", ['id', 'module', 'prefixes', 'reads_foreign'], defaults=(False,))):
    """What the registry knows of a built-in driver before importing it."""

    __slots__ = ()  # fields as listed in the comments below

    # id: str
    # module: str  # under syxkit.devices; exports DEVICE (a Device subclass or instance)
    # prefixes: tuple[bytes, ...]  # as the driver's ``prefixes``; empty: offered every message
    # reads_foreign: bool = False  # the driver overrides ``read_foreign`` (old librarian files)

    def may_accept(self, data: bytes) -> bool:
        return not self.prefixes or data.startswith(self.prefixes)


# In the order drivers are offered a message (module name order, as when they were found by
# scanning the package). A driver package missing here still works (it is imported whenever
# the registry is first used, see _unlisted_modules), only without the speed.
BUILTIN: tuple[Builtin, ...] = (
    Builtin("casio-cz", "casio_cz", (b"\xf0\x44\x00\x00",)),
    Builtin("casio-rz1", "casio_rz1", (b"\xf0\x44\x01\x00",)),
    Builtin("casio-vz", "casio_vz", (b"\xf0\x44\x03",), reads_foreign=True),
    Builtin("novation-kstation", "novation_kstation",
            (b"\xf0\x00\x20\x29\x01\x41", b"\xf0\x00\x20\x29\x01\x40", b"\xf0\x00\x20\x29\x01\x42")),
    Builtin("yamaha-dtxtreme2", "yamaha_dtx", (b"\xf0\x43\x7d",)),
)

# Modules under syxkit.devices that are not drivers (shared helpers).
NOT_DRIVERS = ("base", "registry", "params", "fieldmodel")

# id -> the driver, or its Builtin entry while it is not imported yet. None: not set up yet.
_devices: dict[str, Device | Builtin] | None = None
_plugins_loaded = False


def _instance(obj) -> Device:
    return obj() if isinstance(obj, type) else obj


def _import_builtin(module: str) -> Device | None:
    dev = getattr(importlib.import_module(f"{_pkg.__name__}.{module}"), "DEVICE", None)
    return None if dev is None else _instance(dev)


def _unlisted_modules() -> list[str]:
    """Driver modules or packages under syxkit.devices that :data:`BUILTIN` does not list
    (listing a folder is cheap; importing is what the table saves)."""
    listed = {b.module for b in BUILTIN}
    return sorted(name for name in _package_modules()
                  if name not in listed and name not in NOT_DRIVERS and not name.startswith("_"))


def _package_modules() -> set[str]:
    """The names ``pkgutil.iter_modules`` gives for this package's folders (``NAME.py`` files
    and ``NAME/__init__.py`` packages), read with ``os.scandir``: every command runs this, and
    pkgutil (with the importlib.util and typing it pulls in) costs a tenth of the start."""
    names: set[str] = set()
    for folder in _pkg.__path__:
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    stem, dot, ext = entry.name.partition(".")
                    if not stem.isidentifier():
                        continue
                    if dot and ext == "py" and entry.is_file():
                        names.add(stem)
                    elif not dot and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                        names.add(stem)
        except OSError:  # a namespace portion that is gone: nothing to list there
            continue
    return names


def _state() -> dict[str, Device | Builtin]:
    global _devices
    if _devices is None:
        found: dict[str, Device | Builtin] = {b.id: b for b in BUILTIN}
        for name in _unlisted_modules():
            dev = _import_builtin(name)
            if dev is not None:
                found[dev.id] = dev
        _devices = found
    return _devices


def _load(entry: Device | Builtin) -> Device:
    if isinstance(entry, Device):
        return entry
    dev = _import_builtin(entry.module)
    if dev is None or dev.id != entry.id:
        raise RuntimeError(f"syxkit.devices.{entry.module} does not export the {entry.id!r} driver "
                           "that registry.BUILTIN lists")
    _state()[entry.id] = dev
    return dev


def _load_plugins() -> None:
    global _plugins_loaded
    state = _state()
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points  # costly: only when a plug-in may be asked

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            dev = _instance(ep.load())
        except Exception as exc:  # a broken plug-in must not break syxkit
            warnings.warn(f"syxkit: device plug-in {ep.name!r} failed to load: {exc}", stacklevel=2)
            continue
        if dev.id in state:
            warnings.warn(f"syxkit: device plug-in {ep.name!r} reuses id {dev.id!r}; ignored", stacklevel=2)
            continue
        state[dev.id] = dev


def devices() -> list[Device]:
    """Every driver (all of them imported)."""
    _load_plugins()
    return [_load(entry) for entry in list(_state().values())]


def ids() -> list[str]:
    """Every device id, importing no built-in driver."""
    _load_plugins()
    return list(_state())


def register(device: Device | type[Device]) -> Device:
    """Add a device at run time (tests, embedding applications)."""
    _load_plugins()  # plug-ins keep their place before devices added here
    dev = _instance(device)
    _state()[dev.id] = dev
    return dev


def unregister(device_id: str) -> None:
    _load_plugins()
    _state().pop(device_id, None)


def reload() -> None:
    global _devices, _plugins_loaded
    _devices = None
    _plugins_loaded = False


def get(device_id: str) -> Device:
    entry = _state().get(device_id)
    if entry is None:
        _load_plugins()
        entry = _state().get(device_id)
    if entry is None:
        known = ", ".join(_state())
        raise KeyError(f"unknown device {device_id!r} (known: {known})")
    return _load(entry)


def _offered(data: bytes) -> Iterator[Device]:
    """The drivers that may take a message starting with ``data``, in order; built-ins whose
    prefixes do not match are not imported, plug-ins are loaded only after every built-in."""
    seen = 0
    while True:
        entries = list(_state().values())[seen:]
        for entry in entries:
            if isinstance(entry, Builtin) and not entry.may_accept(data):
                continue
            dev = _load(entry)
            if dev.accepts(data):
                yield dev
        seen += len(entries)
        if _plugins_loaded:
            return
        _load_plugins()


def identify(message: Message) -> Dump | None:
    for dev in _offered(message.data):
        dump = dev.identify(message)
        if dump is not None:
            return dump
    return None


class _ForeignReaders:
    """The device readers of non-SysEx files, in driver order, each driver imported only when
    its reader is tried; plug-ins are looked up only when no built-in reader took the file.
    Iterable again for every file (``read_paths`` keeps it as it is)."""

    def __iter__(self) -> Iterator[ForeignReader]:
        seen = 0
        while True:
            entries = list(_state().values())[seen:]
            for entry in entries:
                if isinstance(entry, Builtin):
                    if entry.reads_foreign:
                        yield _named(_lazy_reader(entry.id), entry.id)
                elif type(entry).read_foreign is not Device.read_foreign:
                    yield _named(entry.read_foreign, entry.id)
            seen += len(entries)
            if _plugins_loaded:
                return
            _load_plugins()


def _lazy_reader(device_id: str):
    def read(data: bytes, path: str):
        return get(device_id).read_foreign(data, path)

    return read


def foreign_readers() -> _ForeignReaders:
    return _ForeignReaders()


def _named(reader, name):
    def wrapped(data: bytes, path: str):
        return reader(data, path)

    wrapped.form_name = name
    return wrapped
