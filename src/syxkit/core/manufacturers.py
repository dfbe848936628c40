"""MIDI manufacturer IDs (1-byte, and 3-byte starting with 00), so an unknown message still says
whose it is.

IDs follow the MIDI Association's published "Manufacturer SysEx ID Numbers" list (Japanese IDs
40-5F are assigned by AMEI and appear in the same list). Names are shortened to the brand users
know. Only IDs checked against that list are here; an ID missing from the table is shown as
"unknown (ID ..)" rather than guessed. The 3-byte part is a selection of the makers a librarian
is likely to meet, not the full list.
"""

from __future__ import annotations

ONE_BYTE: dict[int, str] = {
    # American group (01-1F)
    0x01: "Sequential Circuits", 0x02: "IDP", 0x03: "Voyetra Turtle Beach (Octave-Plateau)",
    0x04: "Moog", 0x05: "Passport Designs", 0x06: "Lexicon", 0x07: "Kurzweil / Young Chang",
    0x08: "Fender", 0x09: "MIDI9", 0x0A: "AKG Acoustics", 0x0B: "Voyce Music",
    0x0C: "WaveFrame (Timeline)", 0x0D: "ADA Signal Processors", 0x0E: "Garfield Electronics",
    0x0F: "Ensoniq", 0x10: "Oberheim (Gibson Labs)", 0x11: "Apple", 0x12: "Grey Matter Response",
    0x13: "Digidesign", 0x14: "Palmtree Instruments", 0x15: "JLCooper Electronics",
    0x16: "Lowrey Organ", 0x17: "Adams-Smith", 0x18: "E-mu", 0x19: "Harmony Systems", 0x1A: "ART",
    0x1B: "Baldwin", 0x1C: "Eventide", 0x1D: "Inventronics", 0x1E: "Key Concepts", 0x1F: "Clarity",
    # European group (20-3F)
    0x20: "Passac", 0x21: "Proel Labs (SIEL)", 0x22: "Synthaxe (UK)", 0x23: "Stepp", 0x24: "Hohner",
    0x25: "Twister", 0x26: "Ketron", 0x27: "Jellinghaus MS", 0x28: "Southworth Music Systems",
    0x29: "PPG (Germany)", 0x2A: "JEN", 0x2B: "Solid State Logic Organ Systems",
    0x2C: "Audio Veritrieb-P. Struven", 0x2D: "Neve", 0x2E: "Soundtracs", 0x2F: "Elka",
    0x30: "Dynacord", 0x31: "Viscount International", 0x32: "Drawmer",
    0x33: "Clavia Digital Instruments", 0x34: "Audio Architecture", 0x35: "Generalmusic",
    0x36: "Cheetah Marketing", 0x37: "C.T.M.", 0x38: "Simmons UK", 0x39: "Soundcraft Electronics",
    0x3A: "Steinberg", 0x3B: "Wersi", 0x3C: "AVAB Niethammer", 0x3D: "Digigram",
    0x3E: "Waldorf Electronics", 0x3F: "Quasimidi",
    # Japanese group (40-5F, assigned by AMEI)
    0x40: "Kawai", 0x41: "Roland", 0x42: "Korg", 0x43: "Yamaha", 0x44: "Casio",
    0x46: "Kamiya Studio", 0x47: "Akai", 0x48: "Victor Company of Japan", 0x4B: "Fujitsu",
    0x4C: "Sony", 0x4E: "Teac", 0x50: "Matsushita Electric", 0x51: "Fostex", 0x52: "Zoom",
    0x54: "Matsushita Communication Industrial", 0x55: "Suzuki Musical Instruments",
    0x56: "Fuji Sound", 0x57: "Acoustic Technical Laboratory", 0x59: "Faith",
    0x5A: "Internet Corporation", 0x5C: "Seekers", 0x5F: "SD Card Association",
    # Special IDs of the MIDI 1.0 specification
    0x7D: "Non-commercial (education / development)", 0x7E: "Universal Non-Real-Time",
    0x7F: "Universal Real-Time",
}

