"""Where the shared real-dump corpus is, for tests in any folder (a module of its own, because
``from conftest import …`` is ambiguous when several test folders have a conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A file of the shared real-dump corpus, or a skip saying why it is missing."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real-dump corpus not found at {path} (it lives beside this repo in shared/)")
    return path
