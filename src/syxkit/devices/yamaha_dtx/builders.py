"""Plain Python builders for the transfer work and for scripts: dump messages, every dump
request, and the song packetiser/joiner. Numbers are 0-based as on the wire (the panel shows
number + 1); ``panel_number`` converts. Device numbers are 1-16 as on the panel.

Strict when writing: only addresses the Data List defines are built; anything else raises
ValueError with the reason.
"""

from __future__ import annotations

from syxkit.devices.yamaha_dtx.songs import (
    Song,
    join_song,
    join_song_messages,
    join_songs,
    packet_indexes,
    song_packets,
)
from syxkit.devices.yamaha_dtx.table import (
    EDIT_BUFFER,
    MAX_14BIT,
    SONG_PACKET_DATA_BYTES,
    ObjectType,
    type_for_kind,
)
from syxkit.devices.yamaha_dtx.wire import (
    WRITE_RULES,
    Rules,
    build_bulk,
    build_request,
    data_from_payload,
)


def panel_number(panel: int) -> int:
    """The wire number of an object the panel shows as ``panel`` (User kit 12 -> 11)."""
    if panel < 1:
        raise ValueError(f"panel numbers count from 1; got {panel}")
    return panel - 1


def target_number(otype: ObjectType, number: int | None = None, *, edit_buffer: bool = False,
                  for_request: bool = False) -> int:
    """The object number to write for ``otype``: checked against what the Data List defines."""
    if number is not None and edit_buffer:
        raise ValueError("give either a number or the edit buffer, not both")
    if not otype.numbered:
        if number not in (None, EDIT_BUFFER):
            raise ValueError(f"{otype.kind} data has no number (it is always 7F 7F)")
        return EDIT_BUFFER
    if number == EDIT_BUFFER:
        edit_buffer, number = True, None
    if edit_buffer:
        if otype.edit_buffer is None:
            raise ValueError(f"the Data List defines no edit buffer (7F 7F) for {otype.kind} data; "
                             f"give a {otype.kind} number")
        if for_request and otype.packets:
            raise ValueError("the module does not answer a song request for 7F 7F (current "
                             "song); ask for a song by number")
        return EDIT_BUFFER
    if number is None:
        raise ValueError(f"{otype.kind} data needs a number (0-based as on the wire) or the edit buffer")
    top = otype.max_number if otype.max_number is not None else MAX_14BIT - 1
    if not 0 <= number <= top:
        raise ValueError(f"{otype.kind} number {number} is out of range 0-{top} "
                         f"(panel {otype.title.lower()} 1-{top + 1})")
    return number


def dump_messages(kind: str, payload: bytes, number: int | None = None, *, device_number: int = 1,
                  edit_buffer: bool = False, max_data_bytes: int = SONG_PACKET_DATA_BYTES,
                  rules: Rules = WRITE_RULES) -> list[bytes]:
    """The message(s) that send ``payload`` (the logical bytes) as ``kind`` to ``number``.
    Songs come back as their packets; every other kind as one message."""
    otype = type_for_kind(kind)
    target = target_number(otype, number, edit_buffer=edit_buffer)
    _check_device(device_number)
    if otype.packets:
        return song_packets(payload, target, device_number=device_number,
                            max_data_bytes=max_data_bytes, code=otype.code, rules=rules)
    data = data_from_payload(otype, payload)
    return [build_bulk(otype.code, target, data, device=device_number - 1, rules=rules)]


def dump_message(kind: str, payload: bytes, number: int | None = None, *, device_number: int = 1,
                 edit_buffer: bool = False) -> bytes:
    """One bulk dump message; a song too large for one message raises ValueError (use
    :func:`song_packets`)."""
    messages = dump_messages(kind, payload, number, device_number=device_number,
                             edit_buffer=edit_buffer)
    if len(messages) != 1:
        raise ValueError(f"the song needs {len(messages)} messages; use song_packets()")
    return messages[0]


def request_message(kind: str, number: int | None = None, *, device_number: int = 1,
                    edit_buffer: bool = False) -> bytes:
    """A dump request for ``kind`` (system, kit, chain, song, stack)."""
    otype = type_for_kind(kind)
    target = target_number(otype, number, edit_buffer=edit_buffer, for_request=True)
    _check_device(device_number)
    return build_request(otype.code, target, device=device_number - 1)


def system_request(*, device_number: int = 1) -> bytes:
    return request_message("system", device_number=device_number)


def kit_request(kit: int | None = None, *, edit_buffer: bool = False, device_number: int = 1) -> bytes:
    """Ask for user kit ``kit`` (0-based; the panel's kit 12 is 11) or the kit edit buffer."""
    return request_message("kit", kit, device_number=device_number, edit_buffer=edit_buffer)


def chain_request(chain: int | None = None, *, edit_buffer: bool = False, device_number: int = 1) -> bytes:
    return request_message("chain", chain, device_number=device_number, edit_buffer=edit_buffer)


def song_request(song: int, *, device_number: int = 1) -> bytes:
    """Ask for user song ``song`` (0-based); the module answers 7F 7F requests for no song."""
    return request_message("song", song, device_number=device_number)


def stack_request(stack: int, *, device_number: int = 1) -> bytes:
    """Ask for user stack ``stack`` (0-15 = panel stacks 1-16)."""
    return request_message("stack", stack, device_number=device_number)


def _check_device(device_number: int) -> None:
    if not 1 <= device_number <= 16:
        raise ValueError(f"device number {device_number} is out of range 1-16")


__all__ = [
    "Song", "chain_request", "dump_message", "dump_messages", "join_song", "join_song_messages",
    "join_songs", "kit_request", "packet_indexes", "panel_number", "request_message",
    "song_packets", "song_request", "stack_request", "system_request", "target_number",
]
