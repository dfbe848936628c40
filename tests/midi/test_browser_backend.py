"""The ``browser`` backend's server side, without a browser: whole-message framing (what a
protocol writes reaches the page as complete messages only, never half a SysEx), pacing,
the page's port list as ``GET /api/ports`` shows it, the CLI's relay through a real ``syxkit
web``, and the clear error when no page offers ports. Where a page is needed, a WebSocket
client here speaks the page's side of the protocol (web/src/webmidi.js)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.midi import PortError, open_port
from syxkit.midi.browser_backend import (
    NO_PAGE,
    BrowserBackend,
    BrowserTransport,
    Hub,
    whole_message_problem,
)
from syxkit.midi.ports import WIRE_RATE
from syxkit.transfer.transport import TransportClosed

pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webhelpers import Server  # noqa: E402


class Page:
    """The page's side in this process: takes every send, answers as the page does (refusing
    what is not whole, as webmidi.js does)."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self.sent: list[bytes] = []
        self.times: list[float] = []
        hub.attach(self)
        hub.set_ports([{"id": "i", "name": "UM-ONE"}], [{"id": "o", "name": "UM-ONE"}])

    def __call__(self, obj: dict) -> None:
        data = bytes(obj["data"])
        problem = whole_message_problem(data)
        if problem is None:
            self.sent.append(data)
            self.times.append(time.monotonic())
        self.hub.answered({"type": "refused" if problem else "sent", "seq": obj["seq"],
                           "reason": problem})


