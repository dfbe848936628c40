"""The web librarian's ASGI app: the JSON API over a Library, and the page in ``static/``.

Endpoints are plain functions run in the server's thread pool; each thread keeps its own
connection to the library file (SQLite connections are per thread; WAL lets them read while
another writes, and writes take turns through BEGIN IMMEDIATE, as two CLI processes do)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from syxkit import __version__
from syxkit.devices import registry
from syxkit.devices.base import DeviceError
from syxkit.library import (
    Library,
    LibraryError,
    add_to_bank,
    bank_patches,
    create_bank,
    decoded,
    delete_bank,
    get_bank,
    list_banks,
    move_in_bank,
    remove_from_bank,
    same_name_different_sounds,
    same_sound_different_names,
)
from syxkit.library import Query as LibQuery
from syxkit.library.messages import patch_dumps
from syxkit.library.naming import safe_file_name
from syxkit.library.query import list_page
from syxkit.library.store import UsageError
from syxkit.library.vocabulary import fits_list
from syxkit.ops import banks as bank_ops
from syxkit.ops import jobs as job_ops
from syxkit.ops import previews
from syxkit.ops.names import check_name, name_rules
from syxkit.web import editor, uploads, webmidi
from syxkit.web.security import Guard

STATIC = Path(__file__).parent / "static"

# -- request bodies ------------------------------------------------------------------------------
class PatchEdit(BaseModel):
    name: str | None = Field(None, description="New name, checked by the device's rules")
    notes: str | None = None
    favourite: bool | None = None
    tags: list[str] | None = Field(None, description="The patch's whole tag list")


class Bulk(BaseModel):
    ids: list[int]
    action: Literal["tag", "untag", "favourite", "unfavourite", "remove", "restore"]
    tags: list[str] = Field(default_factory=list, description="For tag / untag")
    force: bool = Field(False, description="remove: also take the patches out of user banks")


class ExportBody(BaseModel):
    ids: list[int]
    format: Literal["syx", "zip"] = "syx"


class BankCreate(BaseModel):
    name: str
    device: str
    model: str | None = None
    ids: list[int] = Field(default_factory=list, description="Initial patches, in order "
                           "(e.g. an imported file's patches: 'open as bank')")


class SlotPut(BaseModel):
    id: int


class SlotsAdd(BaseModel):
    ids: list[int]
    at: int | None = Field(None, description="Insert before this slot (1-based); default: end")


class Move(BaseModel):
    source: int = Field(alias="from")
    target: int = Field(alias="to")


class Swap(BaseModel):
    a: int
    b: int


class SlotsRemove(BaseModel):
    positions: list[int]


class Fill(BaseModel):
    from_bank: str | None = Field(None, description="Take the same slots of this bank")
    patch: int | None = Field(None, description="Fill with this patch (a blank)")
    blank: bool = Field(False, description="Fill with the driver's own init/example patch")
    upto: int | None = Field(None, description="Last slot to fill (default: the format's count)")


class JobBody(BaseModel):
    command: Literal["backup", "request", "send", "receive"]
    port: str = Field(description="A port as GET /api/ports lists it (name, part of it, number)")
    device: str | None = Field(None, description="Device id (receive: optional, who answers)")
    model: str | None = None
    backend: str = Field("auto", description="A backend of GET /api/ports, or auto")
    options: dict[str, Any] = Field(default_factory=dict, description="As the CLI's flags: "
                                    "form, channel, timeout, device_number, verify, rate, "
                                    "settings {KEY: VALUE}, program (send), quiet and wait "
                                    "(receive), in_port, out_port")
    what: str | None = Field(None, description="request: what to fetch (Device.request_names)")
    patch_ids: list[int] = Field(default_factory=list, description="send: these patches")
    bank: str | None = Field(None, description="send: this library bank, in the device's format")


def _error(exc: Exception) -> HTTPException:
    text = str(exc)
    status = 404 if text.startswith(("no patch with id", "no bank named")) else 422
    return HTTPException(status, text)


def create_app(library_path: str | Path, *, token: str, host: str, port: int,
               max_file: int = uploads.DEFAULT_MAX_FILE,
               max_request: int = uploads.DEFAULT_MAX_REQUEST) -> Any:
    """The app wrapped in its security guard (see security.py)."""
    local = threading.local()
    opened: list[Library] = []
    lock = threading.Lock()

    # Previews render on threads of their own (not the pool that answers the list), at most
    # two at once on this kind of machine; a cache hit never waits for a render.
    renderer = previews.Renderer(workers=max(1, min(2, os.cpu_count() or 1)))

    writes = [0]  # changes made through this app (a connection does not see its own in
    # data_version, the other connections' commits it does)

    def noted(library: Library) -> dict[int, str]:
        """id -> notes (case folded) of the patches that have notes, cached per thread until
        the library changes: search-as-you-type looks in notes without reading every row."""
        key = (library.conn.execute("PRAGMA data_version").fetchone()[0], writes[0])
        cached = getattr(local, "notes", None)
        if cached is None or cached[0] != key:
            cached = local.notes = (key, {i: n.casefold() for i, n in library.conn.execute(
                "SELECT id, notes FROM patches WHERE notes <> ''")})
        return cached[1]

    def lib() -> Library:
        library = getattr(local, "library", None)
        if library is None:
            library = local.library = Library(library_path)
            with lock:
                opened.append(library)
        return library

    app = FastAPI(title="syxkit web librarian", version=__version__,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  description="The JSON API the syxkit page uses; scripts send "
                              "`Authorization: Bearer TOKEN` (the token `syxkit web` printed).")

    @app.exception_handler(LibraryError)
    async def library_error(request: Request, exc: LibraryError) -> JSONResponse:
        e = _error(exc)
        return JSONResponse({"detail": e.detail}, status_code=e.status_code)

    @app.exception_handler(DeviceError)
    async def device_error(request: Request, exc: DeviceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.middleware("http")
    async def no_store(request: Request, call_next):
        response = await call_next(request)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            writes[0] += 1
        if request.url.path.startswith("/api/"):
            response.headers["cache-control"] = "no-store"
        return response

    def import_job_files(paths: list[Path], tags: list[str]) -> list[int]:
        """A finished job's files into the library (as a dropped file is), tagged."""
        from syxkit.ops.imports import import_file

        library = lib()
        ids: list[int] = []
        for path in paths:
            got = import_file(library, path, path.name, str(path), path.stat().st_size)
            ids += [p["id"] for p in got["patches"] if p["id"] not in ids]
        if ids:
            library.tag(ids, tags)
            writes[0] += 1
        return ids

    def send_data(spec: job_ops.JobSpec, dev: Any) -> bytes:
        """What a send job sends: the patches' own messages, or the bank in the device's
        format (the bytes the page's bank download gives), the device's messages only."""
        from syxkit.inspect import entries, load_bytes

        library = lib()
        if spec.bank:
            bank = get_bank(library, spec.bank)
            built = bank_ops.build_bank(library, bank, options={"model": spec.model}
                                        if spec.model else {})
            data = b"".join(d for _, d in built.files)
        else:
            data, _ = bank_ops.export_bytes(library, spec.patch_ids, "syx")
        mine = [e.message.data for src in load_bytes(data, "send") for e in entries(src)
                if e.dump is not None and e.dump.device == dev.id]
        if not mine:
            raise DeviceError(f"nothing to send to {dev.id}: the patches are of other devices")
        return b"".join(mine)

    live = job_ops.Jobs(library_path, import_job_files, send_data)

    @app.on_event("shutdown")
    def close() -> None:
        live.close()
        renderer.close()
        for library in opened:
            try:
                library.close()
            except Exception:
                pass

    # -- patches -------------------------------------------------------------------------------
    @app.get("/api/patches")
    def list_patches(q: str = "", device: str | None = None, kind: str | None = None,
                     model: str | None = None, tag: list[str] = Query(default=[]),  # noqa: B008
                     favourite: bool | None = None, trash: bool = False, sort: str = "id",
                     limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0)):
        """A page of patches: {total, total_is_estimate, offset, limit, items: [{id, name,
        device, model, kind, tags, favourite, seen}]}. A search stops counting at 10,000
        matches (more could be slow to count as you type): then ``total_is_estimate`` is
        true and ``total`` is how far it counted. ``q``: every word must start a word of the name, or start
        a tag, or occur in the notes. ``sort``: id, name, device, model, kind, favourite,
        seen; ``-`` before it for descending. ``trash=true`` lists the trash instead."""
        library = lib()
        # Canonical device and kind ids are lower case; the library compares them exactly
        # (an index seek), so a script's "Casio-VZ" is spelled as stored here.
        query = LibQuery(device=(device or "").lower() or None, model=model or None,
                         kind=(kind or "").lower() or None, tags=tuple(tag),
                         favourite=favourite, trash=trash)
        notes = noted(library) if q.strip() else {}

        def note_ids(word: str) -> list[int]:
            folded = word.casefold()
            return [i for i, text in notes.items() if folded in text]

        try:
            page = list_page(library, query, words=_words(q), note_ids=note_ids, sort=sort,
                             limit=limit, offset=offset)
        except UsageError as exc:
            raise HTTPException(422, str(exc)) from None
        rows = page.rows
        # models: every model that can load the patch (its model family), as --model matches
        items = [{"id": r[0], "name": r[1], "device": r[2], "model": r[3],
                  "models": list(fits_list(r[6])) or ([r[3]] if r[3] else []), "kind": r[4],
                  "tags": [], "favourite": bool(r[5]), "seen": 0,
                  "renderable": previews.renderable(r[2], r[4])} for r in rows]
        _decorate(library, items)
        return {"total": page.total, "total_is_estimate": page.total_is_estimate,
                "offset": offset, "limit": limit, "items": items}

    @app.get("/api/patches/{patch_id}")
    def show_patch(patch_id: int):
        """Everything about a patch: name, device, model, kind, tags, notes, favourite,
        sources (every place it was seen), problems, decoded (panel values) or decode_error,
        name_rule."""
        library = lib()
        patch = library.get(patch_id)
        out = patch.to_json()
        out["seen"] = len({s.path for s in patch.sources})
        problems: list[str] = []
        stored = None
        try:
            dumps = patch_dumps(library, patch)
            stored = any(d.name is not None for d in dumps)
            for d in dumps:
                problems += [str(p) for p in d.problems]
        except LibraryError as exc:
            problems.append(str(exc))
        out["problems"] = problems
        try:
            out["decoded"], out["decode_error"] = decoded(library, patch), None
        except (LibraryError, DeviceError) as exc:
            out["decoded"], out["decode_error"] = None, str(exc)
        from syxkit.ops.names import rule_for

        rule = rule_for(patch.device, patch.kind, patch.model, stored)
        out["name_rule"] = None if rule is None else rule.to_json()
        # where the page shows a play button: one per pad for an RZ-1 sample dump
        out["renderable"] = previews.renderable(patch.device, patch.kind)
        out["pads"] = previews.pad_count(patch.device, patch.kind)
        out["editable"] = editor.editable(patch)  # the page's Edit button
        return out

    @app.get("/api/patches/{patch_id}/syx")
    def patch_syx(patch_id: int):
        """The patch's own message (with a user-given name written in), as ``lib export``."""
        library = lib()
        patch = library.get(patch_id)
        data, _ = bank_ops.export_bytes(library, [patch_id], "syx")
        return _download(data, f"{safe_file_name(patch.name)}.syx", "application/octet-stream")

    @app.get("/api/patches/{patch_id}/preview.wav", response_class=Response,
             responses={200: {"content": {"audio/wav": {}}}})
    async def patch_preview(patch_id: int,
                            note: int = Query(60, ge=0, le=127, description="MIDI note"),
                            velocity: int = Query(100, ge=1, le=127),
                            seconds: float = Query(2.5, ge=0, le=60, description="Key held"),
                            release: float = Query(1.0, ge=0, le=60, description="After release"),
                            rate: int = Query(44_100, ge=8000, le=192_000),
                            pad: int | None = Query(None, ge=1, description="RZ-1 pad (default 1)")):
        """The patch's sound as a 16-bit mono WAV (``syxkit lib preview``): rendered on
        demand in the background, once per sound and settings, then served from the cache
        beside the library. 404: no such patch; 422 with the reason: it cannot be rendered
        (``renderable`` on the list says which can); 503: too many renders waiting. The
        ``x-syxkit-preview`` header says ``cache``, ``render`` or ``shared`` (joined a render
        another request started)."""
        import asyncio

        from starlette.concurrency import run_in_threadpool

        settings = previews.Settings(note, velocity, seconds, release, rate, pad)

        def start():
            job = previews.plan(lib(), patch_id, settings)
            return job, *renderer.request(job)

        try:
            job, future, how = await run_in_threadpool(start)
        except previews.PreviewBusy as exc:
            raise HTTPException(503, str(exc), headers={"retry-after": "1"}) from None
        # shield: a client that goes away must not cancel a render others wait for
        data = await asyncio.shield(asyncio.wrap_future(future))
        name = safe_file_name(f"{job.name} {job.label}" if job.label.startswith("pad")
                              else job.name, "preview")
        return Response(data, media_type="audio/wav", headers={
            "x-syxkit-preview": how,
            "content-disposition": f"inline; filename=\"{_ascii(name)}.wav\""})

    @app.get("/api/previews")
    def preview_stats():
        """What the preview renderer did since the server started: {rendered, cached,
        shared, failed, busy, pending, workers, max_pending, engine, folder}."""
        return dict(renderer.stats(), folder=str(previews.cache_folder(lib().path)))

    @app.patch("/api/patches/{patch_id}")
    def edit_patch(patch_id: int, body: PatchEdit):
        """Change name (the device's rules: refused with the reason, 422), notes, favourite,
        tags (the whole list). Answers the patch as ``GET`` does, plus ``name_note``."""
        library = lib()
        patch = library.get(patch_id)
        note = None
        if body.name is not None and body.name.strip() != patch.name:
            checked = check_name(library, patch, body.name)
            library.rename(patch_id, checked.name)
            note = checked.note or None
        if body.notes is not None:
            library.set_notes(patch_id, body.notes)
        if body.favourite is not None:
            library.set_favourite([patch_id], body.favourite)
        if body.tags is not None:
            wanted = [t.strip() for t in body.tags if t.strip()]
            have = library.get(patch_id).tags
            gone = [t for t in have if t.casefold() not in {w.casefold() for w in wanted}]
            if wanted or gone:
                library.tag([patch_id], wanted, gone)
        out = show_patch(patch_id)
        out["name_note"] = note
        return out

    @app.post("/api/patches/bulk")
    def bulk(body: Bulk):
        """tag / untag (``tags``), favourite / unfavourite, remove (to the trash, as ``lib
        rm``; ``force``: also out of banks), restore (out of the trash). Answers {action, ids}."""
        library = lib()
        if body.action in ("tag", "untag"):
            if not any(t.strip() for t in body.tags):
                raise HTTPException(422, "say which tags (tags: [...])")
            ids = library.tag(body.ids, body.tags if body.action == "tag" else (),
                              body.tags if body.action == "untag" else ())
        elif body.action in ("favourite", "unfavourite"):
            ids = library.set_favourite(body.ids, body.action == "favourite")
        elif body.action == "restore":
            ids = library.restore(body.ids)
        else:  # to the trash, as `syxkit lib rm`
            ids = library.remove(body.ids, force=body.force)
        return {"action": body.action, "ids": list(ids)}

    @app.post("/api/export")
    def export(body: ExportBody):
        """The patches as one .syx or a .zip of one .syx per patch (``lib export`` bytes)."""
        data, _ = bank_ops.export_bytes(lib(), body.ids, body.format)
        return _download(data, f"patches.{body.format}",
                         "application/zip" if body.format == "zip" else "application/octet-stream")

    # -- import --------------------------------------------------------------------------------
    @app.post("/api/import")
    async def import_files(request: Request):
        """multipart/form-data, field ``files`` (any number; zips too). Answers {files: [{name,
        stored_as, size, status, error, problems, notes, objects, new, in_library, patches:
        [{id, name, name_in_file, device, kind, model, status: new|in-library|repeat, member,
        offset, part, slot}], bank: {device, model, ids} | null}]}."""
        from python_multipart.multipart import MultipartParser, parse_options_header
        from starlette.concurrency import run_in_threadpool

        ctype, params = parse_options_header(request.headers.get("content-type", ""))
        if ctype != b"multipart/form-data" or b"boundary" not in params:
            raise HTTPException(415, "send multipart/form-data with the files in field 'files'")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_request:
            raise HTTPException(413, f"the upload is {int(declared):,} bytes; the limit per "
                                     f"request is {max_request:,}")
        folder = uploads.temp_folder()
        sink = uploads.MultipartSink(folder, max_file, max_request)
        try:
            parser = MultipartParser(params[b"boundary"], sink.callbacks())
            try:
                async for chunk in request.stream():
                    parser.write(chunk)
                parser.finalize()
            except uploads.UploadTooLarge as exc:
                raise HTTPException(413, str(exc)) from None
            except Exception as exc:  # a malformed body is the client's error
                if isinstance(exc, HTTPException):
                    raise
                raise HTTPException(400, f"malformed multipart body: {exc}") from None
            finally:
                sink.close()
            if not sink.uploads:
                raise HTTPException(422, "no file in field 'files'")

            def run() -> list[dict[str, Any]]:
                return [uploads.import_upload(lib(), up) for up in sink.uploads]

            return {"files": await run_in_threadpool(run)}
        finally:
            uploads.remove_folder(folder)

    # -- banks ---------------------------------------------------------------------------------
    def bank_json(library: Library, bank) -> dict[str, Any]:
        patches = bank_patches(library, bank)
        out = bank.to_json(patches)
        out["capacity"] = bank_ops.slot_capacity(bank.device, bank.model)
        return out

    @app.get("/api/banks")
    def banks():
        """[{id, name, device, model, size, capacity}]"""
        return [dict(b.to_json(), capacity=bank_ops.slot_capacity(b.device, b.model))
                for b in list_banks(lib())]

    @app.post("/api/banks", status_code=201)
    def new_bank(body: BankCreate):
        """Create a bank (optionally with patches). Answers the bank as ``GET``."""
        library = lib()
        bank = create_bank(library, body.name, body.device, body.model)
        if body.ids:
            try:
                bank = add_to_bank(library, bank, body.ids)
            except LibraryError:
                delete_bank(library, bank)
                raise
        return bank_json(library, bank)

    @app.get("/api/banks/{name}")
    def show_bank(name: str):
        """{id, name, device, model, size, capacity, slots: [{position, id, name, kind,
        model}]}; slots after ``size`` up to ``capacity`` are empty."""
        library = lib()
        return bank_json(library, get_bank(library, name))

    @app.delete("/api/banks/{name}")
    def remove_bank(name: str):
        library = lib()
        bank = get_bank(library, name)
        delete_bank(library, bank)
        return {"deleted": bank.name}

    @app.put("/api/banks/{name}/slots/{position}")
    def put_slot(name: str, position: int, body: SlotPut):
        """Put a patch in a slot (replacing it; size+1 appends)."""
        library = lib()
        return bank_json(library, bank_ops.set_slot(library, get_bank(library, name),
                                                    position, body.id))

    @app.post("/api/banks/{name}/slots")
    def add_slots(name: str, body: SlotsAdd):
        """Insert patches before slot ``at`` (default: at the end)."""
        library = lib()
        return bank_json(library, add_to_bank(library, get_bank(library, name), body.ids,
                                               body.at))

    @app.delete("/api/banks/{name}/slots/{position}")
    def delete_slot(name: str, position: int):
        """Take the patch out of this slot (later slots move up)."""
        library = lib()
        return bank_json(library, remove_from_bank(library, get_bank(library, name), [position]))

    @app.post("/api/banks/{name}/remove")
    def remove_slots(name: str, body: SlotsRemove):
        library = lib()
        return bank_json(library, remove_from_bank(library, get_bank(library, name),
                                                   body.positions))

    @app.post("/api/banks/{name}/move")
    def move(name: str, body: Move):
        """{"from": N, "to": M}: the patch at N moves to M (the others shift)."""
        library = lib()
        return bank_json(library, move_in_bank(library, get_bank(library, name), body.source,
                                               body.target))

    @app.post("/api/banks/{name}/swap")
    def swap(name: str, body: Swap):
        library = lib()
        return bank_json(library, bank_ops.swap_slots(library, get_bank(library, name),
                                                      body.a, body.b))

    @app.post("/api/banks/{name}/fill")
    def fill(name: str, body: Fill):
        """Fill the empty slots (after the last one) from another bank's same slots, or with
        a patch, or with the driver's blank (``blank: true``)."""
        library = lib()
        bank = get_bank(library, name)
        patch_id = body.patch
        if body.blank:
            patch_id = bank_ops.blank_patch(library, bank.device)
        other = get_bank(library, body.from_bank) if body.from_bank else None
        return bank_json(library, bank_ops.fill(library, bank, from_bank=other,
                                                patch_id=patch_id, upto=body.upto))

    def _export_options(model, program, bank_number, channel, store_to_bank, bank_size,
                        as_edit_buffer) -> dict[str, Any]:
        values = {"model": model, "program": program, "bank": bank_number, "channel": channel,
                  "store_to_bank": store_to_bank, "bank_size": bank_size,
                  "as_edit_buffer": as_edit_buffer}
        return {k: v for k, v in values.items() if v is not None and v is not False}

    export_params = {
        "model": Query(None, description="Model whose format to write (default: the bank's)"),
        "program": Query(None, description="First program (as --program)"),
        "bank_number": Query(None, alias="bank", description="Device bank (as --bank)"),
        "channel": Query(None, ge=1, le=16),
        "store_to_bank": Query(False), "bank_size": Query(None),
        "as_edit_buffer": Query(False),
        "pad_with": Query(None, description="Patch id for the slots the bank does not fill"),
    }

    @app.get("/api/banks/{name}/check")
    def check(name: str, model: str | None = export_params["model"],
              program: int | None = export_params["program"],
              bank_number: int | None = export_params["bank_number"],
              channel: int | None = export_params["channel"],
              store_to_bank: bool = export_params["store_to_bank"],
              bank_size: int | None = export_params["bank_size"],
              as_edit_buffer: bool = export_params["as_edit_buffer"],
              pad_with: int | None = export_params["pad_with"]):
        """{ok, reason, size, slots, empty, files: [{name, bytes}], notes}: built for real."""
        library = lib()
        return bank_ops.check_bank(library, get_bank(library, name), options=_export_options(
            model, program, bank_number, channel, store_to_bank, bank_size, as_edit_buffer),
            pad_with=pad_with)

    @app.get("/api/banks/{name}/syx")
    def bank_syx(name: str, model: str | None = export_params["model"],
                 program: int | None = export_params["program"],
                 bank_number: int | None = export_params["bank_number"],
                 channel: int | None = export_params["channel"],
                 store_to_bank: bool = export_params["store_to_bank"],
                 bank_size: int | None = export_params["bank_size"],
                 as_edit_buffer: bool = export_params["as_edit_buffer"],
                 pad_with: int | None = export_params["pad_with"]):
        """The bank in the device's format: the bytes of ``syxkit lib bank export NAME -o
        NAME.syx`` with the same options. When the format makes several files (a CZ-5000's
        banks A-D), a zip of them, named as the CLI names them. 422 with the reason when it
        cannot be built."""
        library = lib()
        bank = get_bank(library, name)
        built = bank_ops.build_bank(library, bank, options=_export_options(
            model, program, bank_number, channel, store_to_bank, bank_size, as_edit_buffer),
            pad_with=pad_with)
        if len(built.files) == 1:
            file_name, data = built.files[0]
            return _download(data, file_name, "application/octet-stream")
        return _download(bank_ops.zip_files(built.files), f"{safe_file_name(bank.name, 'bank')}.zip",
                         "application/zip")

    @app.get("/api/banks/{name}/zip")
    def bank_zip(name: str):
        """The bank's patches as a zip of one .syx per patch (``lib export`` to a .zip)."""
        library = lib()
        bank = get_bank(library, name)
        if not bank.patch_ids:
            raise HTTPException(422, f"bank {bank.name!r} is empty")
        data, _ = bank_ops.export_bytes(library, bank.patch_ids, "zip")
        return _download(data, f"{safe_file_name(bank.name, 'bank')}.zip", "application/zip")

    # -- live MIDI jobs ---------------------------------------------------------------------------
    @app.get("/api/ports")
    def midi_ports():
        """Every backend (as ``syxkit ports --json``): [{backend, title, available, reason,
        can_split_sysex (SysEx in pieces, else whole messages only), virtual_ports, inputs,
        outputs: [{backend, index, name, direction, detail}]}]."""
        from syxkit.midi import probe_all

        return [r.to_json() for r in probe_all()]

    @app.get("/api/live/devices")
    def live_devices():
        """The devices that can be talked to: [{id, title, models, backup, request, send,
        request_names: [[pattern, meaning]]}]."""
        from syxkit.devices.base import Device

        out = []
        for d in registry.devices():
            cls = type(d)
            out.append({"id": d.id, "title": d.title, "models": list(d.models),
                        "backup": cls.backup_protocol is not Device.backup_protocol,
                        "request": cls.request_protocol is not Device.request_protocol,
                        "send": cls.send_protocol is not Device.send_protocol,
                        "request_names": [[str(p), str(m)] for p, m in d.request_names]})
        return out

    @app.post("/api/jobs", status_code=201)
    def start_job(body: JobBody):
        """Start a live job in a worker thread: answers {id} at once. 409: the port is busy
        with another job; 422: a bad request (unknown WHAT, option, device, port)."""
        spec = job_ops.JobSpec(command=body.command, port=body.port, device=body.device,
                               model=body.model, backend=body.backend, options=body.options,
                               what=body.what, patch_ids=body.patch_ids, bank=body.bank)
        try:
            job = live.start(spec)
        except job_ops.Busy as exc:
            raise HTTPException(409, str(exc)) from None
        return {"id": job.id}

    def get_job(job_id: str) -> job_ops.Job:
        try:
            return live.get(job_id)
        except KeyError:
            raise HTTPException(404, f"no job with id {job_id}") from None

    @app.get("/api/jobs")
    def list_jobs():
        return [j.to_json() for j in live.jobs.values()]

    @app.get("/api/jobs/{job_id}")
    def show_job(job_id: str):
        """{id, command, state: running|done|failed|cancelled, progress: {bytes,
        bytes_expected, objects, objects_expected, seconds, eta}, result: {patch_ids, files},
        error, recovery_file, folder, notes}"""
        return get_job(job_id).to_json()

    @app.delete("/api/jobs/{job_id}")
    def cancel_job(job_id: str):
        """Cancel a running job (what arrived goes to its recovery file)."""
        get_job(job_id)
        return live.cancel(job_id).to_json()

    @app.get("/api/jobs/{job_id}/events")
    async def job_events(job_id: str):
        """Server-sent events: the job (as GET) on every change, until it is over."""
        import asyncio
        import json
        import time

        job = get_job(job_id)

        async def stream():
            # Progress goes out at most every 0.1 s (a job may change hundreds of times a
            # second), but the end as soon as it comes: looked for every 0.02 s, because the
            # page waits for it (bench/transfer.py: the 0.1 s wait alone was 3% of a CZ backup).
            seen = -1
            sent = quiet = 0.0
            while True:
                now = time.monotonic()
                over = job.state != "running"
                if job.version != seen and (over or now - sent >= 0.1):
                    seen = job.version
                    sent = now
                    quiet = 0.0
                    yield f"data: {json.dumps(job.to_json())}\n\n"
                    if over:
                        return
                await asyncio.sleep(0.02)
                quiet += 0.02
                if quiet >= 10:  # a comment now and then keeps proxies from closing it
                    quiet = 0.0
                    yield ": still running\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store"})

    @app.get("/api/jobs/{job_id}/recovery")
    def job_recovery(job_id: str):
        """The recovery file of a failed or cancelled job (what arrived before it ended)."""
        job = get_job(job_id)
        if not job.recovery_file or not Path(job.recovery_file).is_file():
            raise HTTPException(404, f"job {job_id} has no recovery file")
        path = Path(job.recovery_file)
        return _download(path.read_bytes(), path.name, "application/octet-stream")

    # -- the rest --------------------------------------------------------------------------------
    @app.get("/api/duplicates/names")
    def dupes_names(device: str | None = None, kind: str | None = None,
                    limit: int = Query(200, ge=1, le=5000), offset: int = Query(0, ge=0)):
        """Same sound, other names: {total, items: [{id, device, kind, model, name, names,
        sources}]}."""
        rows = same_sound_different_names(lib(), LibQuery(device=device, kind=kind))
        return {"total": len(rows), "items": rows[offset:offset + limit]}

    @app.get("/api/duplicates/sounds")
    def dupes_sounds(device: str | None = None, kind: str | None = None,
                     limit: int = Query(200, ge=1, le=5000), offset: int = Query(0, ge=0)):
        """Same name, other sounds: {total, items: [{device, kind, name, patches: [{id, name,
        model}]}]}."""
        rows = same_name_different_sounds(lib(), LibQuery(device=device, kind=kind))
        return {"total": len(rows), "items": rows[offset:offset + limit]}

    @app.get("/api/devices")
    def devices():
        """[{id, title, models, kinds (in this library), bank_formats, name_rules}]"""
        library = lib()
        kinds: dict[str, list[str]] = {}
        for device, kind in library.conn.execute(
                "SELECT DISTINCT device, kind FROM patches ORDER BY device, kind"):
            kinds.setdefault(device, []).append(kind)
        formats = bank_ops.bank_formats()
        rules = name_rules()
        return [{"id": d.id, "title": d.title, "models": list(d.models),
                 "kinds": kinds.get(d.id, []),
                 "bank_formats": [f.to_json() for f in formats if f.device == d.id],
                 "name_rules": [r.to_json() for r in rules if r.device == d.id]}
                for d in registry.devices()]

    @app.get("/api/tags")
    def tags():
        """[{name, count}]"""
        return [{"name": n, "count": c} for n, c in lib().tags()]

    editor.register(app, lib, _download, live)  # the editor's routes (web/editor.py)
    webmidi.register(app)  # the browser's own MIDI as the `browser` backend (web/webmidi.py)

    if STATIC.is_dir():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")

    return Guard(app, token=token, host=host, port=port)


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text or "", re.UNICODE)


def _decorate(library: Library, items: list[dict[str, Any]]) -> None:
    """Tags and "seen in N files" for one page of rows (two indexed queries)."""
    if not items:
        return
    by_id = {i["id"]: i for i in items}
    marks = ", ".join("?" * len(by_id))
    ids = list(by_id)
    for pid, n in library.conn.execute(
            f"SELECT patch_id, count(DISTINCT file_id) FROM sources WHERE patch_id IN ({marks}) "
            "GROUP BY patch_id", ids):
        by_id[pid]["seen"] = n
    for pid, tag in library.conn.execute(
            f"SELECT pt.patch_id, t.name FROM patch_tags pt JOIN tags t ON t.id = pt.tag_id "
            f"WHERE pt.patch_id IN ({marks}) ORDER BY t.name COLLATE NOCASE", ids):
        by_id[pid]["tags"].append(tag)


def _ascii(file_name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                   for c in file_name)


def _download(data: bytes, file_name: str, media_type: str) -> Response:
    from urllib.parse import quote

    ascii_name = _ascii(file_name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(data, media_type=media_type, headers={"content-disposition": disposition})
