"""The browser's own MIDI (Web MIDI) as a backend, ``browser``: the ports a page of ``syxkit
web`` offers while it is open and its "Use this browser's MIDI" switch is on.

How the bytes travel:

- **Page <-> server.** The page (web/src/webmidi.js) asks ``navigator.requestMIDIAccess({sysex:
  true})`` only when the switch is turned on, then opens one WebSocket on its own origin,
  ``/api/midi/browser``, authenticated as every other request (the token cookie, the Host and
  Origin checks of web/security.py). Over it, as JSON text frames, it says which inputs and
  outputs it has (again on every ``statechange``) and hands over every message a ``MIDIInput``
  delivers; the server asks it to ``MIDIOutput.send`` one *whole* message at a time and waits
  for the page's answer (sent, or refused and why). One page at a time: a new one replaces the
  old one's ports.
- **Whole messages only.** Web MIDI cannot send half a SysEx (Chromium's ``send`` throws on an
  ``F0`` without ``F7``, a stray ``F7`` or running status) and delivers every SysEx whole, so
  this backend says ``can_split_sysex = False``, like rtmidi: the protocols use their embedded
  or paced forms, unchanged, in Python. What a protocol writes is cut into whole messages by the
  same assembler rtmidi uses; anything that is not a complete message (an unterminated SysEx,
  data bytes without status, the reserved F4/F5) is never passed on and said in a note. The page
  checks each message again before ``send`` and refuses what is not whole.
- **Pacing here.** Web MIDI has none, and Chromium drops data beyond about 10 MB that the
  device has not taken: writes are paced as on rtmidi (3,125 bytes/s, a DIN cable's speed, plus
  2 ms between messages; ``--rate``, 0 = unpaced), and each message waits for the page's answer
  before the next goes, so nothing piles up in the browser.
- **The CLI, another process.** ``syxkit web`` writes a state file, ``web-PORT.json`` (its
  address, its token and its pid; mode 0600, in a folder of mode 0700) into the per-user
  runtime folder (``$SYXKIT_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/syxkit`` on Linux, else
  ``~/.local/state/syxkit/run``: platformdirs' places), and removes it when it stops. In any other process this
  backend reads those files, asks each running server for its page's ports
  (``GET /api/midi/browser``) and opens a port as a second WebSocket, ``/api/midi/relay``
  (Bearer token): binary frames carry the bytes written (the server assembles, paces and sends
  them as above, then answers ``{"written": N}``, so the CLI's clock runs like a cable's) and
  the messages read. So ``syxkit backup casio-cz --backend browser --port UM-ONE`` works while
  a page is open with its MIDI on.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syxkit.midi.assembler import MessageAssembler
from syxkit.midi.inbox import Inbox
from syxkit.midi.ports import WIRE_RATE, Backend, BackendReport, PortError, PortInfo
from syxkit.transfer.transport import Transport, TransportClosed

NO_PAGE = ("no browser has offered MIDI ports: open the web librarian and turn on its MIDI "
           "(Devices → Use this browser's MIDI)")
MESSAGE_GAP = 0.002  # as rtmidi: seconds between messages
ANSWER_SECONDS = 10.0  # the page answers each send within this, or it is gone
STATE_PREFIX = "web-"

_COMMON = {0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1}


def whole_message_problem(message: bytes) -> str | None:
    """Why ``message`` is not one complete MIDI message that Web MIDI's ``send`` accepts, or
    None. The page's check (web/src/webmidi.js ``wholeProblem``) is the same rule."""
    if not message:
        return "empty"
    status = message[0]
    if status < 0x80:
        return "no status byte (running status cannot be sent)"
    if any(b >= 0x80 for b in message[1:-1]):
        return "a status byte inside the message"
    if status == 0xF0:
        if len(message) < 2 or message[-1] != 0xF7:
            return "a SysEx without its F7"
        return None
    if status in (0xF9, 0xFD):
        return f"status {status:02X} is reserved (Chromium refuses it)"
    if status >= 0xF8:
        return None if len(message) == 1 else "a real-time byte with data after it"
    if status in (0xF4, 0xF5, 0xF7):  # reserved, or an F7 with no SysEx before it
        return f"status {status:02X} cannot be sent alone"
    if status >= 0xF0:
        want = _COMMON[status]
    else:
        want = 2 if status & 0xF0 in (0xC0, 0xD0) else 3
    if len(message) != want or (want > 1 and message[-1] >= 0x80):
        return f"a {status:02X} message needs {want} bytes"
    return None


# -- the server side: the page's ports ------------------------------------------------------------
@dataclass
class PagePort:
    id: str
    name: str
    direction: str  # "in" (syxkit reads: the page's MIDIInput) | "out"
    manufacturer: str = ""


