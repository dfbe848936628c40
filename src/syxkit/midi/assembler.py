"""Cutting an outgoing byte stream into whole MIDI messages, for APIs that only send whole
messages (rtmidi, CoreMIDI, Windows MME through rtmidi).

A protocol writes bytes as a wire would carry them; an open SysEx (``F0 …`` without its ``F7``)
is held back until its ``F7`` comes, because these APIs cannot send half a message. That is
the reason such transports say ``can_split_sysex = False`` and protocols then choose the
embedded or paced form. Real-time bytes (F8-FF) go out at once even inside a SysEx, as on a
wire. Data bytes with no status before them cannot be sent by such an API: they are counted in
``dropped`` (and the transport reports them), never silently lost.
"""

from __future__ import annotations

# Data bytes that follow each channel status (high nibble) and system common status.
_CHANNEL_LENGTH = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_COMMON_LENGTH = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0}


def _data_length(status: int) -> int:
    if status < 0xF0:
        return _CHANNEL_LENGTH[status & 0xF0]
    return _COMMON_LENGTH.get(status, 0)


class MessageAssembler:
    def __init__(self) -> None:
        self._current = bytearray()  # message being built (SysEx or channel message)
        self._running: int | None = None  # running status for channel messages
        self.dropped = bytearray()  # data bytes with no status (unsendable here)

    @property
    def pending(self) -> bytes:
        """An unfinished message (an open SysEx waiting for its F7)."""
        return bytes(self._current)

    def feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        for b in data:
            if b >= 0xF8:  # real time: alone, at once
                out.append(bytes([b]))
            elif b == 0xF7:
                if self._current[:1] == b"\xf0":
                    self._current.append(b)
                    out.append(bytes(self._current))
                    self._current.clear()
                else:
                    self.dropped.append(b)
            elif b >= 0x80:
                if self._current[:1] == b"\xf0":
                    # A status byte ends an unterminated SysEx: send it as it stands, as a wire
                    # would have carried it (a device sees the new status and drops the SysEx).
                    out.append(bytes(self._current))
                elif self._current:  # a channel message cut short by a new status
                    self.dropped += self._current
                self._current = bytearray([b])
                self._running = b if b < 0xF0 else None
                if b != 0xF0 and _data_length(b) == 0:
                    out.append(bytes(self._current))
                    self._current.clear()
            else:
                if self._current[:1] == b"\xf0":
                    self._current.append(b)
                    continue
                if not self._current:
                    if self._running is None:
                        self.dropped.append(b)
                        continue
                    self._current = bytearray([self._running])
                self._current.append(b)
                if len(self._current) - 1 == _data_length(self._current[0]):
                    out.append(bytes(self._current))
                    self._current.clear()
        return out
