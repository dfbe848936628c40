import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from libtoy import ToyDevice  # noqa: E402

from syxkit.devices import registry  # noqa: E402
from syxkit.library import Library  # noqa: E402


@pytest.fixture
def toy():
    dev = registry.register(ToyDevice)
    yield dev
    registry.unregister(dev.id)


@pytest.fixture
def lib(tmp_path, toy):
    library = Library(tmp_path / "lib.sqlite")
    yield library
    library.close()
