"""The stand-in for ``navigator.requestMIDIAccess`` that the Chromium tests of the browser
backend (tests/midi/test_live_browser_midi.py) and the benchmark (bench/transfer.py) inject
with Playwright's ``add_init_script``: Chromium on a machine without sound devices has no MIDI
ports, so this one function is stood in for and everything else (the page's code, its
WebSocket, the server's backend and pacing, the device protocols) is real.

Its outputs' ``send`` validates as Chromium's does (blink's MessageValidator: it throws the same
way on an incomplete SysEx), records every call in ``window.__standin`` and hands the bytes to
Python through the exposed function ``__standinOut(port_id, bytes)``; its inputs deliver, as
``midimessage`` events of one whole message each (as Chromium delivers them), what
``__standinIn()`` returns, polled every few milliseconds. ``Bridge`` is the Python side of
those two functions over any syxkit transports (JACK in the test, a paced pty in the bench).

Kept apart from the test module so the bench can import it without pytest."""

from __future__ import annotations

import json

from syxkit.midi.assembler import MessageAssembler

_SCRIPT = r"""
(() => {
  const COMMON = { 0xf1: 2, 0xf2: 3, 0xf3: 2, 0xf6: 1 };
  // Chromium's MIDIOutput.send check (blink's MessageValidator), message for message
  function validate(data) {
    let i = 0;
    while (i < data.length) {
      const s = data[i];
      if (s < 0x80) throw new TypeError(`Running status is not allowed at index ${i} (${s}).`);
      if ([0xf4, 0xf5, 0xf9, 0xfd].includes(s)) throw new TypeError(`Reserved status is not allowed at index ${i} (${s}).`);
      if (s === 0xf7) throw new TypeError(`Unexpected end of system exclusive message at index ${i} (${s}).`);
      if (s === 0xf0) {
        i++;
        while (i < data.length && data[i] !== 0xf7) {
          if (data[i] >= 0x80 && data[i] < 0xf8) throw new TypeError(`Unexpected status byte at index ${i} (${data[i]}).`);
          i++;
        }
        if (i >= data.length) throw new TypeError("Message is incomplete.");
        i++;
        continue;
      }
      const len = s >= 0xf8 ? 1 : s >= 0xf0 ? COMMON[s] : ((s & 0xf0) === 0xc0 || (s & 0xf0) === 0xd0 ? 2 : 3);
      if (i + len > data.length) throw new TypeError("Message is incomplete.");
      for (let k = 1; k < len; k++) if (data[i + k] >= 0x80) throw new TypeError(`Unexpected status byte at index ${i + k} (${data[i + k]}).`);
      i += len;
    }
  }
  const record = { asked: [], sends: [], threw: [] };
  window.__standin = record;
  class Port extends EventTarget {
    constructor(id, name, type) {
      super();
      Object.assign(this, { id, name, type, manufacturer: "stand-in", version: "1", state: "connected", connection: "open" });
    }
    open() { return Promise.resolve(this); }
    close() { return Promise.resolve(this); }
  }
  class Output extends Port {
    send(data) {
      const bytes = Array.from(data);
      record.sends.push(bytes);
      try { validate(bytes); } catch (err) { record.threw.push(bytes); throw err; }
      if (link) toHost(this.id, bytes);
      else window.__standinOut(this.id, bytes);
    }
  }
  const access = new EventTarget();
  access.inputs = new Map();
  access.outputs = new Map();
  access.onstatechange = null;
  const ports = PORTS_JSON;
  record.plug = (key, on) => {
    const [name] = ports[key];
    for (const [map, P, id] of [[access.inputs, Port, `in-${key}`], [access.outputs, Output, `out-${key}`]]) {
      if (on) map.set(id, new P(id, name, map === access.inputs ? "input" : "output"));
      else map.delete(id);
    }
    const ev = new Event("statechange");
    access.onstatechange?.(ev);
    access.dispatchEvent(ev);
  };
  record.validate = validate;
  for (const key of Object.keys(ports)) record.plug(key, true);
  function deliver(got) {
    for (const [id, messages] of Object.entries(got)) {
      const input = access.inputs.get(id);
      for (const m of messages) {
        const ev = new Event("midimessage");
        ev.data = Uint8Array.from(m);
        input?.dispatchEvent(ev);
      }
    }
  }
  async function poll() {
    deliver(await window.__standinIn());
    setTimeout(poll, 4);
  }
  // With a link URL, bytes travel over a WebSocket to SocketBridge instead (pushed both ways:
  // no polling, and no trip through Playwright's own channel, as a real MIDIInput delivers)
  const LINK = LINK_JSON;
  const link = LINK && new WebSocket(LINK);
  const early = [];
  function toHost(id, bytes) {
    if (link.readyState === WebSocket.OPEN) link.send(JSON.stringify([id, bytes]));
    else early.push([id, bytes]);
  }
  if (link) {
    link.onopen = () => { for (const m of early.splice(0)) link.send(JSON.stringify(m)); };
    link.onmessage = (e) => { const [id, m] = JSON.parse(e.data); deliver({ [id]: [m] }); };
  }
  Object.defineProperty(navigator, "requestMIDIAccess", { configurable: true, value: async (options) => {
    record.asked.push(options ?? null);
    access.sysexEnabled = !!options?.sysex;
    if (record.asked.length === 1 && !link) poll();
    return access;
  } });
})();
"""


