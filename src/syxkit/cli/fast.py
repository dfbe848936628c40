"""The fast start: ``syxkit --version`` and ``syxkit info`` without importing click.

Importing click costs about 1.5 times what starting Python costs, and ``syxkit info FILE`` is
what people (and scripts walking a collection) run most. So :func:`run` takes the argument
lists it understands completely and answers them itself; anything else (help, an unknown or
misspelt option, no path, another command) returns ``None`` and goes to the click group,
which gives the usual usage errors. What the fast path accepts is a strict subset of what the
click command accepts, and it calls the same code (:func:`syxkit.cli.info_report.run`);
``tests/test_cli_fast.py`` runs both on the same arguments and compares the outputs.
"""

from __future__ import annotations

import sys

# the flags of ``syxkit info`` (see syxkit.cli.info), by the keyword info_report.run takes
INFO_FLAGS = {"--json": "as_json", "--names": "names", "--strict": "strict"}


def info_arguments(args: list[str]) -> tuple[dict[str, bool], list[str]] | None:
    """``(flags, paths)`` for the arguments of ``syxkit info``, or ``None`` when click must
    parse them. A path that starts with ``-`` (``-`` included) counts only after ``--``, as in
    click."""
    flags: dict[str, bool] = {}
    paths: list[str] = []
    only_paths = False
    for arg in args:
        if only_paths:
            paths.append(arg)
        elif arg == "--":
            only_paths = True
        elif arg.startswith("-"):
            if arg not in INFO_FLAGS:
                return None  # -h, --help, a typo: click says what is wrong
            flags[INFO_FLAGS[arg]] = True
        else:
            paths.append(arg)
    if not paths:
        return None  # click's "Missing argument 'PATHS...'" (exit 2)
    return flags, paths


def run(argv: list[str]) -> int | None:
    """The exit code of the command ``argv`` when answered here, else ``None``."""
    if argv == ["--version"]:
        from syxkit import __version__

        sys.stdout.write(f"syxkit, version {__version__}\n")  # as click's version_option
        return 0
    if not argv or argv[0] != "info":
        return None
    parsed = info_arguments(argv[1:])
    if parsed is None:
        return None
    flags, paths = parsed
    from syxkit.cli import info_report

    try:
        return info_report.run(paths, **flags)
    except BrokenPipeError:
        return broken_pipe()
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        sys.stderr.write(f"error: {str(exc).removeprefix('error: ')}\n")
        return code


def error_code(exc: Exception) -> int | None:
    """The exit code the click path (``common.guarded``) gives ``exc``, or ``None`` for a bug
    (which must show its traceback)."""
    from syxkit.core.fileio import OutputError
    from syxkit.devices.base import DeviceError, OptionError

    if isinstance(exc, OptionError):
        return 2
    if isinstance(exc, (OutputError, DeviceError)):
        return 1
    return None


def broken_pipe() -> int:
    """The reader went away (``syxkit info … | head``): stop quietly, as ``cat`` does."""
    import os

    # Python would complain again while flushing stdout at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by the pipe
