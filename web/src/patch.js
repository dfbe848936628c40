// One patch: its names, where it was seen, tags, notes, problems and its decoded parameters
// as panel values (read-only here). Renaming checks the device's name rules as you type.
import { LitElement, html, nothing } from "lit";
import { api, download } from "./api.js";
import { nameProblem } from "./names.js";
import "./editor.js";
import { player, stateOf, toggle } from "./player.js";
import { modelFamily } from "./library.js";

function paramTree(value, showRaw) {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      return html`<span class="list">${value.map((v) => html`<span>${String(v)}</span>`)}</span>`;
    }
    return html`<ol class="tree">${value.map((v, i) => html`<li><b>${i + 1}</b> ${paramTree(v, showRaw)}</li>`)}</ol>`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([k]) => showRaw || k !== "raw");
    return html`<dl class="tree">${entries.map(([k, v]) => html`
      <div class=${v && typeof v === "object" ? "group" : "leaf"}><dt>${k.replaceAll("_", " ")}</dt><dd>${paramTree(v, showRaw)}</dd></div>`)}</dl>`;
  }
  return html`<span class="value">${value === null ? "–" : String(value)}</span>`;
}

export class SyxPatch extends LitElement {
  static properties = {
    patchId: { type: Number },
    devices: { attribute: false },
    patch: { state: true },
    draftName: { state: true },
    showRaw: { state: true },
    error: { state: true },
    editing: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.devices = [];
    this.showRaw = false;
  }

  connectedCallback() {
    super.connectedCallback();
    this.onPlayer = () => this.requestUpdate();
    player.addEventListener("change", this.onPlayer);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    player.removeEventListener("change", this.onPlayer);
  }

  // One play button for a tone or voice; one per pad for an RZ-1 sample dump.
  playButtons(p) {
    if (!p.renderable) return nothing;
    const pads = p.pads ? Array.from({ length: p.pads }, (_, i) => i + 1) : [null];
    return html`<span class="plays">${pads.map((pad) => {
      const state = stateOf(p.id, pad);
      const what = pad ? ` pad ${pad}` : "";
      return html`<button class="play ${state}" title=${state === "idle" ? "Play a preview" : "Stop"}
        @click=${() => toggle(p.id, pad)}>${state === "idle" ? `▶ Play${what}` : state === "loading" ? `■ rendering…` : `■ Stop${what}`}</button>`;
    })}</span>`;
  }

  updated(changed) {
    if (changed.has("patchId") && this.patchId) this.load();
  }

  async load() {
    try {
      this.patch = await api.get(`/api/patches/${this.patchId}`);
      this.draftName = this.patch.name ?? "";
      this.error = null;
    } catch (err) {
      this.patch = null;
      this.error = err.message;
    }
  }

  say(text, error = false) {
    this.dispatchEvent(new CustomEvent("say", { detail: { text, error }, bubbles: true }));
  }

  async save(fields) {
    try {
      this.patch = { ...this.patch, ...(await api.patch(`/api/patches/${this.patchId}`, fields)) };
      this.draftName = this.patch.name ?? "";
      this.dispatchEvent(new CustomEvent("patch-changed", { detail: this.patchId, bubbles: true }));
      return true;
    } catch (err) {
      this.say(err.message, true);
      return false;
    }
  }

  async rename(e) {
    e.preventDefault();
    if (nameProblem(this.patch.name_rule, this.draftName)) return;
    if (await this.save({ name: this.draftName })) {
      this.say(`renamed to “${this.patch.name}”${this.patch.name_note ? ` (${this.patch.name_note})` : ""}`);
    }
  }

  close() { this.dispatchEvent(new CustomEvent("close", { bubbles: true })); }

  // The editor covers the page (web/src/editor.js); it follows this view's patch, so a saved
  // new version (opened here by the app) stays open in the editor.
  render() {
    return html`${this.drawer()}${this.editing ? html`<syx-editor .patchId=${this.patchId}
      @editor-close=${() => { this.editing = false; }}></syx-editor>` : nothing}`;
  }

