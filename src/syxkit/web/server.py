"""Running the app: bind first (port 0 = a free one, known before the URL is printed), then
hand the listening socket to uvicorn. The access log is off: it would print the ``?token=``
address of the first request."""

from __future__ import annotations

import secrets
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from syxkit.web.security import host_port
from syxkit.web.uploads import DEFAULT_MAX_FILE, DEFAULT_MAX_REQUEST


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    sock.set_inheritable(True)
    return sock


def warm_up() -> None:
    """Load every driver and the tables the page asks for first, before the address is
    printed: else the page's first /api/devices loads them while its first rows wait (the
    import holds the interpreter for ~150 ms)."""
    from syxkit.devices import registry
    from syxkit.ops import banks, names

    registry.devices()
    banks.bank_formats()
    names.name_rules()


class Served:
    """The app bound to its socket, with the address to open, not yet answering."""

    def __init__(self, library: str | Path, *, host: str = "127.0.0.1", port: int = 0,
                 max_file: int = DEFAULT_MAX_FILE, max_request: int = DEFAULT_MAX_REQUEST):
        from syxkit.library import Library
        from syxkit.web.app import create_app

        Library(library).close()  # a library that cannot open fails here, before any URL
        warm_up()
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(32)
        self.app = create_app(library, token=self.token, host=host, port=self.port,
                              max_file=max_file, max_request=max_request)
        self.base = f"http://{host_port(host, self.port)}"
        self.url = f"{self.base}/?token={self.token}"
        self.server = None

    def run(self) -> None:
        """Answer until stopped (Ctrl-C, SIGTERM or :meth:`stop`)."""
        import uvicorn

        from syxkit.midi.browser_backend import remove_state, write_state

        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on",
                                server_header=False, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        # Where CLI commands find this server to use the page's Web MIDI ports (--backend
        # browser): address and token in a 0600 file of the user's runtime folder.
        state = write_state(self.base, self.token, self.port)
        try:
            self.server.run(sockets=[self.sock])
        finally:
            remove_state(state)

    def start(self) -> threading.Thread:
        """Answer from a thread (for the demo's one look at the page); :meth:`stop` ends it."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True


def serve(library: str | Path, *, host: str = "127.0.0.1", port: int = 0, browser: bool = True,
          max_file: int = DEFAULT_MAX_FILE, max_request: int = DEFAULT_MAX_REQUEST) -> None:
    served = Served(library, host=host, port=port, max_file=max_file, max_request=max_request)
    sys.stdout.write(f"syxkit web: {served.url}\n")
    sys.stdout.flush()
    if browser:
        threading.Thread(target=webbrowser.open, args=(served.url,), daemon=True).start()
    served.run()


def look_once(served: Served, timeout: float = 20.0) -> dict:
    """Open the page as a browser does (the token in the address, then its cookie) and ask
    the API for the first page of patches: proof that the librarian answers."""
    import http.cookiejar
    import json
    import time
    import urllib.request

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(served.url, timeout=timeout) as page:
                html = page.read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # uvicorn is still starting
    with opener.open(f"{served.base}/api/patches?limit=5", timeout=timeout) as answer:
        listing = json.load(answer)
    return {"page_bytes": len(html), "has_app": b"<syx-app>" in html,
            "patches": listing["total"], "first": [p["name"] for p in listing["items"]]}
