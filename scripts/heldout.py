"""The held-out rule of jobfit's evaluation sets, shared by build-onet-catalog.py and build-eval-sets.py.

A text is held out (evaluation only) when the FNV-1a 64-bit hash of the UTF-8 bytes of its key is divisible by
HOLD_OUT; see docs/DATA.md. Standard library only.
"""

from __future__ import annotations

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1
HOLD_OUT = 5


def fnv1a64(text: str) -> int:
    """FNV-1a, 64 bits, of the UTF-8 bytes of `text`."""
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h


# The published FNV-1a 64 test vectors.
assert fnv1a64("") == 0xCBF29CE484222325
assert fnv1a64("a") == 0xAF63DC4C8601EC8C
assert fnv1a64("foobar") == 0x85944171F73967E8


def title_key(title: str) -> str:
    """The held-out key of a title: lower-cased, runs of white space made one space, surrounding space removed.

    For every O*NET alternate title this is the title trimmed and lower-cased (none has a run of spaces inside)."""
    return " ".join(title.split()).lower()


def held_out_title(title: str) -> bool:
    """Whether an O*NET alternate title belongs to the evaluation part."""
    return fnv1a64(title_key(title)) % HOLD_OUT == 0