  drawer() {
    if (this.error) return html`<div class="drawer"><button class="close" @click=${this.close}>×</button><p class="error">${this.error}</p></div>`;
    const p = this.patch;
    if (!p) return html`<div class="drawer"><p class="muted">loading…</p></div>`;
    const rule = p.name_rule;
    const problem = nameProblem(rule, this.draftName);
    return html`<div class="drawer">
      <button class="close" title="Close" @click=${this.close}>×</button>
      <h2>${p.name ?? html`<span class="muted">(no name)</span>`}</h2>
      <p class="meta">${p.device} · ${modelFamily(p) || "any model"} · ${p.kind} · patch ${p.id}</p>
      ${rule?.stored && rule.max_length ? html`
        <form class="rename" @submit=${this.rename}>
          <label>Name <input name="name" .value=${this.draftName} maxlength=${rule.max_length * 2}
            @input=${(e) => { this.draftName = e.target.value; }}></label>
          <button ?disabled=${!!problem || this.draftName === (p.name ?? "")}>Rename</button>
          ${problem ? html`<span class="error">${problem}</span>` : html`<span class="hint">up to ${rule.max_length} characters${rule.upper ? ", upper case" : ""}</span>`}
        </form>` : html`<p class="hint">${rule?.note || "This device stores no name in this kind of patch; the name is kept in the library only."}</p>`}
      <div class="row">
        ${this.playButtons(p)}
        <label class="check"><input type="checkbox" .checked=${!!p.favourite}
          @change=${(e) => this.save({ favourite: e.target.checked })}> ★ favourite</label>
        <button @click=${() => download(`/api/patches/${p.id}/syx`, `${p.name ?? "patch"}.syx`).catch((err) => this.say(err.message, true))}>Download .syx</button>
        ${p.editable ? html`<button class="edit" title="Edit the sound's parameters" @click=${() => { this.editing = true; }}>Edit</button>` : nothing}
      </div>
      <label>Tags <input .value=${(p.tags ?? []).join(", ")} placeholder="comma separated"
        @change=${(e) => this.save({ tags: e.target.value.split(",").map((t) => t.trim()).filter(Boolean) })}></label>
      <label>Notes <textarea rows="3" .value=${p.notes ?? ""}
        @change=${(e) => this.save({ notes: e.target.value })}></textarea></label>
      ${(p.names ?? []).length > 1 ? html`<h3>Also known as</h3><ul>${p.names.map((n) => html`<li>${n}</li>`)}</ul>` : nothing}
      <h3>Seen in ${(p.sources ?? []).length} place(s)</h3>
      <ul class="sources">${(p.sources ?? []).map((s) => html`<li><span class="path">${s.path}</span>
        ${s.offset !== undefined && s.offset !== null ? html` <span class="muted">at offset ${s.offset}</span>` : nothing}
        ${s.name && s.name !== p.name ? html` as “${s.name}”` : nothing}</li>`)}</ul>
      ${(p.problems ?? []).length ? html`<h3>Problems</h3><ul class="problems">${p.problems.map((x) => html`<li>${typeof x === "string" ? x : JSON.stringify(x)}</li>`)}</ul>` : nothing}
      ${(p.notes_from_file ?? []).length ? html`<h3>Notes</h3><ul>${p.notes_from_file.map((x) => html`<li>${x}</li>`)}</ul>` : nothing}
      <h3>Parameters <label class="check small"><input type="checkbox" .checked=${this.showRaw}
        @change=${(e) => { this.showRaw = e.target.checked; }}> raw bytes</label></h3>
      ${p.decoded ? paramTree(p.decoded.params ?? p.decoded, this.showRaw) : html`<p class="muted">${p.decode_error ?? "No parameters for this kind of patch."}</p>`}
    </div>`;
  }
}
customElements.define("syx-patch", SyxPatch);
