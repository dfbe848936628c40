// This browser's own MIDI (Web MIDI) offered to the server as the `browser` backend. Nothing
// here runs until the user turns the switch on: only then is navigator.requestMIDIAccess
// asked (with SysEx, which makes the browser ask the user). The page then opens one WebSocket
// on its own origin (the token cookie and the Origin check authenticate it as every request)
// and relays complete messages both ways; the device protocols run in the server, in Python,
// which also paces what it asks the page to send (Web MIDI has no pacing). See
// src/syxkit/midi/browser_backend.py for the whole design.

const COMMON = { 0xf1: 2, 0xf2: 3, 0xf3: 2, 0xf6: 1 };

// Why `data` is not one complete MIDI message, or null. Chromium's MIDIOutput.send throws on
// an F0 without F7, a stray F7 or running status, so nothing else is ever passed to it (the
// server's check, whole_message_problem, is the same rule).
export function wholeProblem(data) {
  if (!data.length) return "empty";
  const s = data[0];
  if (s < 0x80) return "no status byte (running status cannot be sent)";
  for (let i = 1; i < data.length - 1; i++) if (data[i] >= 0x80) return "a status byte inside the message";
  if (s === 0xf0) return data.length >= 2 && data[data.length - 1] === 0xf7 ? null : "a SysEx without its F7";
  if (s === 0xf9 || s === 0xfd) return `status ${s.toString(16)} is reserved`;
  if (s >= 0xf8) return data.length === 1 ? null : "a real-time byte with data after it";
  if (s === 0xf4 || s === 0xf5 || s === 0xf7) return `status ${s.toString(16)} cannot be sent alone`;
  const want = s >= 0xf0 ? COMMON[s] : ((s & 0xf0) === 0xc0 || (s & 0xf0) === 0xd0 ? 2 : 3);
  if (data.length !== want || (want > 1 && data[data.length - 1] >= 0x80)) return `a ${s.toString(16)} message needs ${want} bytes`;
  return null;
}

function describe(port) {
  return { id: port.id, name: port.name || port.id, manufacturer: port.manufacturer || "", state: port.state };
}

// One per page: the switch in the Devices view drives it; `onchange` tells the view.
export class BrowserMidi {
  constructor() {
    this.on = false;
    this.access = null;
    this.socket = null;
    this.status = "off";
    this.error = null;
    this.refused = []; // messages not passed to MIDIOutput.send, and why
    this.sent = 0;
    this.onchange = () => {};
    this.onports = () => {};
    this.inputHandlers = new Map();
  }

  inputs() { return this.access ? [...this.access.inputs.values()] : []; }
  outputs() { return this.access ? [...this.access.outputs.values()] : []; }

  async enable() {
    if (this.on) return;
    this.on = true;
    this.error = null;
    this.set("asking for MIDI access…");
    if (!navigator.requestMIDIAccess) {
      this.fail("this browser has no Web MIDI (Chromium-based browsers and Firefox have; Safari has not)");
      return;
    }
    try {
      this.access = await navigator.requestMIDIAccess({ sysex: true });
    } catch (err) {
      this.fail(`no MIDI access: ${err.message || err}`);
      return;
    }
    if (!this.on) return; // turned off while the browser asked
    this.access.onstatechange = () => { this.watchInputs(); this.offerPorts(); };
    this.watchInputs();
    this.connect();
  }

  disable() {
    this.on = false;
    for (const [input, handler] of this.inputHandlers) input.removeEventListener("midimessage", handler);
    this.inputHandlers.clear();
    if (this.access) this.access.onstatechange = null;
    this.access = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.set("off");
  }

  fail(message) {
    this.error = message;
    this.disable();
    this.error = message;
    this.onchange();
  }

  set(status) {
    this.status = status;
    this.onchange();
  }

  watchInputs() {
    for (const input of this.inputs()) {
      if (this.inputHandlers.has(input)) continue;
      const handler = (e) => this.forward(input, e.data);
      input.addEventListener("midimessage", handler);
      this.inputHandlers.set(input, handler);
    }
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/midi/browser`);
    this.socket = socket;
    socket.onopen = () => { this.offerPorts(); };
    socket.onmessage = (e) => this.received(e.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.on) this.fail("the server closed the MIDI connection (turn the switch on again)");
    };
  }

  offerPorts() {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ type: "ports", inputs: this.inputs().map(describe), outputs: this.outputs().map(describe) }));
    const ins = this.inputs().filter((p) => p.state === "connected").length;
    const outs = this.outputs().filter((p) => p.state === "connected").length;
    this.set(`offering ${ins} input(s) and ${outs} output(s) to the server`);
  }

  forward(input, data) {
    if (this.socket?.readyState !== WebSocket.OPEN || !data?.length) return;
    this.socket.send(JSON.stringify({ type: "in", port: input.id, data: Array.from(data) }));
  }

  received(text) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    if (m.type === "ports-seen") {
      this.onports(); // the server has them: GET /api/ports lists them now
      return;
    }
    if (m.type !== "send") return;
    const answer = (type, reason) => this.socket?.send(JSON.stringify({ type, seq: m.seq, reason }));
    const output = this.access?.outputs.get(m.port);
    if (!output) {
      answer("refused", "the page has no such output (unplugged?)");
      return;
    }
    const data = Uint8Array.from(m.data ?? []);
    const problem = wholeProblem(data);
    if (problem) {
      // never handed to MIDIOutput.send: the browser would throw (or worse, send half a SysEx)
      this.refused.push({ problem, length: data.length });
      console.warn(`syxkit: not sent to ${output.name}: ${problem}`);
      answer("refused", problem);
      return;
    }
    try {
      output.send(data);
    } catch (err) {
      answer("refused", `${output.name}: ${err.message || err}`);
      return;
    }
    this.sent += 1;
    answer("sent");
  }
}

export const browserMidi = new BrowserMidi();
