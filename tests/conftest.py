from __future__ import annotations

from pathlib import Path

import pytest
from corpus_files import CORPUS, REPO, corpus_path

__all__ = ["CORPUS", "REPO", "corpus_path"]


@pytest.fixture
def corpus() -> Path:
    return corpus_path()
