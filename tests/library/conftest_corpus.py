"""The shared corpus folder for the library tests (skips, saying why, when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_root() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real-dump corpus not found at {CORPUS} (it lives beside this repo in shared/)")
    return CORPUS
