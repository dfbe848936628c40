"""A test note as a sans-I/O peer: note on at start, note off once ``hold`` seconds have
passed (the driver's clock says when), then done. Used by the editor's test-note button through
the same jobs and ports as the audition, so the note leaves after the edits queued before it.

Nothing is read back: a synth answers a note with sound, not bytes."""

from __future__ import annotations

from syxkit.devices.base import OptionError
from syxkit.protocols.base import Peer, Progress

# Release velocity when none is given: 64 is MIDI's "no velocity sensing" value for note off.
RELEASE_VELOCITY = 0x40


def note_on(channel: int, note: int, velocity: int) -> bytes:
    return bytes((0x90 | (channel - 1), note, velocity))


def note_off(channel: int, note: int) -> bytes:
    return bytes((0x80 | (channel - 1), note, RELEASE_VELOCITY))


def check_note(channel: int, note: int, velocity: int, hold: float) -> None:
    """OptionError naming the value out of range (a note-on with velocity 0 is a note off)."""
    for name, value, low, high in (("channel", channel, 1, 16), ("note", note, 0, 127),
                                   ("velocity", velocity, 1, 127)):
        if not low <= value <= high:
            raise OptionError(f"test note: {name} {value} is outside {low}-{high}")
    if not 0 < hold <= 10:
        raise OptionError(f"test note: hold {hold:g} s is outside 0-10 s")


class TestNote(Peer):
    __test__ = False  # not a pytest class, whatever its name says

    def __init__(self, device: str, channel: int, note: int, velocity: int, hold: float):
        super().__init__()
        check_note(channel, note, velocity, hold)
        self.device = device
        self.channel, self.note, self.velocity, self.hold = channel, note, velocity, hold
        self.sounding = False  # note on sent, note off not yet: the job's cancel sends the off

    def on_start(self, now: float) -> None:
        self.step_name = "note on"
        self.send(note_on(self.channel, self.note, self.velocity))
        self.sounding = True
        self.emit(Progress(3, 6, 0, 1, "note on"))
        self.wake_at(now + self.hold)

    def on_timeout(self, now: float) -> None:
        self.step_name = "note off"
        self.send(self.release())
        self.emit(Progress(6, 6, 1, 1, "note off"))
        self.finish({"channel": self.channel, "note": self.note, "velocity": self.velocity})

    def release(self) -> bytes:
        """The note off (once): for the end of the hold, or a cancel in the middle of it."""
        if not self.sounding:
            return b""
        self.sounding = False
        return note_off(self.channel, self.note)
