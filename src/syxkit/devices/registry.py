"""Which devices exist: built-in drivers found in this package, plus third-party drivers
registered under the ``syxkit.devices`` entry point (value: a Device subclass or instance)."""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from importlib.metadata import entry_points

import syxkit.devices as _pkg
from syxkit.core.message import Message
from syxkit.core.readers import ForeignReader
from syxkit.devices.base import Device, Dump

ENTRY_POINT_GROUP = "syxkit.devices"
_devices: dict[str, Device] | None = None


def _instance(obj) -> Device:
    return obj() if isinstance(obj, type) else obj


def _discover() -> dict[str, Device]:
    found: dict[str, Device] = {}
    # Built-ins: every module or package directly under syxkit.devices that exports DEVICE.
    for info in sorted(pkgutil.iter_modules(_pkg.__path__), key=lambda i: i.name):
        if info.name in ("base", "registry") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_pkg.__name__}.{info.name}")
        dev = getattr(module, "DEVICE", None)
        if dev is not None:
            dev = _instance(dev)
            found[dev.id] = dev
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            dev = _instance(ep.load())
        except Exception as exc:  # a broken plug-in must not break syxkit
            warnings.warn(f"syxkit: device plug-in {ep.name!r} failed to load: {exc}", stacklevel=2)
            continue
        if dev.id in found:
            warnings.warn(f"syxkit: device plug-in {ep.name!r} reuses id {dev.id!r}; ignored", stacklevel=2)
            continue
        found[dev.id] = dev
    return found


def devices() -> list[Device]:
    global _devices
    if _devices is None:
        _devices = _discover()
    return list(_devices.values())


def register(device: Device | type[Device]) -> Device:
    """Add a device at run time (tests, embedding applications)."""
    devices()
    dev = _instance(device)
    assert _devices is not None
    _devices[dev.id] = dev
    return dev


def unregister(device_id: str) -> None:
    devices()
    assert _devices is not None
    _devices.pop(device_id, None)


def reload() -> None:
    global _devices
    _devices = None


def get(device_id: str) -> Device:
    for dev in devices():
        if dev.id == device_id:
            return dev
    known = ", ".join(d.id for d in devices())
    raise KeyError(f"unknown device {device_id!r} (known: {known})")


def identify(message: Message) -> Dump | None:
    data = message.data
    for dev in devices():
        if dev.accepts(data):
            dump = dev.identify(message)
            if dump is not None:
                return dump
    return None


def foreign_readers() -> list[ForeignReader]:
    readers = []
    for dev in devices():
        if type(dev).read_foreign is not Device.read_foreign:
            reader = dev.read_foreign
            readers.append(_named(reader, dev.id))
    return readers


def _named(reader, name):
    def wrapped(data: bytes, path: str):
        return reader(data, path)

    wrapped.form_name = name
    return wrapped
