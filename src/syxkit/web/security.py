"""What a local web server must check before anything else runs (plain ASGI middleware, so it
covers every route, the page, static files, 404s and the OpenAPI document alike).

- Host: only the bound address (with its port) or localhost/127.0.0.1 with that port. A page
  on another site that rebinds its DNS name to 127.0.0.1 still sends its own name as Host.
- Token: random per start. ``Authorization: Bearer TOKEN`` (scripts) or an HttpOnly,
  SameSite=Strict cookie that opening ``/?token=TOKEN`` sets, followed by a redirect that takes
  the token out of the address bar (and so out of history and of any Referer). Anything else
  answers 401; the token is never echoed.
- Origin: a state-changing request (POST, PUT, PATCH, DELETE) carrying an Origin must come
  from this server's own origin; without an Origin it must carry the Bearer token (a script:
  browsers always send Origin on these methods, so a cookie-only request without one is not a
  page of ours).
- WebSockets (the page's Web MIDI, the CLI's relay): the same Host and token; an Origin, when
  sent (browsers always do), must be this server's own; without one, only the Bearer token.
- Headers on every answer: a Content-Security-Policy that allows only this origin's own files
  and no inline script, nosniff, no framing, no Referer.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# media-src: the page's <audio> plays sound previews from this server (/api/…/preview.wav)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def allowed_hosts(host: str, port: int) -> set[str]:
    names = {host_port(host, port), f"localhost:{port}"}
    if host in ("127.0.0.1", "localhost"):
        names.add(f"127.0.0.1:{port}")
    if host in ("::1", "[::1]"):
        names.add(f"[::1]:{port}")
    return {n.lower() for n in names}


class Guard:
    """Wraps the app: every HTTP request passes here first."""

    def __init__(self, app: ASGIApp, *, token: str, host: str, port: int):
        self.app = app
        self.token = token
        self.hosts = allowed_hosts(host, port)
        self.cookie = f"syxkit_token_{port}"  # per port: cookies are shared across ports

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "").strip().lower()
        if host not in self.hosts:
            await self._deny(send, 403, "this server answers only to its own address "
                                        f"({', '.join(sorted(self.hosts))}) as Host")
            return
        bearer = self._bearer(headers.get("authorization", ""))
        by_cookie = self._matches(self._cookie(headers.get("cookie", "")))
        if not (bearer or by_cookie):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                   keep_blank_values=True))
            if scope["method"] in ("GET", "HEAD") and self._matches(query.get("token")):
                await self._login(scope, send, query)
                return
            await self._deny(send, 401, "missing or wrong token: open the address that "
                                        "`syxkit web` printed, or send Authorization: Bearer TOKEN")
            return
        if scope["method"] in UNSAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None:
                if origin.lower() != f"http://{host}":
                    await self._deny(send, 403, "request from another origin refused")
                    return
            elif not bearer:
                await self._deny(send, 403, "a change needs an Origin header (browsers send "
                                            "one) or the Bearer token (scripts)")
                return
            if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                await self._deny(send, 403, "cross-site request refused")
                return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The page's Web MIDI socket and the CLI's relay: the same Host and token rules; a
        browser always sends Origin on a WebSocket, which must be this server's own (a page
        of another site could otherwise open one with our cookie); without an Origin only the
        Bearer token (a script) is let in. Refused before the handshake completes (HTTP 403)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "").strip().lower()
        bearer = self._bearer(headers.get("authorization", ""))
        by_cookie = self._matches(self._cookie(headers.get("cookie", "")))
        origin = headers.get("origin")
        ok = host in self.hosts and (bearer or by_cookie)
        if ok and origin is not None:
            ok = origin.lower() == f"http://{host}"
        elif ok:
            ok = bearer
        if not ok:
            message = await receive()  # websocket.connect
            if message.get("type") == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    def _matches(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())

    def _bearer(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        return scheme.lower() == "bearer" and self._matches(value.strip())

    def _cookie(self, header: str) -> str | None:
        try:
            jar = SimpleCookie(header)
        except Exception:  # a malformed Cookie header is no token
            return None
        morsel = jar.get(self.cookie)
        return None if morsel is None else morsel.value

    async def _login(self, scope: Scope, send: Send, query: dict[str, str]) -> None:
        """Set the cookie and send the browser to the same address without the token."""
        rest = {k: v for k, v in query.items() if k != "token"}
        location = scope.get("path", "/") + (f"?{urlencode(rest)}" if rest else "")
        cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1", "replace")),
            (b"set-cookie", cookie.encode()), (b"cache-control", b"no-store"),
            (b"content-length", b"0"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _deny(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})
