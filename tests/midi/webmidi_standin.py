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
      window.__standinOut(this.id, bytes);
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
  async function poll() {
    const got = await window.__standinIn();
    for (const [id, messages] of Object.entries(got)) {
      const input = access.inputs.get(id);
      for (const m of messages) {
        const ev = new Event("midimessage");
        ev.data = Uint8Array.from(m);
        input?.dispatchEvent(ev);
      }
    }
    setTimeout(poll, 4);
  }
  Object.defineProperty(navigator, "requestMIDIAccess", { configurable: true, value: async (options) => {
    record.asked.push(options ?? null);
    access.sysexEnabled = !!options?.sysex;
    if (record.asked.length === 1) poll();
    return access;
  } });
})();
"""


def stand_in_script(ports: dict[str, tuple[str, ...]]) -> str:
    """The init script, offering for each key an input ``in-KEY`` and an output ``out-KEY``
    named ``ports[key][0]``."""
    return _SCRIPT.replace("PORTS_JSON", json.dumps(ports))


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
