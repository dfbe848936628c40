"""Numbers as users type them: decimal or 0x hex (also $hex and trailing h)."""

from __future__ import annotations


def parse_int(text: str | int) -> int:
    if isinstance(text, int):
        return text
    t = text.strip().lower().replace("_", "")
    try:
        if t.startswith(("0x", "-0x")):
            return int(t, 16)
        if t.startswith("$"):
            return int(t[1:], 16)
        if t.endswith("h") and len(t) > 1:
            return int(t[:-1], 16)
        return int(t, 10)
    except ValueError:
        raise ValueError(f"{text!r} is not a number (use decimal like 32 or hex like 0x20)") from None
