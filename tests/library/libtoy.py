"""A small device driver for the library tests, shaped like the real ones: two forms of the same
voice (receive form with a program byte, capture form without), a bulk message of voices, a
nameless kind, a request that is no sound, a byte the device ignores, and an old librarian file
format read through ``read_foreign``.

Messages (manufacturer 7D = non-commercial; every value 7-bit):
  F0 7D 4C 01 ch pp name[8] data[16] F7     voice, receive form (program pp)
  F0 7D 4C 02 ch name[8] data[16] F7        voice, capture form (no program)
  F0 7D 4C 03 ch pp data[16] F7             pattern (no name)
  F0 7D 4C 10 ch nn (name[8] data[16])*nn F7  bulk of nn voices
  F0 7D 4C 20 ch pp F7                      request (not a sound)
  F0 7D 4C 30 ch ss ii data[n] F7           packet ii of song ss (a song spans messages)
data[15] is a byte the device ignores, so sound_bytes leaves it out.
Foreign file: b"TOYDOS" + records of name[8] data[16].
"""

from __future__ import annotations

import hashlib

from syxkit.core.message import Message, Problem
from syxkit.devices.base import Device, DeviceError, Dump, Options, Output

HEAD = b"\xf0\x7d\x4c"
NAME, DATA = 8, 16
RECORD = NAME + DATA
FOREIGN_MAGIC = b"TOYDOS"


def voice(data: bytes, name: str = "", program: int | None = 0, channel: int = 1) -> bytes:
    body = name.encode("ascii").ljust(NAME)[:NAME] + bytes(data)
    if program is None:
        return HEAD + bytes([0x02, channel - 1]) + body + b"\xf7"
    return HEAD + bytes([0x01, channel - 1, program]) + body + b"\xf7"


def pattern(data: bytes, program: int = 0, channel: int = 1) -> bytes:
    return HEAD + bytes([0x03, channel - 1, program]) + bytes(data) + b"\xf7"


def bulk(voices: list[tuple[str, bytes]], channel: int = 1) -> bytes:
    body = b"".join(n.encode("ascii").ljust(NAME)[:NAME] + bytes(d) for n, d in voices)
    return HEAD + bytes([0x10, channel - 1, len(voices)]) + body + b"\xf7"


def song_packets(song: int, data: bytes, size: int = 8, channel: int = 1) -> list[bytes]:
    return [HEAD + bytes([0x30, channel - 1, song, i]) + data[at:at + size] + b"\xf7"
            for i, at in enumerate(range(0, len(data), size))]


def request(program: int = 0, channel: int = 1) -> bytes:
    return HEAD + bytes([0x20, channel - 1, program]) + b"\xf7"


def data_bytes(seed: int) -> bytes:
    """16 7-bit bytes, different for every seed (data[15] left 0: the ignored byte)."""
    digest = hashlib.sha256(seed.to_bytes(8, "big", signed=True)).digest()
    return bytes(b & 0x7F for b in digest[:15]) + b"\x00"


