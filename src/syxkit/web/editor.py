"""The editor's API: a patch's fields and panel values, edits saved as a new version (or over
the old one, which stays in the history), previews of edited bytes, and randomize / mutate /
morph results for the page to show. Everything goes through :mod:`syxkit.ops.edit`, so the
page edits by panel keys and every other byte of the dump stays as it was.

Kept apart from app.py (which only calls :func:`register`) so the editor's routes live in one
place. The page sends its whole set of edits (key -> panel value) with every request: the
server keeps no editing state, and the stored patch is never changed by a preview or a
variation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field

from syxkit.devices.base import DeviceError, OptionError, Unsupported
from syxkit.library.messages import driver, export_message
from syxkit.library.naming import safe_file_name
from syxkit.library.store import Library, Patch
from syxkit.library.versions import save_over, save_version
from syxkit.ops import edit as ops
from syxkit.ops import jobs as job_ops
from syxkit.ops.audition import Auditions, edit_buffer_bytes, note_channel


class EditBody(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict, description="key -> panel value "
                                   "(enums by name, null for 'none' where the field has it)")
    mode: Literal["new-version", "save-over", "preview"] = Field(
        "new-version", description="new-version: a new patch whose parent is this one; "
        "save-over: the same, and the new one takes the old one's place (banks, notes, "
        "favourite; the old goes to the trash and stays in the history); preview: answer "
        "the edited .syx bytes, saving nothing")


class AuditionBody(BaseModel):
    # No address, program or bank here: where an audition lands is the server's choice (the
    # edit buffer), so unknown fields are refused rather than ignored.
    model_config = ConfigDict(extra="forbid")
    values: dict[str, Any] = Field(default_factory=dict, description="The page's edits so far")
    port: str = Field(description="A port as GET /api/ports lists it")
    backend: str = Field("auto", description="A backend of GET /api/ports, or auto")
    model: str | None = Field(None, description="The device's model (default: the patch's)")


class NoteBody(AuditionBody):
    note: int = Field(60, ge=0, le=127, description="MIDI note number (60 = middle C)")
    velocity: int = Field(100, ge=1, le=127)
    hold_ms: int = Field(400, ge=20, le=10000, description="Time between note on and note off")
    channel: int | None = Field(None, ge=1, le=16, description="Only where the audition's "
                                "message names no channel (K-Station: 7F); default 1")


class VariationBody(BaseModel):
    action: Literal["randomize", "mutate", "morph"]
    values: dict[str, Any] = Field(default_factory=dict,
                                   description="The page's edits so far: the variation starts there")
    amount: float = Field(0.5, ge=0, le=1, description="mutate: how far; morph: 0 = this, 1 = other")
    locks: list[str] = Field(default_factory=list, description="Group ids or labels left alone")
    other_id: int | None = Field(None, description="morph: the other patch")
    seed: int | None = None


def editable(patch: Patch) -> bool:
    """Whether the patch's device has a parameter table for its kind (the page's Edit button)."""
    try:
        return bool(driver(patch.device).fields(patch.kind, patch.model))
    except (Unsupported, DeviceError):
        return False


def refused(exc: OptionError) -> HTTPException:
    """422 naming the field and its range (the page marks that field)."""
    key = getattr(exc, "key", None)
    return HTTPException(422, {"message": str(exc), "key": key})


def _target(library: Library, patch: Patch) -> ops.Target:
    data = export_message(library, patch, None, [])  # a user-given name written in
    return ops.target_of_bytes(data, None, f"patch {patch.id}")


def _edited(library: Library, patch: Patch, values: dict[str, Any]) -> tuple[ops.Target, ops.Edited]:
    target = _target(library, patch)
    try:
        return target, ops.edit_object(target, values)
    except OptionError as exc:
        raise refused(exc) from None


def register(app: Any, lib: Callable[[], Library], download: Callable[..., Any],
             live: job_ops.Jobs | None = None) -> None:
    """Add the editor's routes to ``app`` (``lib()`` is the thread's library connection,
    ``download`` app.py's attachment response, ``live`` the server's MIDI jobs)."""
    auditions = Auditions(live) if live is not None else None

    def auditioned(patch_id: int, body: AuditionBody | NoteBody):
        """The patch an audition or test note is about, its driver and model, and the patch
        with the page's ``values`` written in."""
        if auditions is None:
            raise HTTPException(503, "this server has no MIDI jobs")
        library = lib()
        patch = library.get(patch_id)
        _, edited = _edited(library, patch, body.values)
        return patch, driver(patch.device), body.model or patch.model, edited

    @app.post("/api/patches/{patch_id}/audition")
    def patch_audition(patch_id: int, body: AuditionBody):
        """Send the patch with ``values`` written in to the device's edit buffer (CZ 0x60,
        VZ edit area, K-Station current sound; never a memory slot) through a send job on
        ``port``. While one is running on the port, the latest values wait and are sent next
        (earlier waiting ones are dropped). Answers {state: sent|queued, job, dropped}; 409 when another job
        holds the port; 422 for a bad value or a device or kind without an edit-buffer send
        (a VZ operation memory)."""
        patch, dev, model, edited = auditioned(patch_id, body)
        try:
            data, options = edit_buffer_bytes(dev, edited.data, model)
            return auditions.submit(job_ops.JobSpec(
                command="send", port=body.port, device=patch.device, model=model,
                backend=body.backend, options=options, data=data))
        except job_ops.Busy as exc:
            raise HTTPException(409, str(exc)) from None
        except OptionError as exc:
            raise HTTPException(422, str(exc)) from None

    @app.post("/api/patches/{patch_id}/audition/note")
    def patch_audition_note(patch_id: int, body: NoteBody):
        """Play a test note on ``port``: note on, ``hold_ms``, note off, on the MIDI channel
        the audition sends this sound on. It waits behind the audition's queued edits on the
        port, so it plays the sound as edited so far. Answers {state: sent|queued, job,
        dropped, channel, note, velocity}; 409 when another job holds the port; 422 for a
        device without an edit-buffer send or a channel the audition does not use."""
        patch, dev, model, edited = auditioned(patch_id, body)
        try:
            data, _ = edit_buffer_bytes(dev, edited.data, model)
            channel = note_channel(dev, data, body.channel)
            note = {"channel": channel, "note": body.note, "velocity": body.velocity,
                    "hold": body.hold_ms / 1000}
            answer = auditions.submit(job_ops.JobSpec(
                command="note", port=body.port, device=patch.device, model=model,
                backend=body.backend, note=note))
        except job_ops.Busy as exc:
            raise HTTPException(409, str(exc)) from None
        except OptionError as exc:
            raise HTTPException(422, str(exc)) from None
        return {**answer, "channel": channel, "note": body.note, "velocity": body.velocity}

    @app.get("/api/patches/{patch_id}/fields")
    def patch_fields(patch_id: int):
        """{id, name, device, kind, model, fields: [{key, label, group, group_label, kind,
        min, max, choices, max_length, ...}], envelopes: [{id, label, rates, levels, sustain,
        end, ...}], values: {key: panel value}}. 422 when the device has no parameter table
        for this kind."""
        library = lib()
        patch = library.get(patch_id)
        target = _target(library, patch)
        fields = target.fields
        try:
            envelopes = target.device.envelopes(target.obj.kind, target.obj.model)
        except Unsupported:
            envelopes = []
        return {"id": patch.id, "name": patch.name, "device": patch.device, "kind": patch.kind,
                "model": patch.model, "fields": [f.to_json() for f in fields],
                "envelopes": [e.to_json() for e in envelopes],
                "values": ops.values(target, fields)}

    @app.post("/api/patches/{patch_id}/edit")
    def patch_edit(patch_id: int, body: EditBody):
        """Write ``values`` into the patch. new-version / save-over answer {id, parent_id,
        created, name, changes: [{key, old, new}], notes}; preview answers the edited .syx.
        422 {message, key} for an unknown key or a value outside its range."""
        library = lib()
        patch = library.live([patch_id])[0]
        _, edited = _edited(library, patch, body.values)
        if body.mode == "preview":
            return download(edited.data, f"{safe_file_name(patch.name, 'patch')}.syx",
                            "application/octet-stream")
        if not edited.changes:
            return {"id": patch.id, "parent_id": None, "created": False, "name": patch.name,
                    "changes": [], "notes": edited.notes}
        if body.mode == "save-over":
            new, created, notes = save_over(library, patch, edited.data)
        else:
            new, created = save_version(library, patch, edited.data)
            notes = [] if created else [f"that sound is already in the library as patch "
                                        f"{new.id}; nothing added"]
        return {"id": new.id, "parent_id": patch.id, "created": created, "name": new.name,
                "changes": edited.changes, "notes": notes + edited.notes}

    @app.post("/api/patches/{patch_id}/variation")
    def patch_variation(patch_id: int, body: VariationBody):
        """A randomized / mutated / morphed sound, starting from the patch with the page's
        ``values`` written in; nothing is saved. Answers {values: {key: panel value},
        changes: [{key, old, new}]} (changes against the page's values)."""
        library = lib()
        patch = library.get(patch_id)
        _, start = _edited(library, patch, body.values)
        base = ops.target_of_bytes(start.data, None, f"patch {patch.id}")
        try:
            if body.action == "randomize":
                result = ops.randomize(base, locks=body.locks, seed=body.seed)
            elif body.action == "mutate":
                result = ops.mutate(base, body.amount, locks=body.locks, seed=body.seed)
            else:
                if body.other_id is None:
                    raise HTTPException(422, "morph: say which patch to morph with (other_id)")
                other = _target(library, library.get(body.other_id))
                result = ops.morph(base, other, body.amount)
        except OptionError as exc:
            raise refused(exc) from None
        after = ops.target_of_bytes(result.data, None, "variation")
        return {"values": ops.values(after), "changes": result.changes}
