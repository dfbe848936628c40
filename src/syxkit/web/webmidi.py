"""The server's end of the browser backend (see syxkit.midi.browser_backend for the design):
the page's WebSocket, which offers its Web MIDI ports and passes whole messages both ways, and
the relay WebSocket through which another process (the CLI) uses those ports.

Both are behind the same guard as every route (web/security.py): the page authenticates with
its cookie and a same-origin ``Origin``, the CLI with the Bearer token."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from syxkit.midi.browser_backend import HUB, NO_PAGE, BrowserTransport, Hub
from syxkit.midi.ports import PortError
from syxkit.transfer.transport import TransportClosed


def _sender(ws: WebSocket) -> tuple[asyncio.Queue, asyncio.Task]:
    """One task writes to the socket, in order: messages queued from any thread."""
    queue: asyncio.Queue = asyncio.Queue()

    async def run() -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, bytes):
                await ws.send_bytes(item)
            else:
                await ws.send_text(item)

    return queue, asyncio.get_running_loop().create_task(run())


def register(app: FastAPI, hub: Hub = HUB) -> None:
    # The hub is this process's while the server runs, not from the moment an app is made: a
    # process that served once (``syxkit demo`` shows its page, then goes on) must look for
    # the page's ports through the running servers again afterwards.
    @app.on_event("startup")
    def _serving() -> None:
        hub.serving = True

    @app.on_event("shutdown")
    def _not_serving() -> None:
        hub.serving = False

    @app.get("/api/midi/browser")
    def browser_ports() -> dict[str, Any]:
        """The ports the open page offers through Web MIDI: {connected, inputs, outputs:
        [{id, name, direction, manufacturer}]} (the CLI's ``--backend browser`` asks here)."""
        return hub.listing()

    @app.websocket("/api/midi/browser")
    async def page_midi(ws: WebSocket) -> None:
        """The page's Web MIDI. Page -> server (JSON): {type: "ports", inputs, outputs},
        {type: "in", port, data: [bytes]}, {type: "sent" | "refused", seq, reason};
        server -> page: {type: "send", port, seq, data: [bytes]} (one whole message),
        {type: "ports-seen"} (after each "ports")."""
        await ws.accept()
        loop = asyncio.get_running_loop()
        queue, task = _sender(ws)

        def link(obj: dict[str, Any]) -> None:  # from a job's thread
            loop.call_soon_threadsafe(queue.put_nowait, json.dumps(obj))

        hub.attach(link)
        try:
            while True:
                message = await ws.receive_json()
                try:
                    kind = message.get("type")
                    if kind == "ports":
                        hub.set_ports(list(message.get("inputs") or []),
                                      list(message.get("outputs") or []))
                        # the page lists its ports again once the server has them
                        queue.put_nowait(json.dumps({"type": "ports-seen"}))
                    elif kind == "in":
                        hub.incoming(str(message["port"]), bytes(message["data"]))
                    elif kind in ("sent", "refused"):
                        hub.answered(message)
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # a malformed frame is dropped; the connection stays
        except (WebSocketDisconnect, ValueError, RuntimeError):
            pass
        finally:
            hub.detach(link)
            queue.put_nowait(None)
            task.cancel()

    @app.websocket("/api/midi/relay")
    async def relay(ws: WebSocket) -> None:
        """A page port for another process: binary frames in are bytes to write (answered
        {"written": N, "notes": [...]} once sent, paced), binary frames out are messages
        read; {"error": TEXT} ends it. Query: input, output (page port ids), rate."""
        await ws.accept()
        source = ws.query_params.get("input")
        sink = ws.query_params.get("output")
        try:
            rate = float(ws.query_params.get("rate") or 0) or None
        except ValueError:
            rate = None
        queue, task = _sender(ws)
        transport = None
        listening = False
        try:
            if not hub.connected():
                raise PortError(NO_PAGE)
            known = hub.listing()
            for pid, key in ((source, "inputs"), (sink, "outputs")):
                if pid is not None and pid not in {p["id"] for p in known[key]}:
                    raise PortError(f"the page no longer offers that {key[:-1]}")
            transport = BrowserTransport(hub, source=None, sink=sink, rate=rate,
                                         who="a syxkit command")
        except PortError as exc:
            queue.put_nowait(json.dumps({"error": str(exc).removeprefix("browser: ")}))
            queue.put_nowait(None)
            await task
            await ws.close()
            return
        if source is not None:
            hub.listen(source, queue.put_nowait)  # called in this loop by the page's socket
            listening = True
        queue.put_nowait(json.dumps({"ok": True}))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if not data:
                    continue
                seen = len(transport.notes)
                try:
                    await run_in_threadpool(transport.write, data)
                except TransportClosed as exc:
                    queue.put_nowait(json.dumps({"error": str(exc).removeprefix("browser: ")}))
                    continue
                queue.put_nowait(json.dumps({"written": len(data),
                                             "notes": transport.notes[seen:]}))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if listening:
                hub.unlisten(source, queue.put_nowait)
            transport.close()
            queue.put_nowait(None)
            task.cancel()
