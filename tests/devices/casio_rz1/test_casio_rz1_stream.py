"""Identifying and parsing RZ-1 streams: requests, replies, captures and loadable files, and
every malformed case located by block and offset."""

from __future__ import annotations

import random

import pytest
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame
from syxkit.devices import registry
from syxkit.devices.casio_rz1 import DEVICE, build
from syxkit.devices.casio_rz1 import table as t
from syxkit.inspect import info_rows, load_bytes

HDR = t.REQUEST_LEN  # loadable header length
BLOCK = t.BLOCK_NIBBLES


def image(ram: t.Ram, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(ram.size))


def ident(data: bytes):
    msgs = frame(data).messages
    assert len(msgs) == 1
    dump = registry.identify(msgs[0])
    assert dump is not None and dump.device == "casio-rz1"
    return dump


def texts(dump) -> list[str]:
    return [p.text for p in dump.problems]


RHYTHM = image(t.RHYTHM)
GOOD = build.loadable(RHYTHM, channel=3)


# --- well-formed streams ----------------------------------------------------------------------

def test_corpus_capture_is_a_complete_sample_dump():
    data = corpus_path("rz1", "rz1_sample_dump_from_device.bin").read_bytes()
    dump = ident(data)
    assert dump.kind == "sample-dump" and dump.model == "RZ-1" and dump.problems == []
    assert dump.details["form"] == "capture" and dump.details["blocks"] == 128
    assert dump.details["handshakes"] == 127 and dump.details["complete"] is True
    assert len(dump.payload) == 16_384
    # Decoding by hand, the way the corpus README describes it, gives the same image.
    nibbles = bytes(b for b in data[6:-1] if b < 0x10)
    assert dump.payload == bytes((h << 4) | lo for h, lo in zip(nibbles[::2], nibbles[1::2], strict=True))
    assert dump.channel is None  # the reply always says 70, so a capture has no channel
    assert DEVICE.sound_bytes(dump) == dump.payload


def test_corpus_host_side_is_a_request_with_acknowledgements():
    data = corpus_path("rz1", "rz1_sample_dump_host_side.bin").read_bytes()
    row = info_rows(load_bytes(data, "host.bin")[0])[0]
    assert row["device"] == "casio-rz1" and row["kind"] == "sample-request"
    assert row["details"]["acknowledgements"] == 130 and row["details"]["open"] is True
    assert row["problems"] == []  # the framing layer's missing-F7 problem is waived...
    dump = ident(data)
    assert [p.text for p in dump.waived] and "without F7" in dump.waived[0].text
    assert any("130 handshake pair(s)" in n for n in row["notes"])  # ...and explained
    assert DEVICE.sound_bytes(dump) is None


@pytest.mark.parametrize(("maker", "kind", "code"), [
    (build.send_sample_request, "sample-request", 0x10),
    (build.send_rhythm_request, "rhythm-request", 0x14),
    (build.receive_sample_request, "sample-receive-request", 0x20),
    (build.receive_rhythm_request, "rhythm-receive-request", 0x24),
])
@pytest.mark.parametrize("closed", [False, True])
def test_four_requests(maker, kind, code, closed):
    data = maker(7) + (b"\xf7" if closed else b"")
    assert data[:7] == bytes([0xF0, 0x44, 0x01, 0x00, 0x76, code, 0x00])
    dump = ident(data)
    assert dump.kind == kind and dump.channel == 7 and dump.problems == []
    assert dump.details["command"] == f"{code:02X}" and dump.details["open"] is (not closed)
    row = info_rows(load_bytes(data, "r.syx")[0])[0]
    assert row["problems"] == []


def test_reply_header_alone():
    dump = ident(build.reply())
    assert dump.kind == "reply" and dump.problems == [] and dump.waived
    dump = ident(build.reply() + b"\x70\x32\x70\x31\xf7")
    assert dump.kind == "reply" and dump.details["handshakes"] == 2


@pytest.mark.parametrize("ram", [t.SAMPLE, t.RHYTHM])
def test_loadable_and_capture_sizes_and_decode(ram):
    img = image(ram, 5)
    load = build.loadable(img, channel=2)
    cap = build.capture(img)
    assert len(load) == ram.loadable_length == {16_384: 33_030, 7_680: 15_486}[ram.size]
    assert len(cap) == ram.capture_length
    assert load.count(b"\x71\x32") == ram.blocks - 1 and not load.endswith(b"\x71\x32\xf7")
    for data, form, channel in ((load, "loadable", 2), (cap, "capture", None)):
        dump = ident(data)
        assert dump.kind == ram.kind and dump.payload == img and dump.problems == []
        assert dump.details["form"] == form and dump.channel == channel
        assert dump.details["blocks"] == ram.blocks


def test_not_ours():
    from syxkit.core.message import Message
    for data in (b"\xf0\x44\x00\x00\x70\x10\x00\xf7", b"\xf0\x44\x01\x00\x10\x10\xf7",
                 b"\xf0\x44\x01\xf7"):
        assert DEVICE.identify(Message(data)) is None


