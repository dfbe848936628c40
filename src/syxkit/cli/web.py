"""``syxkit web``: the librarian in the browser (syxkit.web). FastAPI and uvicorn are imported
only when the command runs, so other commands start as fast as before."""

from __future__ import annotations

import click

from syxkit.cli.common import fail


@click.command("web")
@click.option("--library", "path", type=click.Path(dir_okay=False),
              help="Library file (default: $SYXKIT_LIBRARY, else one in your data folder).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines try.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port (0: a free one, printed).")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--max-file-mb", type=click.IntRange(min=1), default=64, show_default=True,
              help="Largest uploaded file read, in MB.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=512, show_default=True,
              help="Largest upload (all files of one drop), in MB.")
def web(path, host, port, no_browser, max_file_mb, max_upload_mb) -> None:
    """Serve the web librarian on this library. Prints one line, the address to open (it
    carries a token made for this start; the page and the API answer nothing without it)."""
    from syxkit.library import LibraryError, library_path

    if host not in ("127.0.0.1", "localhost"):
        click.echo(f"warning: listening on {host}: other machines that reach this address can "
                   "try to connect (the token still guards every request; it travels "
                   "unencrypted over plain HTTP)", err=True)
    try:
        from syxkit.web.server import serve

        serve(library_path(path), host=host, port=port, browser=not no_browser,
              max_file=max_file_mb * 1024 * 1024, max_request=max_upload_mb * 1024 * 1024)
    except LibraryError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


COMMANDS = [web]