messages = st.one_of(
    st.binary(max_size=40).map(lambda b: b"\xf0" + bytes(x & 0x7F for x in b) + b"\xf7"),
    st.tuples(st.integers(0x80, 0xEF), st.integers(0, 127), st.integers(0, 127)).map(
        lambda t: bytes(t[:2] if t[0] & 0xF0 in (0xC0, 0xD0) else t)),
    st.sampled_from([b"\xf8", b"\xfe", b"\xf6", b"\xf3\x05"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(messages, min_size=1, max_size=8), st.lists(st.integers(1, 60), max_size=6))
def test_writes_reach_the_page_as_the_same_whole_messages(sequence, cuts):
    hub = Hub()
    page = Page(hub)
    t = BrowserTransport(hub, source=None, sink="o", rate=None)
    stream = b"".join(sequence)
    at = 0
    for cut in cuts + [len(stream)]:  # cut anywhere: the page still gets whole messages
        t.write(stream[at:at + cut])
        at += cut
    t.write(stream[at:])
    assert page.sent == sequence
    assert t.notes == []


def test_what_is_not_a_whole_message_is_never_passed_on():
    hub = Hub()
    page = Page(hub)
    t = BrowserTransport(hub, source=None, sink="o", rate=None)
    t.write(b"\xf0\x44\x00\x00\x70\x10")  # open SysEx: held back, nothing sent yet
    assert page.sent == []
    t.write(b"\x90\x40\x7f")  # a status ends it unterminated: the SysEx is dropped, said so
    assert page.sent == [b"\x90\x40\x7f"]
    assert any("a SysEx without its F7" in n for n in t.notes), t.notes
    # (running status is expanded into whole messages; after a SysEx there is none:) data
    # bytes without status, and a reserved status
    t.write(b"\xf0\x01\xf7\x12\x34\xf4")
    assert page.sent == [b"\x90\x40\x7f", b"\xf0\x01\xf7"]
    assert any("no status byte" in n for n in t.notes) and any("F4" in n for n in t.notes)
    t.write(b"\xf0\x01")
    t.close()
    assert any("unfinished SysEx" in n for n in t.notes)


def test_whole_message_rule():
    assert whole_message_problem(b"\xf0\x01\xf7") is None
    assert whole_message_problem(b"\x90\x40\x00") is None and whole_message_problem(b"\xc0\x05") is None
    for bad in (b"", b"\xf0\x01", b"\xf7", b"\x40\x00", b"\x90\x40", b"\xf0\x90\xf7", b"\xf9",
                b"\xc0\x05\x06", b"\xf4"):
        assert whole_message_problem(bad), bad


def test_writes_are_paced_like_a_cable():
    hub = Hub()
    page = Page(hub)
    t = BrowserTransport(hub, source=None, sink="o", rate=WIRE_RATE)
    sysex = b"\xf0" + bytes(98) + b"\xf7"  # 100 bytes: 32 ms on a cable
    start = time.monotonic()
    t.write(sysex * 6)
    elapsed = time.monotonic() - start
    assert len(page.sent) == 6
    # the sixth goes out after five messages' cable time (and 2 ms gaps), not at once
    assert elapsed >= 5 * (100 / WIRE_RATE + 0.002) - 0.005, elapsed
    # (one message may go late on a busy machine and the next catch up, as on rtmidi: the
    # pace holds over the whole write, first send to last)
    assert page.times[-1] - page.times[0] >= 5 * (100 / WIRE_RATE + 0.002) - 0.005
    t.close()
    fast = BrowserTransport(hub, source=None, sink="o", rate=None, who="unpaced")
    start = time.monotonic()
    fast.write(sysex * 6)
    assert time.monotonic() - start < elapsed / 2


def test_input_reaches_read_and_page_leaving_is_a_clear_error():
    hub = Hub()
    page = Page(hub)
    t = BrowserTransport(hub, source="i", sink="o", rate=None)
    hub.incoming("i", b"\xf0\x01\xf7")
    hub.incoming("other", b"\x90\x40\x7f")  # another input: not this port's
    assert t.read(1.0) == b"\xf0\x01\xf7"
    with pytest.raises(PortError, match="in use"):
        BrowserTransport(hub, source=None, sink="o", rate=None)  # one writer per output
    hub.detach(page)
    with pytest.raises(TransportClosed, match="no browser has offered MIDI ports"):
        t.read(0.1)
    with pytest.raises(TransportClosed, match="no browser has offered MIDI ports"):
        t.write(b"\x90\x40\x7f")
    t.close()


def test_no_page_connected_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SYXKIT_RUNTIME_DIR", str(tmp_path / "run"))
    report = BrowserBackend(Hub()).probe()
    assert not report.available and report.reason == NO_PAGE
    with pytest.raises(PortError) as caught:
        open_port("UM-ONE", backend_name="browser")
    assert str(caught.value) == f"browser: {NO_PAGE}"


# -- through a real `syxkit web` ------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-backend")
    old = os.environ.get("SYXKIT_RUNTIME_DIR")
    os.environ["SYXKIT_RUNTIME_DIR"] = str(tmp / "run")
    s = Server(tmp)
    yield s
    s.stop()
    if old is None:
        os.environ.pop("SYXKIT_RUNTIME_DIR", None)
    else:
        os.environ["SYXKIT_RUNTIME_DIR"] = old


def page_socket(server, **headers):
    from websockets.sync.client import connect

    url = server.base.replace("http://", "ws://") + "/api/midi/browser"
    return connect(url, proxy=None, additional_headers=headers).__enter__()


def browser_report(server) -> dict:
    return next(b for b in server.client.get("/api/ports").json() if b["backend"] == "browser")


class SocketPage:
    """A page on the real server's socket: answers every send and echoes it on its input."""

    def __init__(self, server):
        self.ws = page_socket(server, Authorization=f"Bearer {server.token}")
        self.sent: list[bytes] = []
        self.ports([("i1", "UM-ONE")], [("o1", "UM-ONE")])
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def ports(self, ins, outs, gone=()):
        def listing(items):
            return [{"id": i, "name": n, "state": "disconnected" if i in gone else "connected"}
                    for i, n in items]

        self.ws.send(json.dumps({"type": "ports", "inputs": listing(ins),
                                 "outputs": listing(outs)}))

    def run(self):
        while True:
            try:
                m = json.loads(self.ws.recv())
            except Exception:  # closed
                return
            if m["type"] == "send":
                self.sent.append(bytes(m["data"]))
                self.ws.send(json.dumps({"type": "sent", "seq": m["seq"]}))
                self.ws.send(json.dumps({"type": "in", "port": "i1", "data": m["data"]}))

    def close(self):
        self.ws.close()
        self.thread.join(5)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_port_list_follows_the_page(server):
    assert browser_report(server)["reason"] == NO_PAGE
    page = SocketPage(server)
    try:
        wait_for(lambda: browser_report(server)["available"])
        report = browser_report(server)
        assert report["can_split_sysex"] is False
        assert [p["name"] for p in report["outputs"]] == ["UM-ONE"]
        page.ports([("i1", "UM-ONE"), ("i2", "MIDISPORT")], [("o1", "UM-ONE"), ("o2", "MIDISPORT")])
        wait_for(lambda: len(browser_report(server)["inputs"]) == 2)
        page.ports([("i1", "UM-ONE"), ("i2", "MIDISPORT")], [("o1", "UM-ONE"), ("o2", "MIDISPORT")],
                   gone={"i2", "o2"})  # unplugged: Web MIDI says "disconnected"
        wait_for(lambda: len(browser_report(server)["inputs"]) == 1)
    finally:
        page.close()
    wait_for(lambda: not browser_report(server)["available"])


def test_cli_relay_through_the_server(server):
    page = SocketPage(server)
    try:
        wait_for(lambda: browser_report(server)["available"])
        opened = open_port("UM-ONE", backend_name="browser", rate=None)  # as the CLI does
        assert opened.describe() == "browser UM-ONE"
        assert opened.transport.can_split_sysex is False
        opened.transport.write(b"\xf0\x44\x00\x00\x70")
        opened.transport.write(b"\x10\x20\xf7\x90\x40\x7f")
        assert page.sent == [b"\xf0\x44\x00\x00\x70\x10\x20\xf7", b"\x90\x40\x7f"]
        got = b""
        deadline = time.monotonic() + 5
        while len(got) < 11 and time.monotonic() < deadline:
            got += opened.transport.read(0.5)
        assert got == b"\xf0\x44\x00\x00\x70\x10\x20\xf7\x90\x40\x7f"
        opened.transport.close()
    finally:
        page.close()
    wait_for(lambda: not browser_report(server)["available"])
    with pytest.raises(PortError, match="no browser has offered MIDI ports"):
        open_port("UM-ONE", backend_name="browser")


def test_sockets_need_the_token_and_our_origin(server):
    from websockets.exceptions import InvalidStatus

    for headers in ({}, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Bearer {server.token}", "Origin": "http://evil.example"},
                    {"Cookie": f"syxkit_token_{server.host.split(':')[1]}={server.token}"}):
        with pytest.raises(InvalidStatus):
            page_socket(server, **headers)
    # the page's way: its cookie and its own origin
    ws = page_socket(server, Cookie=f"syxkit_token_{server.host.split(':')[1]}={server.token}",
                     Origin=server.base)
    ws.close()


def test_the_hub_is_the_servers_only_while_it_serves(tmp_path, monkeypatch):
    """A process that served the page once (``syxkit demo`` does, in-process) looks for the
    page's ports through the running servers afterwards, not in its own idle hub."""
    from syxkit.midi.browser_backend import HUB
    from syxkit.web.server import Served

    monkeypatch.setenv("SYXKIT_RUNTIME_DIR", str(tmp_path / "run"))
    assert HUB.serving is False
    served = Served(tmp_path / "library.sqlite")
    thread = served.start()
    try:
        wait_for(lambda: HUB.serving)
    finally:
        served.stop()
        thread.join(timeout=10)
    assert HUB.serving is False