def stand_in_script(ports: dict[str, tuple[str, ...]], link: str | None = None) -> str:
    """The init script, offering for each key an input ``in-KEY`` and an output ``out-KEY``
    named ``ports[key][0]``; the bytes go through the exposed functions, or through the
    WebSocket ``link`` (a ``SocketBridge``'s ``url``) when given."""
    return _SCRIPT.replace("PORTS_JSON", json.dumps(ports)).replace("LINK_JSON", json.dumps(link))


class Bridge:
    """The stand-in's far side: page port ``in-KEY``/``out-KEY`` <-> ``transports[KEY]``. What
    the page sends is written as it comes (one whole message per call); what the transport
    delivers is handed to the page as whole messages (Chromium's MIDIInput delivers them so).
    Expose ``out`` as ``__standinOut`` and ``poll`` as ``__standinIn``."""

    def __init__(self, transports: dict) -> None:
        self.transports = dict(transports)
        self.assemblers = {key: MessageAssembler() for key in self.transports}

    def out(self, port_id: str, data: list[int]) -> None:
        self.transports[port_id.removeprefix("out-")].write(bytes(data))

    def poll(self) -> dict[str, list[list[int]]]:
        got = {}
        for key, t in self.transports.items():
            messages = self.assemblers[key].feed(t.read(0))
            if messages:
                got[f"in-{key}"] = [list(m) for m in messages]
        return got

    def close(self) -> None:
        for t in self.transports.values():
            t.close()


class SocketBridge(Bridge):
    """The far side over a WebSocket (``url``, for ``stand_in_script(..., link=url)``): frames
    are JSON ``[port_id, bytes]``, one whole message each, both ways. What the page sends is
    written in the connection's thread as it comes; one thread per transport hands what it
    reads to the page as soon as a message is whole. For timing (bench/transfer.py): the
    exposed functions' path costs Playwright's channel twice and up to a 4 ms poll per
    message, which Chromium's MIDIInput does not. The page's Content-Security-Policy allows
    only its own origin, so its browser context needs ``bypass_csp=True``."""

    def __init__(self, transports: dict) -> None:
        import threading

        from websockets.sync.server import serve

        super().__init__(transports)
        self._stop = threading.Event()
        self._conn = None
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None, max_size=None)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._server.serve_forever, daemon=True)]
        self._threads += [threading.Thread(target=self._pump, args=(key,), daemon=True)
                          for key in self.transports]
        for t in self._threads:
            t.start()

    def _handle(self, conn) -> None:
        self._conn = conn  # the latest page (an init script runs on each navigation)
        for frame in conn:
            port_id, data = json.loads(frame)
            self.out(port_id, data)

    def _pump(self, key: str) -> None:
        from syxkit.transfer.transport import TransportClosed

        transport, assembler = self.transports[key], self.assemblers[key]
        while not self._stop.is_set():
            try:
                data = transport.read(0.05)
            except (TransportClosed, OSError):
                return
            for message in assembler.feed(data):
                conn = self._conn
                if conn is not None:
                    try:
                        conn.send(json.dumps([f"in-{key}", list(message)]))
                    except Exception:  # the page went away: nothing to deliver to
                        pass

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        for t in self._threads[1:]:
            t.join(2)
        super().close()