class ToyDevice(Device):
    id = "toy-lib"
    title = "Library test device"
    prefixes = (HEAD,)
    models = ("TOY-1", "TOY-2")
    kinds = ("voice", "pattern", "song")

    def identify(self, message: Message) -> Dump | None:
        d = message.data
        if len(d) < 6 or not message.terminated:
            return None
        kind_byte, ch = d[3], d[4] + 1
        at = message.offset
        if kind_byte == 0x01:
            return self._voice(message, d[6:-1], ch, d[5], at + 6)
        if kind_byte == 0x02:
            return self._voice(message, d[5:-1], ch, None, at + 5)
        if kind_byte == 0x03:
            dump = Dump(self.id, "pattern", message, model="TOY-1", channel=ch, program=d[5],
                        slot=f"P{d[5] + 1:02d}", payload=bytes(d[6:-1]))
            if len(d) - 7 != DATA:
                dump.problems.append(Problem(at + 6, f"expected {DATA} data bytes, found {len(d) - 7}"))
                dump.payload = None
            return dump
        if kind_byte == 0x10:
            n = d[5]
            body = d[6:-1]
            dump = Dump(self.id, "bulk", message, model="TOY-1", channel=ch)
            if len(body) != n * RECORD:
                dump.problems.append(Problem(at + 6, f"expected {n * RECORD} bytes for {n} voices, "
                                                     f"found {len(body)}"))
                n = len(body) // RECORD
            for i in range(n):
                rec = body[i * RECORD:(i + 1) * RECORD]
                dump.parts.append(Dump(self.id, "voice", message, model="TOY-1", channel=ch,
                                       program=i, slot=f"V{i + 1:02d}", index=i,
                                       name=rec[:NAME].decode("ascii", "replace"),
                                       payload=bytes(rec[NAME:])))
            return dump
        if kind_byte == 0x20:
            return Dump(self.id, "request", message, channel=ch, program=d[5])
        if kind_byte == 0x30 and len(d) >= 8:
            return Dump(self.id, "song", message, channel=ch, program=d[5], slot=f"S{d[5] + 1:02d}",
                        payload=bytes(d[7:-1]), details={"packet": d[6]})
        return None

    def _voice(self, message, body: bytes, ch: int, program: int | None, at: int) -> Dump:
        dump = Dump(self.id, "voice", message, model="TOY-1", channel=ch, program=program,
                    slot=None if program is None else f"V{program + 1:02d}",
                    details={"form": "capture" if program is None else "receive"})
        if len(body) != RECORD:
            dump.problems.append(Problem(at, f"expected {RECORD} bytes of voice, found {len(body)}"))
            return dump
        dump.name = body[:NAME].decode("ascii", "replace")
        dump.payload = bytes(body[NAME:])
        return dump

    def sound_bytes(self, dump: Dump) -> bytes | None:
        if dump.kind == "song":
            return dump.payload
        if dump.kind not in ("voice", "pattern") or dump.payload is None:
            return None
        return dump.payload[:15]  # data[15] is ignored by the device

    def decode(self, dump: Dump) -> dict:
        if dump.kind == "song":
            return {"packet": dump.details["packet"], "data": list(dump.payload)}
        if dump.payload is None:
            raise DeviceError(f"{self.id}: nothing to decode in a {dump.kind}")
        return {"level": dump.payload[0], "data": list(dump.payload)}

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        out = []
        for dump in dumps:
            if dump.kind == "song":  # one file per song: its packets together
                if dump.details["packet"] and out and out[-1].name == f"song{dump.program}.syx":
                    out[-1] = Output(out[-1].name, out[-1].data + dump.message.data)
                else:
                    out.append(Output(f"song{dump.program}.syx", dump.message.data))
            elif dump.parts:
                for p in dump.parts:
                    out.append(Output(f"{p.index:02d}.syx",
                                      voice(p.payload, p.name, p.index, p.channel)))
            else:
                out.append(Output("single.syx", dump.message.data))
        return out

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        if all(d.kind == "song" for d in dumps):
            return [Output("songs.syx", b"".join(d.message.data for d in dumps))]
        model = options.get("model")
        if model is not None and model not in self.models:
            raise DeviceError(f"{self.id}: unknown model {model!r}")
        voices = [d for d in dumps if d.kind == "voice"]
        if len(voices) != len(dumps):
            raise DeviceError(f"{self.id}: only voices go into a bulk")
        pad = options.get("pad_with")
        size = options.get("bank_size")
        while pad and size and len(voices) < size:
            voices.append(pad[0])
        return [Output("bulk.syx", bulk([(v.name or "", v.payload) for v in voices],
                                         options.get("channel") or 1))]

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        ch, prog = options.get("channel"), options.get("program")
        out = []
        for d in dumps:
            if d.kind != "voice":
                raise DeviceError(f"{self.id}: cannot convert a {d.kind}")
            out.append(Output("v.syx", voice(d.payload, d.name or "",
                                             prog if prog is not None else (d.program or 0),
                                             ch or d.channel or 1)))
        return out

    def rename(self, dump: Dump, name: str, options: Options) -> bytes:
        if not name.isascii() or len(name) > NAME:
            raise DeviceError(f"{self.id}: names are at most {NAME} ASCII characters")
        if dump.kind != "voice":
            raise DeviceError(f"{self.id}: a {dump.kind} has no name")
        return voice(dump.payload, name, dump.program, dump.channel or 1)

    def read_foreign(self, data: bytes, path: str) -> list[Message] | None:
        if not data.startswith(FOREIGN_MAGIC):
            return None
        out = []
        body = data[len(FOREIGN_MAGIC):]
        for i in range(len(body) // RECORD):
            rec = body[i * RECORD:(i + 1) * RECORD]
            at = len(FOREIGN_MAGIC) + i * RECORD
            synth = HEAD + bytes([0x02, 0]) + rec + b"\xf7"
            out.append(Message(synth, at, path, raw=bytes(rec), index=i))
        return out

    def example(self) -> bytes:
        return voice(data_bytes(1), "EXAMPLE", 0)