# --- malformed dumps --------------------------------------------------------------------------

def test_short_inside_a_block():
    cut = HDR + 3 * (BLOCK + 2) + 100
    # Cut off with no F7 (the cable was pulled): what arrived is a true prefix and decoded.
    dump = ident(GOOD[:cut])
    assert dump.kind == "rhythm-dump" and not dump.details["complete"]
    (p,) = dump.problems
    assert p.offset == cut and "short" in p.text and "block 4 after 100" in p.text
    assert dump.payload == RHYTHM[:3 * 128 + 50]  # what arrived is still decoded
    assert dump.details["blocks"] == 3
    # With the RZ-1's F7 after it, the short block was claimed whole: nibbles were lost
    # somewhere inside it, so it is reported and not decoded (no byte may come out shifted).
    dump = ident(GOOD[:cut] + b"\xf7")
    lost, short = dump.problems
    assert lost.offset == HDR + 3 * (BLOCK + 2) and "block 4 has 100 nibbles before the F7" in lost.text
    assert "not decoded" in lost.text and "short" in short.text
    assert dump.payload == RHYTHM[:3 * 128]


def test_short_after_a_block_and_unterminated():
    dump = ident(GOOD[:HDR + 2 * (BLOCK + 2)] + b"\xf7")
    assert any("ends after block 2" in x for x in texts(dump))
    data = GOOD[:5000]
    row = info_rows(load_bytes(data, "cut.syx")[0])[0]
    assert any("without F7" in x for x in row["problems"])  # not waived for a dump
    assert any("short" in x and x.startswith("offset 5000") for x in row["problems"])


def test_block_of_wrong_length():
    short = GOOD[:HDR + 100] + GOOD[HDR + 101:]  # one nibble lost in block 1
    dump = ident(short)
    assert dump.problems[0].offset == HDR and "block 1 has 255 nibbles" in dump.problems[0].text
    assert dump.payload == b"" and not dump.details["complete"]
    long = GOOD[:HDR + 5 * (BLOCK + 2) + 7] + b"\x05" + GOOD[HDR + 5 * (BLOCK + 2) + 7:]
    dump = ident(long)
    first = dump.problems[0]
    assert first.offset == HDR + 5 * (BLOCK + 2) and "block 6 has 257 nibbles" in first.text
    assert dump.payload == RHYTHM[:5 * 128]  # decoded as far as it goes


def test_missing_handshake_pair_loses_nothing():
    at = HDR + 4 * (BLOCK + 2) + BLOCK  # the pair after block 5
    dump = ident(GOOD[:at] + GOOD[at + 2:])
    (p,) = dump.problems
    assert p.offset == at and "no 7n 32 handshake after block 5" in p.text
    assert dump.payload == RHYTHM and dump.details["complete"]
    assert dump.details["handshakes"] == t.RHYTHM.blocks - 2