THREE_BYTE: dict[int, str] = {
    # 00 00 xx: American group
    0x000001: "Time/Warner Interactive", 0x000007: "Digital Music Corp.",
    0x000009: "New England Digital", 0x00000E: "Alesis", 0x000010: "DOD Electronics",
    0x000011: "Studer-Editech", 0x000014: "Perfect Fretworks", 0x000015: "KAT",
    0x000016: "Opcode Systems", 0x000017: "Rane", 0x00001A: "Allen & Heath Brenell",
    0x00001B: "Peavey Electronics", 0x00001C: "360 Systems", 0x00001F: "Zeta Systems",
    0x000020: "Axxes (Brian Parsonett)", 0x000021: "Orban", 0x000024: "KTI",
    0x000025: "Breakaway Technologies", 0x000026: "Leprecon / CAE", 0x000029: "Rocktron",
    0x00002A: "PianoDisc", 0x00002B: "Cannon Research Group", 0x00002D: "Rodgers Instrument",
    0x00002E: "Blue Sky Logic", 0x00002F: "Encore Electronics", 0x000030: "Uptown",
    0x000031: "Voce", 0x000032: "CTI Audio", 0x000033: "S3 Incorporated",
    0x000034: "Broderbund / Red Orb", 0x000035: "Allen Organ", 0x000037: "Music Quest",
    0x000038: "Aphex", 0x000039: "Gallien Krueger", 0x00003A: "IBM",
    0x00003B: "Mark of the Unicorn", 0x00003C: "Hotz Corporation", 0x00003D: "ETA Lighting",
    0x00003E: "NSI Corporation", 0x00003F: "Ad Lib", 0x000040: "Richmond Sound Design",
    0x000041: "Microsoft", 0x000042: "Mindscape (Software Toolworks)",
    0x000047: "GT Electronics / Groove Tubes", 0x00004A: "Mesa Boogie",
    0x00004D: "Studio Electronics", 0x00004E: "Euphonix", 0x000050: "MIDI Solutions",
    0x000058: "Atari", 0x00005E: "Symetrix", 0x000065: "Turtle Beach Systems (Voyetra)",
    0x000066: "Loud Technologies / Mackie", 0x000069: "QRS Music", 0x00006A: "PG Music",
    0x000071: "Sabine", 0x000074: "Ta Horng Musical Instrument", 0x000076: "Electro-Voice",
    0x00007A: "Nvidia", 0x00007B: "ESS Technology", 0x00007E: "Otari",
    # 00 01 xx and 00 02 xx: American group, continued
    0x000100: "Shure", 0x000102: "Crystal Semiconductor", 0x000104: "Silicon Graphics",
    0x000105: "M-Audio (Midiman)", 0x000106: "PreSonus", 0x00010B: "Sonic Foundry",
    0x00010C: "Line 6 (Fast Forward)", 0x00011E: "dbx Professional (Harman)",
    0x000121: "Cakewalk", 0x000122: "Analog Devices", 0x000126: "Antares Systems",
    0x000137: "Roger Linn Design", 0x000138: "TC-Helicon", 0x000139: "Event Electronics",
    0x00013C: "Apogee Digital", 0x00013F: "Numark", 0x000145: "Aviom",
    0x00014F: "Samson Technologies", 0x000150: "Electronic Theatre Controls",
    0x000154: "Lynx Studio Technology", 0x000160: "Stanton (Gibson Brands)",
    0x000161: "Livid Instruments", 0x000173: "iConnectivity", 0x000174: "Fractal Audio",
    0x000177: "Nektar Technology", 0x000203: "Artiphon", 0x000204: "Synclavier Digital",
    0x00020B: "Denon DJ", 0x00020D: "Google", 0x000214: "Intellijel Designs",
    0x000218: "Universal Audio",
    # 00 20 xx and 00 21 xx: European group
    0x002000: "Dream SAS", 0x002004: "Böhm electronic", 0x00200B: "Bontempi (Sigma)",
    0x002011: "Forefront Technology", 0x002013: "Kenton Electronics",
    0x002016: "Marshall Products", 0x002018: "BSS Audio", 0x002019: "MA Lighting Technology",
    0x00201A: "Fatar", 0x00201B: "QSC Audio Products", 0x00201E: "Pinnacle Audio (Klark Teknik)",
    0x00201F: "TC Electronic", 0x002020: "Doepfer Musikelektronik",
    0x002021: "Creative ATC / E-mu", 0x002023: "LG Electronics (Goldstar)",
    0x002029: "Novation (Focusrite)", 0x00202B: "Medeli Electronics", 0x002031: "Emagic",
    0x002032: "Behringer", 0x002033: "Access Music", 0x002036: "TerraTec Electronic",
    0x002037: "Proel", 0x00203A: "Propellerhead Software", 0x00203B: "Red Sound Systems",
    0x00203C: "Elektron", 0x00203E: "MAM (Music and More)",
    0x002041: "Mode Machines (Touched By Sound)", 0x00204D: "Vermona", 0x00204E: "Nokia",
    0x002052: "Analogue Systems", 0x00205F: "Sequentix", 0x002063: "Central Music (CME)",
    0x002064: "genoQs Machines", 0x002066: "Waves Audio", 0x002069: "Elby Designs",
    0x00206B: "Arturia", 0x00206F: "SM Pro Audio", 0x002070: "OTO Machines",
    0x002072: "Blackstar Amplification", 0x002076: "Teenage Engineering",
    0x002077: "Tobias Erichsen Consulting", 0x00207F: "Serato",
    0x002102: "Mutable Instruments", 0x002105: "Fairlight Instruments",
    0x002107: "Modal Electronics", 0x002109: "Native Instruments", 0x00210B: "MFB",
    0x002110: "ROLI", 0x002115: "Marshall Amplification", 0x002117: "Rob Papen",
    0x00211A: "IK Multimedia", 0x00211D: "Ableton", 0x002127: "Expert Sleepers",
    0x00212C: "Fred's Lab", 0x00212F: "Motas Electronics",
    # 00 40 xx: Japanese group
    0x004000: "Crimson Technology", 0x004001: "SoftBank Mobile", 0x004003: "D&M Holdings",
}


def manufacturer_id(data: bytes) -> bytes | None:
    """The manufacturer ID bytes of a SysEx message (``data`` starts with F0), or None when the
    message is too short to hold one (or holds a status byte where the ID should be)."""
    if len(data) < 2 or data[0] != 0xF0:
        return None
    mid = bytes(data[1:4]) if data[1] == 0x00 else bytes(data[1:2])
    if len(mid) < (3 if data[1] == 0x00 else 1) or any(b >= 0x80 for b in mid):
        return None
    return mid


def manufacturer_name(data: bytes) -> str | None:
    """Whose message this is: the maker's name, "unknown (ID ..)" for an ID not in the table,
    None when the message has no ID at all."""
    mid = manufacturer_id(data)
    if mid is None:
        return None
    if len(mid) == 1:
        name = ONE_BYTE.get(mid[0])
    else:
        name = THREE_BYTE.get(int.from_bytes(mid, "big"))
    return name if name is not None else f"unknown (ID {mid.hex(' ').upper()})"
