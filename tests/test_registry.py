"""The Device interface and registry, with a small test device, also loaded through a real
``syxkit.devices`` entry point (a dist-info folder on sys.path)."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from click.testing import CliRunner

from syxkit.cli import cli
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import Device, Dump, Options

PLUGIN = textwrap.dedent('''
    from syxkit.devices.base import Device, Dump

    class Toy(Device):
        id = "toy-synth"
        title = "Toy synth (test plug-in)"
        prefixes = (b"\\xf0\\x7d\\x11",)
        models = ("Toy-1",)

        def identify(self, message):
            body = message.body
            if len(body) != 4:
                return None
            return Dump(self.id, "patch", message, model="Toy-1", channel=body[2] + 1,
                        program=body[3], slot=f"Patch {body[3] + 1}")
''')


class EchoDevice(Device):
    id = "test-echo"
    title = "Echo device (tests)"
    prefixes = (b"\xf0\x7d\x01",)

    def identify(self, message: Message) -> Dump | None:
        body = message.body
        if len(body) < 3:
            return None
        return Dump(self.id, "blob", message, channel=(body[2] & 0x0F) + 1, payload=bytes(body[3:]),
                    name=bytes(body[3:]).decode("ascii", "replace"))

    def decode(self, dump):
        return {"text": dump.payload.decode("ascii")}

    def encode(self, obj):
        return b"\xf0\x7d\x01" + bytes([obj["channel"] - 1]) + obj["params"]["text"].encode() + b"\xf7"


@pytest.fixture
def echo():
    dev = registry.register(EchoDevice)
    yield dev
    registry.unregister(dev.id)


def test_identify_through_registry(echo):
    dump = registry.identify(Message(b"\xf0\x7d\x01\x02HELLO\xf7"))
    assert dump.device == "test-echo" and dump.channel == 3 and dump.name == "HELLO"
    assert registry.identify(Message(b"\xf0\x7d\x02\x00\xf7")) is None


def test_unsupported_operation_is_clear(echo):
    with pytest.raises(Exception, match="test-echo: split is not supported"):
        echo.split([], Options())


def test_options_track_unused():
    opts = Options(program=3, channel=None, model="CZ-101")
    assert opts.get("program") == 3
    assert opts.unused() == ["model"]


def test_decode_encode_via_cli(echo, tmp_path):
    src = tmp_path / "e.syx"
    src.write_bytes(b"\xf0\x7d\x01\x00ABC\xf7")
    runner = CliRunner()
    res = runner.invoke(cli, ["decode", "--json", str(src)])
    assert res.exit_code == 0, res.output
    objs = json.loads(res.output)
    assert objs[0]["params"] == {"text": "ABC"} and objs[0]["channel"] == 1
    objs[0]["params"]["text"] = "XYZ"
    j = tmp_path / "e.json"
    j.write_text(json.dumps(objs))
    res = runner.invoke(cli, ["encode", str(j), "-o", str(tmp_path / "out.syx")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out.syx").read_bytes() == b"\xf0\x7d\x01\x00XYZ\xf7"


def test_entry_point_plugin(tmp_path, monkeypatch):
    pkg = tmp_path / "toy_syxkit_plugin.py"
    pkg.write_text(PLUGIN)
    dist = tmp_path / "toy_syxkit_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-syxkit-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[syxkit.devices]\ntoy = toy_syxkit_plugin:Toy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.reload()
    try:
        ids = [d.id for d in registry.devices()]
        assert "toy-synth" in ids
        dump = registry.identify(Message(b"\xf0\x7d\x11\x05\x07\xf7"))
        assert dump.device == "toy-synth" and dump.slot == "Patch 8" and dump.channel == 6
    finally:
        sys.modules.pop("toy_syxkit_plugin", None)
        monkeypatch.undo()
        registry.reload()
    assert "toy-synth" not in [d.id for d in registry.devices()]


def test_package_listing_matches_pkgutil():
    """The registry lists its folder with os.scandir (pkgutil is slow to import at start); it
    must name the same modules and packages pkgutil does."""
    import pkgutil

    import syxkit.devices as pkg

    assert registry._package_modules() == {info.name for info in pkgutil.iter_modules(pkg.__path__)}
