"""Raw MIDI over JACK through the ``JACK-Client`` package: one client with one MIDI input and
one MIDI output port.

JACK MIDI carries byte events as they were written, so a SysEx can go out in pieces (``F0 44
00 00 70 10 20`` now, ``70 31`` later) and arrives in pieces: the faithful handshakes work
here (measured: three chunks arrive as three events; rtmidi on the same server reassembles
them into one message). The process callback runs in JACK's thread; a queue hands incoming
events to ``read``, and outgoing bytes wait in a locked buffer from which each period takes
what the pace allows, cut into events of at most ``max_event`` bytes and spread over the
period at the byte times a 31,250-baud cable would give them.
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time

from syxkit.midi.inbox import Inbox
from syxkit.midi.ports import (
    WIRE_RATE,
    Backend,
    BackendReport,
    PortError,
    PortInfo,
    numbered,
)
from syxkit.transfer.transport import Transport, TransportClosed

START_HINT = ("start one: jackd -d alsa (with sound hardware) or "
              "jackd -S --no-realtime -d dummy -r 48000 -p 256")
UNPACED_BYTES_PER_PERIOD = 4096  # well inside JACK's ~32 KB MIDI buffer per port and period
STALL_SECONDS = 5.0
CONNECT_CYCLES = 4  # a server that takes no data for this long has gone away

# libjack prints its complaints to stderr (e.g. "Cannot connect to server socket" on every
# probe when no server runs); keep the last few to put in our own messages instead.
_jack_messages: collections.deque[str] = collections.deque(maxlen=8)
_jack = None


def import_jack():
    """The ``jack`` module, with libjack's messages captured. Raises OSError when libjack is
    missing, ImportError when the package is."""
    global _jack
    if _jack is None:
        import jack  # libjack is optional: only this backend needs it

        jack.set_error_function(_jack_messages.append)
        jack.set_info_function(_jack_messages.append)
        _jack = jack
    return _jack


def _jack_reason() -> str:
    """libjack's own words for the failure just seen (its first message is the cause; the
    shared-memory clean-up lines that follow are noise)."""
    return f" (libjack: {_jack_messages[0]})" if _jack_messages else ""


def open_client(name: str, *, exact: bool = False):
    jack = import_jack()
    _jack_messages.clear()
    try:
        return jack.Client(name, use_exact_name=exact, no_start_server=True)
    except jack.JackOpenError as exc:
        status = getattr(exc, "status", None)
        if exact and status is not None and status.name_not_unique:
            raise PortError(f"jack: the client name {name!r} is already taken by another "
                            "program; choose another --port name") from exc
        raise PortError(f"jack: cannot reach a JACK server{_jack_reason()}; "
                        f"{START_HINT}") from exc


class JackTransport(Transport):
    can_split_sysex = True

    def __init__(self, client_name: str, *, rate: float | None = WIRE_RATE, max_event: int = 32,
                 exact_name: bool = False):
        if max_event < 1:
            raise ValueError("max_event must be at least 1 byte")
        self.client = open_client(client_name, exact=exact_name)
        # JACK's thread needs the GIL once per period (5.3 ms at 256 frames); Python's default
        # 5 ms switch interval lets a busy thread hold it past the period, and a late process
        # callback is an xrun that loses that period's MIDI events.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))
        self.name = f"jack:{self.client.name}"
        self.rate = rate or None
        self.max_event = max_event
        self.inport = self.client.midi_inports.register("in")
        self.outport = self.client.midi_outports.register("out")
        self._inbox = Inbox()
        self._outbox = bytearray()
        self._lock = threading.Lock()
        self._per_frame = (self.rate / self.client.samplerate) if self.rate else None
        period = self.client.blocksize
        self._credit_cap = max(float(max_event), (self._per_frame or 0) * period + 1)
        self._credit = 0.0
        self.cycles = 0  # process callbacks so far (to wait for a new connection to take effect)
        self.callback_error: str | None = None
        self._closed = False
        self.client.set_process_callback(self._process)
        self.client.set_shutdown_callback(self._shutdown)
        self.client.activate()

    # -- JACK's thread ----------------------------------------------------------------------
    def _process(self, frames: int) -> None:
        self.cycles += 1
        try:
            for _offset, data in self.inport.incoming_midi_events():
                self._inbox.put(bytes(data))
            self.outport.clear_buffer()
            if self._per_frame is not None:
                self._credit = min(self._credit + frames * self._per_frame, self._credit_cap)
            if not self._outbox or not self._lock.acquire(blocking=False):
                return
            try:
                self._write_events(frames)
            finally:
                self._lock.release()
        except Exception as exc:  # an exception here would kill JACK's thread
            self.callback_error = f"{type(exc).__name__}: {exc}"

    def _write_events(self, frames: int) -> None:
        budget = int(self._credit) if self._per_frame is not None else UNPACED_BYTES_PER_PERIOD
        budget = min(budget, len(self._outbox))
        sent = 0
        while sent < budget:
            piece = bytes(self._outbox[sent : min(budget, sent + self.max_event)])
            # Place each event at the frame where its first byte would be on a real cable.
            offset = 0 if self._per_frame is None else min(frames - 1, int(sent / self._per_frame))
            try:
                self.outport.write_midi_event(offset, piece)
            except Exception:  # buffer full this period: the rest waits
                break
            sent += len(piece)
        del self._outbox[:sent]
        if self._per_frame is not None:
            self._credit -= sent

    def _shutdown(self, status, reason) -> None:
        self._closed = True
        self._inbox.close(f"the JACK server shut down ({reason})")

    # -- caller's thread ----------------------------------------------------------------------
    def connect(self, source: str | None, sink: str | None) -> None:
        """Read from the port ``source`` (a device's MIDI out) and write to ``sink``."""
        for a, b in ((source, self.inport), (self.outport, sink)):
            if a is None or b is None:
                continue
            try:
                self.client.connect(a, b)
            except Exception as exc:  # JackError subclasses; "exists" is fine
                if "already exists" not in str(exc):
                    raise PortError(f"jack: cannot connect {a!s} -> {b!s}: {exc}") from exc
        # The server applies a new connection a cycle or two later; bytes written before then
        # would go nowhere (measured: about 1 first request in 6 was lost without this wait).
        self.wait_cycles(CONNECT_CYCLES)

    def wait_cycles(self, n: int) -> None:
        target = self.cycles + n
        deadline = time.monotonic() + STALL_SECONDS
        while self.cycles < target and not self._closed and time.monotonic() < deadline:
            time.sleep(self.client.blocksize / self.client.samplerate)

    def write(self, data: bytes) -> None:
        """Queue ``data`` and return once JACK has taken all of it (so the caller's clock
        runs like a cable's: a 33 KB dump at 3,125 B/s takes 10.6 s to write)."""
        if self._closed:
            raise TransportClosed(self._inbox.closed_reason or "JACK client closed")
        with self._lock:
            self._outbox += data
        last, since = len(self._outbox), time.monotonic()
        step = self.client.blocksize / self.client.samplerate
        while True:
            left = len(self._outbox)
            if not left:
                return
            if self._closed:
                raise TransportClosed(self._inbox.closed_reason or "JACK client closed")
            now = time.monotonic()
            if left < last:
                last, since = left, now
            elif now - since > STALL_SECONDS:
                raise TransportClosed(f"the JACK server took none of {left} byte(s) for "
                                      f"{STALL_SECONDS:.0f} s{self._error_note()}")
            time.sleep(step)

    def read(self, timeout: float | None) -> bytes:
        return self._inbox.read(timeout)

    def _error_note(self) -> str:
        return f"; process callback failed: {self.callback_error}" if self.callback_error else ""

    def close(self) -> None:
        if self._closed:
            self._closed_client()
            return
        self._closed = True
        # One more period so the last events written reach the connected ports.
        time.sleep(2 * self.client.blocksize / self.client.samplerate)
        self._closed_client()

    def _closed_client(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.deactivate()
            client.close()
        except Exception:  # the server may already be gone
            pass


class JackBackend(Backend):
    name = "jack"
    title = "JACK (raw MIDI events through JACK-Client)"
    can_split_sysex = True
    virtual_ports = True

    def probe(self) -> BackendReport:
        try:
            import_jack()
        except (OSError, ImportError) as exc:
            return self.report(False, f"libjack or the JACK-Client package is missing ({exc}); "
                                      "install jackd2 (Debian/Ubuntu) or JACK")
        try:
            client = open_client(f"syxkit-probe-{os.getpid()}")
        except PortError:
            return self.report(False, f"no JACK server is running; {START_HINT}")
        try:
            own = client.name + ":"
            def listing(ports, direction):
                ports = [p for p in ports if not p.name.startswith(own)]
                return numbered(self.name, [p.name for p in ports], direction,
                                [", ".join(p.aliases) for p in ports])
            # A JACK output port carries MIDI out of a program or device: syxkit reads it.
            inputs = listing(client.get_ports(is_midi=True, is_output=True), "in")
            outputs = listing(client.get_ports(is_midi=True, is_input=True), "out")
        finally:
            client.close()
        return self.report(True, "", inputs, outputs)

    def open(self, report, source: PortInfo | None, sink: PortInfo | None, *, rate, client_name, **_):
        transport = JackTransport(client_name, rate=rate)
        try:
            transport.connect(source.name if source else None, sink.name if sink else None)
        except PortError:
            transport.close()
            raise
        return transport

    def open_virtual(self, name: str, *, rate):
        return JackTransport(name, rate=rate, exact_name=True)