class Hub:
    """The page's ports in a ``syxkit web`` process, and the messages crossing them.

    ``link`` is the page's connection: ``link(obj)`` sends one JSON object to the page from any
    thread. The web app attaches it when the page's WebSocket opens and detaches it when it
    closes; listeners get every message a page input delivers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.serving = False  # a `syxkit web` process: the page's ports are here, not elsewhere
        self.link: Any = None
        self.inputs: list[PagePort] = []
        self.outputs: list[PagePort] = []
        self.listeners: dict[str, list[Any]] = {}
        self.claimed: dict[str, str] = {}  # output id -> who writes to it
        self.answers: dict[int, list[Any]] = {}  # seq -> [event, answer]
        self.seq = 0
        self.version = 0  # bumped when the ports change

    # the page's connection ------------------------------------------------------------------
    def attach(self, link: Any) -> None:
        with self.lock:
            old, self.link = self.link, link
            self.inputs, self.outputs = [], []
            self.version += 1
        if old is not None:
            self._fail_waiting("another page took over the browser's MIDI")

    def detach(self, link: Any) -> None:
        with self.lock:
            if self.link is not link:
                return
            self.link = None
            self.inputs, self.outputs = [], []
            self.version += 1
        self._fail_waiting("the page closed its MIDI connection")

    def connected(self) -> bool:
        return self.link is not None

    def set_ports(self, inputs: list[dict], outputs: list[dict]) -> None:
        def ports(items: list[dict], direction: str) -> list[PagePort]:
            out = []
            for p in items:
                if p.get("state", "connected") != "connected":
                    continue  # Web MIDI lists an unplugged port as "disconnected"
                out.append(PagePort(str(p["id"]), str(p.get("name") or p["id"]), direction,
                                    str(p.get("manufacturer") or "")))
            return out

        with self.lock:
            self.inputs, self.outputs = ports(inputs, "in"), ports(outputs, "out")
            self.version += 1

    def port_infos(self) -> tuple[list[PortInfo], list[PortInfo]]:
        with self.lock:
            ins, outs = list(self.inputs), list(self.outputs)
        return ([PortInfo("browser", i, p.name, "in", p.manufacturer) for i, p in enumerate(ins)],
                [PortInfo("browser", i, p.name, "out", p.manufacturer) for i, p in enumerate(outs)])

    def port_id(self, direction: str, index: int, name: str) -> str:
        ports = self.inputs if direction == "in" else self.outputs
        with self.lock:
            if index < len(ports) and ports[index].name == name:
                return ports[index].id
            for p in ports:
                if p.name == name:
                    return p.id
        raise PortError(f"browser: the page no longer offers {name!r}")

    def listing(self) -> dict[str, Any]:
        with self.lock:
            return {"connected": self.link is not None,
                    "inputs": [vars(p) for p in self.inputs],
                    "outputs": [vars(p) for p in self.outputs]}

    # messages -------------------------------------------------------------------------------
    def incoming(self, port_id: str, data: bytes) -> None:
        """A message a page input delivered (called in the server's event loop)."""
        for listener in list(self.listeners.get(port_id, ())):
            listener(data)

    def listen(self, port_id: str, listener: Any) -> None:
        with self.lock:
            self.listeners.setdefault(port_id, []).append(listener)

    def unlisten(self, port_id: str, listener: Any) -> None:
        with self.lock:
            items = self.listeners.get(port_id, [])
            if listener in items:
                items.remove(listener)

    def claim(self, port_id: str, name: str, who: str) -> None:
        with self.lock:
            if port_id in self.claimed:
                raise PortError(f"browser: output {name!r} is in use by {self.claimed[port_id]}")
            self.claimed[port_id] = who

    def release(self, port_id: str) -> None:
        with self.lock:
            self.claimed.pop(port_id, None)

    def send(self, port_id: str, message: bytes, timeout: float = ANSWER_SECONDS) -> None:
        """Ask the page to send one whole message and wait for its answer (any thread but the
        server's event loop)."""
        with self.lock:
            link = self.link
            if link is None:
                raise TransportClosed(f"browser: {NO_PAGE}")
            self.seq += 1
            seq = self.seq
            waiter: list[Any] = [threading.Event(), None]
            self.answers[seq] = waiter
        try:
            link({"type": "send", "port": port_id, "seq": seq, "data": list(message)})
            if not waiter[0].wait(timeout):
                raise TransportClosed(f"browser: the page did not answer within {timeout:.0f} s "
                                      "(is its tab asleep or closed?)")
        finally:
            with self.lock:
                self.answers.pop(seq, None)
        answer = waiter[1] or {}
        if answer.get("type") != "sent":
            raise TransportClosed(f"browser: the page refused a {len(message)}-byte message "
                                  f"({answer.get('reason') or 'no reason given'})")

    def answered(self, answer: dict) -> None:
        with self.lock:
            waiter = self.answers.get(int(answer.get("seq", -1)))
        if waiter is not None:
            waiter[1] = answer
            waiter[0].set()

    def _fail_waiting(self, reason: str) -> None:
        with self.lock:
            waiting = list(self.answers.values())
        for waiter in waiting:
            waiter[1] = {"type": "refused", "reason": reason}
            waiter[0].set()


HUB = Hub()


class BrowserTransport(Transport):
    """A page's input and/or output, in the server process (jobs, and the CLI's relay)."""

    can_split_sysex = False

    def __init__(self, hub: Hub, *, source: str | None, sink: str | None, sink_name: str = "",
                 rate: float | None = WIRE_RATE, who: str = "a job"):
        self.name = "browser"
        self.hub = hub
        self.rate = rate or None
        self.notes: list[str] = []
        self.source, self.sink = source, sink
        self._assembler = MessageAssembler()
        self._inbox = Inbox()
        self._free_at = 0.0
        self._closed = False
        if sink is not None:
            hub.claim(sink, sink_name or sink, who)
        if source is not None:
            hub.listen(source, self._inbox.put)

    def write(self, data: bytes) -> None:
        if self.sink is None:
            raise TransportClosed("browser: no output port was opened")
        if self._closed:
            raise TransportClosed("browser: port closed")
        for message in self._assembler.feed(data):
            problem = whole_message_problem(message)
            if problem:
                # never to MIDIOutput.send: Chromium throws on it
                self.notes.append(f"not sent through the browser (it sends whole messages "
                                  f"only): {problem}: {message[:12].hex(' ')}")
                continue
            self._send(message)
        if self._assembler.dropped:
            self.notes.append(f"{len(self._assembler.dropped)} byte(s) with no status byte could "
                              "not be sent through the browser (it sends whole messages only): "
                              f"{self._assembler.dropped[:12].hex(' ')}")
            self._assembler.dropped.clear()

    def _send(self, message: bytes) -> None:
        now = time.monotonic()
        if self.rate:
            if self._free_at > now:
                time.sleep(self._free_at - now)
            self._free_at = max(now, self._free_at) + len(message) / self.rate + MESSAGE_GAP
        self.hub.send(self.sink, message)

    def read(self, timeout: float | None) -> bytes:
        if self.source is None:
            if timeout:
                time.sleep(timeout)
            return b""
        if not self.hub.connected():
            raise TransportClosed(f"browser: {NO_PAGE}")
        return self._inbox.read(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._assembler.pending:
            self.notes.append(f"an unfinished SysEx ({len(self._assembler.pending)} bytes, no F7) "
                              "was never sent: the browser sends whole messages only")
        if self.source is not None:
            self.hub.unlisten(self.source, self._inbox.put)
        if self.sink is not None:
            self.hub.release(self.sink)


# -- another process: reaching the server ---------------------------------------------------------
def runtime_dir() -> Path:
    given = os.environ.get("SYXKIT_RUNTIME_DIR")
    if given:
        return Path(given)
    import platformdirs

    if os.name == "posix" and not os.environ.get("XDG_RUNTIME_DIR"):
        # platformdirs would fall back to $TMPDIR/runtime-UID, which differs between processes
        # with different TMPDIRs (and is the temporary folder): a per-user folder instead
        return Path(platformdirs.user_state_dir("syxkit")) / "run"
    return Path(platformdirs.user_runtime_dir("syxkit"))


def write_state(base: str, token: str, port: int) -> Path | None:
    """Tell other processes where this server is (None when the folder cannot be written: the
    CLI then cannot reach the page's ports, and nothing else changes)."""
    folder = runtime_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{STATE_PREFIX}{port}.json"
        tmp = folder / f".{path.name}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"url": base, "token": token, "pid": os.getpid()}, f)
        os.replace(tmp, path)
        return path
    except OSError:
        return None


def remove_state(path: Path | None) -> None:
    if path is None:
        return
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def servers() -> list[dict[str, Any]]:
    """The running ``syxkit web`` servers of this user (their state files)."""
    out = []
    try:
        paths = sorted(runtime_dir().glob(f"{STATE_PREFIX}*.json"))
    except OSError:
        return []
    for path in paths:
        try:
            state = json.loads(path.read_text())
            if _alive(int(state["pid"])):
                out.append({"url": str(state["url"]), "token": str(state["token"])})
            else:  # a server that was killed: its file is stale
                path.unlink(missing_ok=True)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def _ask(server: dict[str, Any]) -> dict[str, Any] | None:
    import urllib.request

    request = urllib.request.Request(f"{server['url']}/api/midi/browser",
                                     headers={"Authorization": f"Bearer {server['token']}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(request, timeout=3) as answer:
            return json.load(answer)
    except (OSError, ValueError):
        return None


class RelayTransport(Transport):
    """A page's port opened from another process, through the server's relay WebSocket."""

    can_split_sysex = False

    def __init__(self, server: dict[str, Any], source: str | None, sink: str | None,
                 rate: float | None):
        from urllib.parse import urlencode

        from websockets.sync.client import connect

        self.name = "browser"
        self.notes: list[str] = []
        query = {k: v for k, v in (("input", source), ("output", sink)) if v is not None}
        query["rate"] = str(rate or 0)
        url = server["url"].replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        try:
            self.ws = connect(f"{url}/api/midi/relay?{urlencode(query)}", proxy=None,
                              additional_headers={"Authorization": f"Bearer {server['token']}"},
                              max_size=None, compression=None).__enter__()  # (not deprecated)
            hello = json.loads(self.ws.recv(timeout=ANSWER_SECONDS))
        except Exception as exc:  # refused, closed, bad answer: one clear line
            raise PortError(f"browser: cannot reach the web librarian at {server['url']}: "
                            f"{exc}") from exc
        if hello.get("error"):
            self.ws.close()
            raise PortError(f"browser: {hello['error']}")
        self._pending = bytearray()
        self._closed = False

    def _handle(self, frame: Any) -> dict[str, Any] | None:
        if isinstance(frame, bytes):
            self._pending += frame
            return None
        answer = json.loads(frame)
        if answer.get("error"):
            raise TransportClosed(f"browser: {answer['error']}")
        self.notes += answer.get("notes", [])
        return answer

    def write(self, data: bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            self.ws.send(bytes(data))
            while True:  # messages read meanwhile wait in _pending
                answer = self._handle(self.ws.recv())
                if answer is not None and "written" in answer:
                    return
        except ConnectionClosed as exc:
            raise TransportClosed(f"browser: the web librarian closed the relay ({exc})") from exc

    def read(self, timeout: float | None) -> bytes:
        from websockets.exceptions import ConnectionClosed

        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._pending:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self.ws.recv(timeout=left)
            except TimeoutError:
                return b""
            except ConnectionClosed as exc:
                raise TransportClosed(f"browser: the web librarian closed the relay ({exc})") from exc
            self._handle(frame)
        data = bytes(self._pending)
        self._pending.clear()
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.ws.close()
            except Exception:  # already gone
                pass


class BrowserBackend(Backend):
    name = "browser"
    title = "this browser's MIDI (Web MIDI, through a page of syxkit web)"
    can_split_sysex = False
    virtual_ports = False
    default_rate = WIRE_RATE

    def __init__(self, hub: Hub = HUB):
        self.hub = hub
        self._remote: dict[tuple[str, int], tuple[dict[str, Any], str]] = {}

    def probe(self) -> BackendReport:
        caveat = "whole messages only: handshakes use the embedded or paced form"
        if self.hub.serving:
            if not self.hub.connected():
                return self.report(False, NO_PAGE)
            ins, outs = self.hub.port_infos()
            return self.report(True, caveat, ins, outs)
        found = []
        for server in servers():
            listing = _ask(server)
            if listing and listing.get("connected"):
                found.append((server, listing))
        if not found:
            return self.report(False, NO_PAGE)
        self._remote = {}
        ins: list[PortInfo] = []
        outs: list[PortInfo] = []
        for server, listing in found:
            for key, direction, into in (("inputs", "in", ins), ("outputs", "out", outs)):
                for p in listing[key]:
                    self._remote[(direction, len(into))] = (server, str(p["id"]))
                    into.append(PortInfo("browser", len(into), str(p["name"]), direction,
                                         str(p.get("manufacturer") or "")))
        return self.report(True, caveat, ins, outs)

    def open(self, report, source: PortInfo | None, sink: PortInfo | None, *, rate, client_name,
             **_) -> Transport:
        if self.hub.serving:
            src = self.hub.port_id("in", source.index, source.name) if source else None
            dst = self.hub.port_id("out", sink.index, sink.name) if sink else None
            return BrowserTransport(self.hub, source=src, sink=dst,
                                    sink_name=sink.name if sink else "", rate=rate, who=client_name)
        where = [self._remote[(p.direction, p.index)] for p in (source, sink) if p is not None]
        if len({w[0]["url"] for w in where}) > 1:
            raise PortError("browser: the input and the output are on pages of two different "
                            "web librarians")
        server = where[0][0]
        src = self._remote[("in", source.index)][1] if source else None
        dst = self._remote[("out", sink.index)][1] if sink else None
        return RelayTransport(server, src, dst, rate)
