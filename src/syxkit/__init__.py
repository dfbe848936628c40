"""syxkit: a SysEx librarian and toolkit for vintage synthesizers and drum machines."""

__version__ = "0.1.0"
