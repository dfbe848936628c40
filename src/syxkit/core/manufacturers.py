"""MIDI manufacturer IDs (1-byte, and 3-byte starting with 00), so an unknown message still says
whose it is. Names follow the MIDI Association's published list."""

from __future__ import annotations

ONE_BYTE: dict[int, str] = {
    0x01: "Sequential Circuits", 0x02: "IDP", 0x03: "Voyetra / Octave-Plateau", 0x04: "Moog",
    0x05: "Passport Designs", 0x06: "Lexicon", 0x07: "Kurzweil", 0x08: "Fender",
    0x09: "Gulbransen", 0x0A: "AKG Acoustics", 0x0B: "Voyce Music", 0x0C: "Waveframe",
    0x0D: "ADA Signal Processors", 0x0E: "Garfield Electronics", 0x0F: "Ensoniq",
    0x10: "Oberheim", 0x11: "Apple", 0x12: "Grey Matter Response", 0x13: "Digidesign",
    0x14: "Palmtree Instruments", 0x15: "JLCooper Electronics", 0x16: "Lowrey Organ",
    0x17: "Adams-Smith", 0x18: "E-mu", 0x19: "Harmony Systems", 0x1A: "ART", 0x1B: "Baldwin",
    0x1C: "Eventide", 0x1D: "Inventronics", 0x1E: "Key Concepts", 0x1F: "Clarity",
    0x20: "Passac", 0x21: "Proel Labs (SIEL)", 0x22: "Synthaxe (UK)", 0x23: "Stepp",
    0x24: "Hohner", 0x25: "Twister", 0x26: "Ketron", 0x27: "Jellinghaus MS",
    0x28: "Southworth Music Systems", 0x29: "PPG (Germany)", 0x2A: "JEN",
    0x2B: "Solid State Logic", 0x2C: "Audio Veritrieb-P. Struven", 0x2D: "Neve",
    0x2E: "Soundtracs", 0x2F: "Elka", 0x30: "Dynacord", 0x31: "Viscount International",
    0x32: "Drawmer", 0x33: "Clavia Digital Instruments", 0x34: "Audio Architecture",
    0x35: "GeneralMusic", 0x36: "Cheetah Marketing", 0x37: "C.T.M.", 0x38: "Simmons UK",
    0x39: "Soundcraft Electronics", 0x3A: "Steinberg Media Technologies", 0x3B: "Wersi",
    0x3C: "AVAB Niethammer", 0x3D: "Digigram", 0x3E: "Waldorf Electronics", 0x3F: "Quasimidi",
    0x40: "Kawai", 0x41: "Roland", 0x42: "Korg", 0x43: "Yamaha", 0x44: "Casio",
    0x46: "Kamiya Studio", 0x47: "Akai", 0x48: "Victor", 0x4B: "Fujitsu", 0x4C: "Sony",
    0x4E: "Teac", 0x50: "Matsushita Electric", 0x51: "Fostex", 0x52: "Zoom",
    0x54: "Matsushita Communication", 0x55: "Suzuki", 0x56: "Fuji Sound", 0x57: "Acoustic Technical Laboratory",
    0x59: "Faith", 0x5A: "Internet Corporation", 0x5C: "Seekers", 0x5F: "SD Card Association",
    0x7D: "Non-commercial (educational/development)", 0x7E: "Universal Non-Real-Time",
    0x7F: "Universal Real-Time",
}

THREE_BYTE: dict[int, str] = {
    0x000001: "Time/Warner Interactive", 0x000007: "Digital Music Corp.",
    0x000009: "New England Digital", 0x00000E: "Alesis Studio Electronics",
    0x000010: "DOD Electronics", 0x000014: "Studer-Editech", 0x000015: "Perfect Fretworks",
    0x000016: "KAT", 0x000018: "Opcode Systems", 0x00001B: "Peavey Electronics",
    0x00001C: "360 Systems", 0x00001F: "Zeta Systems", 0x000020: "Axxes (Brian Parsonett)",
    0x000021: "Orban", 0x000024: "KTI", 0x000025: "Breakaway Technologies", 0x000026: "CAE",
    0x00002B: "Rocktron", 0x00002C: "PianoDisc", 0x00002D: "Cannon Research Group",
    0x00002F: "Rodgers Instrument", 0x000030: "Blue Sky Logic", 0x000031: "Encore Electronics",
    0x000032: "Uptown", 0x000033: "Voce", 0x000034: "CTI Audio",
    0x000035: "S3 Incorporated", 0x000036: "Broderbund / Red Orb", 0x000037: "Allen Organ",
    0x000039: "Music Quest", 0x00003A: "Aphex", 0x00003B: "Gallien Krueger",
    0x00003C: "IBM", 0x00003E: "Hotz Corporation", 0x00003F: "ETA Lighting",
    0x000040: "NSI Corporation", 0x000041: "Ad Lib", 0x000042: "Richmond Sound Design",
    0x000043: "Microsoft", 0x000045: "Kenton Electronics", 0x00004F: "Line 6",
    0x000066: "Mackie", 0x000073: "Sweetwater", 0x000074: "Line 6 (Fast Forward)",
    0x00007B: "Numark", 0x00010E: "Ableton? (unverified)", 0x002011: "Forefront Technology",
    0x002013: "Kenton Electronics", 0x00201A: "Fatar", 0x00201F: "TC Electronic",
    0x002029: "Novation (Focusrite)", 0x002032: "Behringer", 0x002033: "Access Music",
    0x00203A: "Propellerhead Software", 0x00203C: "Elektron", 0x002040: "Hohner Midia? (unverified)",
    0x00204D: "Vermona", 0x00204F: "Arturia? (unverified)", 0x002052: "Analogue Systems",
    0x00205F: "Sequentix", 0x002069: "Elby Designs", 0x00206B: "Arturia",
    0x002076: "Teenage Engineering", 0x002102: "Mutable Instruments", 0x002109: "Native Instruments",
    0x002110: "ROLI", 0x00211A: "IK Multimedia", 0x002127: "Expert Sleepers",
    0x002135: "Dreadbox", 0x002141: "Marienberg Devices", 0x00214D: "Sonicware",
    0x004000: "Crimson Technology", 0x004001: "Softbank Mobile", 0x004003: "D&M Holdings",
    0x004007: "Xing", 0x00400D: "Yamaha (extended)",
}

# Entries we are unsure of are marked in their name; drop the guesses from display.
THREE_BYTE = {k: v for k, v in THREE_BYTE.items() if "unverified" not in v}


def manufacturer_id(data: bytes) -> bytes | None:
    """The manufacturer ID bytes of a SysEx message (``data`` starts with F0), or None."""
    if len(data) < 2 or data[0] != 0xF0:
        return None
    if data[1] == 0x00:
        return bytes(data[1:4]) if len(data) >= 4 else None
    return bytes(data[1:2])


def manufacturer_name(data: bytes) -> str | None:
    mid = manufacturer_id(data)
    if mid is None:
        return None
    if len(mid) == 1:
        name = ONE_BYTE.get(mid[0])
        return name if name is not None else f"unknown (ID {mid[0]:02X})"
    value = int.from_bytes(mid, "big")
    name = THREE_BYTE.get(value)
    return name if name is not None else f"unknown (ID {mid.hex(' ').upper()})"