def test_non_nibble_byte():
    at = HDR + 2 * (BLOCK + 2) + 42
    dump = ident(GOOD[:at] + b"\x45" + GOOD[at + 1:])
    (p,) = dump.problems
    assert p.offset == at and "byte 45 in block 3 (nibble 43 of 256) is not a nibble" in p.text
    assert dump.payload == RHYTHM[:(2 * BLOCK + 42) // 2]


def test_real_time_byte_keeps_file_offsets():
    at = HDR + 300
    data = GOOD[:at] + b"\xfe" + GOOD[at:at + 300] + b"\x45" + GOOD[at + 301:]
    row = info_rows(load_bytes(data, "rt.syx")[0])[0]
    assert any(x.startswith(f"offset {at} ") and "real-time" in x for x in row["problems"])
    assert any(x.startswith(f"offset {at + 301} ") and "byte 45" in x for x in row["problems"])


def test_extra_pair_extra_data_stray_handshake():
    dump = ident(GOOD[:-1] + b"\x72\x32\xf7")
    assert "after the last block" in dump.problems[0].text and dump.details["complete"]
    assert dump.problems[0].offset == len(GOOD) - 1
    dump = ident(GOOD[:-1] + b"\x72\x32" + bytes(BLOCK) + b"\xf7")
    assert "256 extra nibble(s) ignored" in dump.problems[0].text and dump.payload == RHYTHM
    dump = ident(GOOD[:HDR + 10] + b"\x72\x31" + GOOD[HDR + 10:])
    assert dump.problems[0].offset == HDR + 10 and "72 31 in block 1" in dump.problems[0].text
    assert dump.payload == RHYTHM
    dump = ident(GOOD[:HDR] + b"\x72\x32" + GOOD[HDR:])
    assert "before any data" in dump.problems[0].text


def test_capture_kind_by_length():
    cap = build.capture(image(t.SAMPLE))
    assert ident(cap[:20_000] + b"\xf7").kind == "sample-dump"  # longer than any rhythm dump
    dump = ident(cap[:3000])
    assert dump.kind == "dump" and "which RAM it holds is unknown" in dump.problems[0].text
    assert dump.problems[0].offset == 3000


def test_pair_channel_differs_from_request_is_noted():
    data = build.receive_rhythm_request(2) + b"\x70\x32".join(build.blocks(RHYTHM)) + b"\xf7"
    dump = ident(data)
    assert dump.problems == [] and any("say channel 1" in n for n in dump.notes)


def test_request_defects():
    dump = ident(bytes.fromhex("f0 44 01 00 70 10 05 f7"))
    assert dump.problems[0].offset == 6 and "expected 00" in dump.problems[0].text
    dump = ident(bytes.fromhex("f0 44 01 00 70 14 00 70 31 12 f7"))
    assert dump.details["acknowledgements"] == 1
    assert dump.problems[0].offset == 9 and "unexpected 12" in dump.problems[0].text
    dump = ident(bytes.fromhex("f0 44 01 00 70 55 00 f7"))
    assert dump.kind == "unknown" and "command 55" in dump.problems[0].text
    dump = ident(bytes.fromhex("f0 44 01 00 70 f7"))
    assert dump.kind == "unknown" and "ends after the channel byte" in dump.problems[0].text


def test_link_byte_reserved_bits_are_a_problem():
    img = bytes(16_383) + b"\x81"
    data = build.loadable(img)
    dump = ident(data)
    (p,) = dump.problems
    assert p.offset == len(data) - 3 and "link byte 81 has bits 0-4 set" in p.text


def test_problem_list_is_capped():
    damaged = bytes(b | 0x40 if i % 7 == 0 and b < 0x10 else b for i, b in enumerate(GOOD[:-1])) + b"\xf7"
    damaged = GOOD[:HDR] + damaged[HDR:]
    dump = ident(damaged)
    assert len(dump.problems) <= 27 and "not all are listed" in dump.problems[-2].text + dump.problems[-1].text


# --- properties -------------------------------------------------------------------------------

@st.composite
def images(draw, ram: t.Ram = t.RHYTHM) -> bytes:
    """A RAM image: seeded random bytes with a drawn stretch (edge values, runs) at a drawn
    place, which keeps hypothesis's inputs small."""
    base = bytearray(image(ram, draw(st.integers(0, 2**32))))
    patch = draw(st.binary(max_size=300))
    at = draw(st.integers(0, ram.size - len(patch)))
    base[at:at + len(patch)] = patch
    return bytes(base)


@settings(max_examples=25, deadline=None)
@given(images(), st.integers(1, 16), st.sampled_from(t.FORMS))
def test_any_image_round_trips(img, channel, form):
    dump = ident(build.dump_stream(img, form, channel))
    assert dump.payload == img and dump.problems == [] and dump.kind == "rhythm-dump"


def _nibble_index(pos: int) -> int | None:
    """Which nibble of the image the loadable stream's byte ``pos`` carries (None: a pair)."""
    block, within = divmod(pos - HDR, BLOCK + 2)
    return block * BLOCK + within if within < BLOCK else None


@settings(max_examples=80, deadline=None)
@given(st.integers(HDR, len(GOOD) - 2), st.sampled_from(["delete", "insert", "replace"]),
       st.integers(0, 0x7F))
def test_damage_is_located_and_never_yields_wrong_bytes(pos, action, byte):
    if action == "delete":
        data = GOOD[:pos] + GOOD[pos + 1:]
    elif action == "insert":
        data = GOOD[:pos] + bytes([byte]) + GOOD[pos:]
    else:
        data = GOOD[:pos] + bytes([byte]) + GOOD[pos + 1:]
    dump = ident(data)
    assert dump.kind == "rhythm-dump"
    if data == GOOD:
        assert dump.problems == [] and dump.payload == RHYTHM
        return
    assert all(0 <= p.offset <= len(data) for p in dump.problems)
    nib = _nibble_index(pos)
    if action == "replace" and nib is not None and byte < 0x10:
        # One nibble for another: no checksum can tell; exactly that byte changes.
        changed = [i for i in range(len(RHYTHM)) if dump.payload[i] != RHYTHM[i]]
        assert dump.problems == [] and changed in ([], [nib // 2])
        return
    # Every other change is seen, and what is decoded is a true prefix of the image that
    # reaches at least the start of the damaged block.
    assert dump.problems
    assert dump.payload == RHYTHM[:len(dump.payload)]
    assert len(dump.payload) >= (pos - HDR) // (BLOCK + 2) * t.BLOCK_BYTES


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_parser_never_crashes_on_garbage(tail):
    for head in (t.HEADER + b"\x70\x30", t.HEADER + b"\x70\x20\x00", t.HEADER + b"\x70\x10\x00"):
        for msg in frame(head + tail).messages:
            dump = registry.identify(msg)
            if dump is not None and dump.device == "casio-rz1":
                assert all(0 <= p.offset <= len(head + tail) for p in dump.problems)
