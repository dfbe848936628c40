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


def serve(library: str | Path, *, host: str = "127.0.0.1", port: int = 0, browser: bool = True,
          max_file: int = DEFAULT_MAX_FILE, max_request: int = DEFAULT_MAX_REQUEST) -> None:
    import uvicorn

    from syxkit.library import Library
    from syxkit.web.app import create_app

    Library(library).close()  # a library that cannot open fails here, before any URL
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    app = create_app(library, token=token, host=host, port=real_port, max_file=max_file,
                     max_request=max_request)
    url = f"http://{host_port(host, real_port)}/?token={token}"
    sys.stdout.write(f"syxkit web: {url}\n")
    sys.stdout.flush()
    if browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            server_header=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
