// The sound editor: fields generated from the driver's parameter table (GET
// /api/patches/ID/fields), grouped by the panel's groups; envelopes drawn as graphs whose points
// drag; undo/redo over every edit since opening; A/B against the stored patch; a diff; save as a
// new version or over the old one; download the edited .syx; randomize / mutate / morph.
//
// The page keeps the edits (key -> panel value); the server keeps no editing state. Every
// request sends the keys that differ from the stored patch, and the server writes them through
// the driver (every other byte stays as it was).
//
// Dragging an envelope point: up/down sets the step's level; left/right sets its rate, as the
// segment's width shows it (a wider segment = a slower step = a lower rate). The rate only moves
// once the pointer has gone a few pixels sideways, so a vertical drag changes the level alone.
import { LitElement, html, nothing, svg } from "lit";
import { api, download, query } from "./api.js";
import { portKey } from "./devices.js";

const W = 56; // widest segment of an envelope graph (rate at its minimum), px
const MINW = 8; // narrowest (rate at its maximum)
const H = 120; // graph height, px
const PAD = 10;
const SIDEWAYS = 4; // px before a drag starts moving the rate
// Audition: devices whose edit buffer the server can write (POST /api/patches/ID/audition), the
// pause after the last change before the sound is sent, and where the chosen port is kept.
const AUDITION_DEVICES = ["casio-cz", "casio-vz", "novation-kstation"];
// Kinds limited per device: a VZ single voice lands in its edit area; where a single op-mem
// lands is not documented, so the server refuses it.
const AUDITION_KINDS = { "casio-vz": ["voice"] };
const AUDITION_DELAY = 150; // ms
const AUDITION_PORT = "syxkit.audition.port";
// Test note: the note the user picked (kept like the port), MIDI's middle C by default.
const NOTE_KEY = "syxkit.audition.testnote";
const NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const noteName = (n) => `${NOTE_NAMES[n % 12]}${Math.floor(n / 12) - 1}`; // 60 = C4
// Why a device (or kind) with an editor has no audition (the page says so rather than hiding it).
const NO_AUDITION = {
  "casio-vz": "Audition is not available for VZ operation memories: the VZ takes a single voice into its edit area, but where a single operation memory lands is not documented, and syxkit never sends a sound to a memory slot to be heard.",
};

const same = (a, b) => a === b;
const shown = (v) => (v === null || v === undefined ? "none" : String(v));

export class SyxEditor extends LitElement {
  static properties = {
    patchId: { type: Number },
    data: { state: true },
    values: { state: true },
    showStored: { state: true },
    locks: { state: true },
    mutateAmount: { state: true },
    morphAmount: { state: true },
    morphWith: { state: true },
    morphChoices: { state: true },
    invalid: { state: true },
    busy: { state: true },
    error: { state: true },
    auditionOn: { state: true },
    auditionPorts: { state: true },
    auditionPort: { state: true },
    auditionNote: { state: true },
    testNote: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.undoStack = [];
    this.redoStack = [];
    this.locks = new Set();
    this.mutateAmount = 0.3;
    this.morphAmount = 0.5;
    this.morphChoices = [];
    this.invalid = {};
    this.onKey = (e) => this.key(e);
    this.auditionOn = false;
    this.auditionPorts = null;
    this.auditionPort = localStorage.getItem(AUDITION_PORT) ?? "";
    this.auditionNote = "";
    const kept = Number(localStorage.getItem(NOTE_KEY) ?? "60");
    this.testNote = Number.isInteger(kept) && kept >= 0 && kept <= 127 ? kept : 60;
  }

  connectedCallback() {
    super.connectedCallback();
    // capture: undo here wins over an input's own text undo and the page's other keys
    window.addEventListener("keydown", this.onKey, true);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener("keydown", this.onKey, true);
    clearTimeout(this.auditionTimer);
  }

  updated(changed) {
    if (changed.has("patchId") && this.patchId) this.load();
    if (changed.has("values") && this.auditionOn && this.values) this.scheduleAudition();
  }

  // -- audition: the edited sound to the device's edit buffer --------------------------------------
  // The server decides where it lands (never a memory slot) and sends only the latest values when
  // changes come faster than the device takes them; the page only waits for a pause in the edits.
  canAudition() {
    const d = this.data;
    return AUDITION_DEVICES.includes(d?.device) && (AUDITION_KINDS[d.device] ?? [d.kind]).includes(d.kind);
  }

  async toggleAudition(on) {
    this.auditionOn = on;
    if (!on) { clearTimeout(this.auditionTimer); this.auditionNote = ""; return; }
    if (!this.auditionPorts) {
      try {
        const choices = [];
        for (const b of await api.get("/api/ports")) {
          if (!b.available) continue;
          for (const p of b.outputs) {
            const value = JSON.stringify({ backend: b.backend, port: portKey(p) });
            if (!choices.some((c) => c.value === value)) choices.push({ value, label: `${portKey(p)} (${b.backend})` });
          }
        }
        this.auditionPorts = choices;
      } catch (err) {
        this.auditionNote = err.message;
        return;
      }
    }
    if (!this.auditionPorts.some((c) => c.value === this.auditionPort)) {
      // Never guess: the first port listed may be another instrument (or a serial line), and a
      // sound sent there is not what the user asked for. Nothing is sent until a port is picked.
      this.auditionPort = "";
      this.auditionNote = this.noPortNote();
      return;
    }
    this.scheduleAudition();
  }

  noPortNote() {
    return this.auditionPorts?.length ? "choose the port your synth is on" : "no MIDI output port to send to";
  }

  pickAuditionPort(value) {
    this.auditionPort = value;
    if (!value) { clearTimeout(this.auditionTimer); return; }
    localStorage.setItem(AUDITION_PORT, value);
    this.auditionNote = "";
    this.scheduleAudition();
  }

  scheduleAudition() {
    clearTimeout(this.auditionTimer);
    this.auditionDue = true;
    this.auditionTimer = setTimeout(() => this.audition(), AUDITION_DELAY);
  }

  // The request in flight is kept so that a test note is posted only after it: the server
  // then queues the note behind that edit on the port.
  audition() {
    this.auditionDue = false;
    this.auditionSending = this.postAudition();
    return this.auditionSending;
  }

  async playTestNote() {
    if (!this.auditionPort) { this.auditionNote = this.noPortNote(); return; }
    // an edit still waiting for the pause in typing goes first, so the note plays it
    if (this.auditionDue) { clearTimeout(this.auditionTimer); this.audition(); }
    await this.auditionSending;
    const { backend, port } = JSON.parse(this.auditionPort);
    const note = this.testNote;
    try {
      const res = await api.post(`/api/patches/${this.patchId}/audition/note`,
        { values: this.changes(), port, backend, model: this.data.model ?? null, note, velocity: 100 });
      this.auditionNote = `note ${noteName(note)} (${note}) on channel ${res.channel}${res.state === "queued" ? ", after the edits before it" : ""}`;
    } catch (err) {
      const d = err.detail;
      this.auditionNote = d && typeof d === "object" ? d.message : err.message;
    }
  }

  pickTestNote(input) {
    const n = Number(input.value);
    if (!Number.isInteger(n) || n < 0 || n > 127) { input.value = String(this.testNote); return; }
    this.testNote = n;
    localStorage.setItem(NOTE_KEY, String(n));
  }

  async postAudition() {
    if (!this.auditionOn || !this.auditionPort) {
      if (this.auditionOn) this.auditionNote = this.noPortNote();
      return;
    }
    const { backend, port } = JSON.parse(this.auditionPort);
    try {
      const res = await api.post(`/api/patches/${this.patchId}/audition`,
        { values: this.changes(), port, backend, model: this.data.model ?? null });
      const where = this.data?.device === "casio-vz" ? "edit area" : "edit buffer"; // the VZ's own word
      this.auditionNote = res.state === "sent" ? `sent to the ${where}` : "queued (latest values next)";
    } catch (err) {
      const d = err.detail;
      this.auditionNote = d && typeof d === "object" ? d.message : err.message;
    }
  }

  async load() {
    try {
      this.data = await api.get(`/api/patches/${this.patchId}/fields`);
      this.values = { ...this.data.values };
      this.undoStack = [];
      this.redoStack = [];
      this.invalid = {};
      this.showStored = false;
      this.error = null;
    } catch (err) {
      this.error = err.message;
    }
  }

  say(text, error = false) {
    this.dispatchEvent(new CustomEvent("say", { detail: { text, error }, bubbles: true }));
  }

  field(key) { return this.data.fields.find((f) => f.key === key); }

  // -- edits, undo, redo -------------------------------------------------------------------------
  // An edit is {key: [old, new]}; one per typed value, drag or variation.
  apply(changes) {
    const edit = {};
    for (const [key, value] of Object.entries(changes)) {
      if (!same(this.values[key], value)) edit[key] = [this.values[key], value];
    }
    if (!Object.keys(edit).length) return;
    this.setValues(edit, 1);
    this.undoStack = [...this.undoStack, edit];
    this.redoStack = [];
  }

  setValues(edit, side) {
    const next = { ...this.values };
    for (const [key, pair] of Object.entries(edit)) next[key] = pair[side];
    this.values = next;
    const invalid = { ...this.invalid };
    for (const key of Object.keys(edit)) delete invalid[key];
    this.invalid = invalid;
  }

  undo() {
    const edit = this.undoStack.at(-1);
    if (!edit) return;
    this.undoStack = this.undoStack.slice(0, -1);
    this.redoStack = [...this.redoStack, edit];
    this.setValues(edit, 0);
  }

  redo() {
    const edit = this.redoStack.at(-1);
    if (!edit) return;
    this.redoStack = this.redoStack.slice(0, -1);
    this.undoStack = [...this.undoStack, edit];
    this.setValues(edit, 1);
  }

  key(e) {
    if (!this.data) return;
    const z = e.key === "z" || e.key === "Z";
    const focused = document.activeElement;
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(focused?.tagName);
    if ((e.ctrlKey || e.metaKey) && (z || e.key === "y")) {
      e.preventDefault();
      e.stopImmediatePropagation();
      // a value typed but not yet entered is entered first (its change event), so that undo
      // takes back what was just typed rather than the edit before it
      if (typing && this.contains(focused)) focused.blur();
      if (e.key === "y" || e.shiftKey) this.redo();
      else this.undo();
    } else if (e.key === "Delete" && !typing) {
      // the library's Delete (to the trash) would act on rows hidden behind the editor
      e.stopImmediatePropagation();
    }
  }

  // The edits: every key whose value differs from the stored patch.
  changes() {
    const out = {};
    for (const [key, value] of Object.entries(this.values)) {
      if (!same(value, this.data.values[key])) out[key] = value;
    }
    return out;
  }

  // -- typed values -----------------------------------------------------------------------------
  parse(f, input) {
    if (f.kind === "bool") return input.checked;
    if (f.kind === "enum") return f.choices[Number(input.value)];
    if (f.kind === "text") return input.value;
    const text = input.value.trim();
    if (text === "" && f.nullable) return null;
    const n = Number(text);
    if (text === "" || !Number.isInteger(n) || n < f.min || n > f.max) {
      throw new Error(`${f.label}: ${f.min}–${f.max}${f.nullable ? " or empty for none" : ""}`);
    }
    return n;
  }

  typed(f, e) {
    try {
      const value = this.parse(f, e.target);
      // a corrected entry clears its mark even when it equals the value already there
      const { [f.key]: _gone, ...rest } = this.invalid;
      this.invalid = rest;
      this.apply({ [f.key]: value });
    } catch (err) {
      this.invalid = { ...this.invalid, [f.key]: err.message };
    }
  }

  input(f, value, stored) {
    const disabled = stored;
    const id = `ed-${f.key}`;
    if (f.kind === "bool") {
      return html`<input type="checkbox" id=${id} data-key=${f.key} ?disabled=${disabled}
        .checked=${!!value} @change=${(e) => this.typed(f, e)}>`;
    }
    if (f.kind === "enum") {
      return html`<select id=${id} data-key=${f.key} ?disabled=${disabled} .value=${String(f.choices.indexOf(value))}
        @change=${(e) => this.typed(f, e)}>${f.choices.map((c, i) => html`<option value=${i} ?selected=${c === value}>${shown(c)}</option>`)}</select>`;
    }
    if (f.kind === "text") {
      return html`<input id=${id} data-key=${f.key} ?disabled=${disabled} maxlength=${f.max_length ?? nothing}
        .value=${value ?? ""} @change=${(e) => this.typed(f, e)}>`;
    }
    return html`<input type="number" id=${id} data-key=${f.key} ?disabled=${disabled} min=${f.min} max=${f.max}
      step=${f.step ?? 1} placeholder=${f.nullable ? "none" : ""} class=${this.invalid[f.key] ? "invalid" : ""}
      title=${`${f.min}–${f.max}${f.unit ? ` ${f.unit}` : ""}${f.nullable ? ", empty = none" : ""}`}
      .value=${value === null || value === undefined ? "" : String(value)} @change=${(e) => this.typed(f, e)}>`;
  }

  // -- envelopes ----------------------------------------------------------------------------------
  points(env, vals) {
    const rate = (k) => this.field(env.rates[k]);
    const level = (k) => this.field(env.levels[k]);
    let x = PAD;
    const pts = [{ x, y: PAD + H, step: 0 }];
    for (let k = 0; k < env.steps; k++) {
      const rf = rate(k);
      const lf = level(k);
      const r = vals[env.rates[k]] ?? rf.min;
      const l = vals[env.levels[k]] ?? lf.min;
      x += MINW + ((rf.max - r) / Math.max(1, rf.max - rf.min)) * (W - MINW);
      const y = PAD + H - ((l - lf.min) / Math.max(1, lf.max - lf.min)) * H;
      pts.push({ x, y, step: k + 1 });
    }
    return pts;
  }

  stepMark(env, vals, which) {
    if (which === "sustain") {
      if (env.sustain) return vals[env.sustain];
      const k = (env.sustain_flags ?? []).findIndex((key) => vals[key]);
      return k < 0 ? null : k + 1;
    }
    return env.end ? vals[env.end] : env.steps;
  }

  graph(env, vals, stored) {
    const pts = this.points(env, vals);
    const end = this.stepMark(env, vals, "end") ?? env.steps;
    const sus = this.stepMark(env, vals, "sustain");
    const width = PAD * 2 + env.steps * W;
    const live_ = pts.filter((p) => p.step <= end);
    const rest = pts.filter((p) => p.step >= end);
    const line = (ps) => ps.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    return html`<svg class="envgraph" data-env=${env.id} viewBox="0 0 ${width} ${H + PAD * 2 + 12}"
      width=${width} height=${H + PAD * 2 + 12} role="img" aria-label=${`${env.label} graph`}>
      <line class="axis" x1=${PAD} y1=${PAD + H} x2=${width - PAD} y2=${PAD + H}></line>
      <polyline class="env after" points=${line(rest)}></polyline>
      <polyline class="env" points=${line(live_)}></polyline>
      ${pts.slice(1).map((p) => svg`
        ${p.step === sus ? svg`<line class="sustain" x1=${p.x} y1=${PAD} x2=${p.x} y2=${PAD + H}></line>
          <text class="mark" x=${p.x + 2} y=${PAD + 8}>S</text>` : nothing}
        ${p.step === end ? svg`<text class="mark" x=${p.x + 2} y=${PAD + H + 11}>E</text>` : nothing}
        <circle class=${`point ${p.step > end ? "after" : ""}`} data-step=${p.step} cx=${p.x} cy=${p.y} r="6"
          @pointerdown=${stored ? null : (e) => this.grab(e, env, p.step)}
          @pointermove=${(e) => this.dragMove(e)} @pointerup=${(e) => this.drop(e)}
          @pointercancel=${(e) => this.drop(e)}><title>step ${p.step}: rate ${vals[env.rates[p.step - 1]]}, level ${vals[env.levels[p.step - 1]]}</title></circle>
        <text class="stepno" x=${p.x - 3} y=${H + PAD * 2 + 10}>${p.step}</text>`)}
    </svg>`;
  }

  grab(e, env, step) {
    e.preventDefault();
    e.target.setPointerCapture(e.pointerId);
    const rateKey = env.rates[step - 1];
    const levelKey = env.levels[step - 1];
    const box = e.target.ownerSVGElement.getBoundingClientRect();
    const scale = e.target.ownerSVGElement.viewBox.baseVal.height / box.height;
    this.dragging = { x: e.clientX, y: e.clientY, scale, rateKey, levelKey,
      rate: this.values[rateKey], level: this.values[levelKey] };
  }

  dragMove(e) {
    const d = this.dragging;
    if (!d) return;
    const rf = this.field(d.rateKey);
    const lf = this.field(d.levelKey);
    const dy = (e.clientY - d.y) * d.scale;
    const dx = (e.clientX - d.x) * d.scale;
    const level = Math.round(Math.min(lf.max, Math.max(lf.min, d.level - (dy / H) * (lf.max - lf.min))));
    const next = { ...this.values, [d.levelKey]: level };
    if (Math.abs(dx) > SIDEWAYS) {
      const per = (W - MINW) / Math.max(1, rf.max - rf.min); // px per rate unit
      next[d.rateKey] = Math.round(Math.min(rf.max, Math.max(rf.min, d.rate - dx / per)));
    }
    this.values = next;
  }

  drop() {
    const d = this.dragging;
    if (!d) return;
    this.dragging = null;
    // one undoable edit for the whole drag: from the values before it to those after
    const after = { [d.levelKey]: this.values[d.levelKey], [d.rateKey]: this.values[d.rateKey] };
    this.values = { ...this.values, [d.levelKey]: d.level, [d.rateKey]: d.rate };
    this.apply(after);
  }

  envelopeTable(env, vals, stored) {
    const row = (label, keys) => html`<tr><th>${label}</th>${keys.map((k) => html`<td>${this.input(this.field(k), vals[k], stored)}</td>`)}</tr>`;
    return html`<table class="envtable"><thead><tr><th></th>${env.rates.map((_, i) => html`<th>${i + 1}</th>`)}</tr></thead>
      <tbody>${row("rate", env.rates)}${row("level", env.levels)}${env.sustain_flags?.length ? row("sustain", env.sustain_flags) : nothing}</tbody></table>`;
  }

  // -- groups -------------------------------------------------------------------------------------
  groups() {
    const out = new Map();
    for (const f of this.data.fields) {
      if (!out.has(f.group_label)) out.set(f.group_label, { id: f.group, label: f.group_label, fields: [] });
      out.get(f.group_label).fields.push(f);
    }
    return [...out.values()];
  }

  group(g, vals, stored) {
    const envs = this.data.envelopes.filter((e) => e.form === "steps" && g.fields.some((f) => f.envelope === e.id));
    const inTable = new Set(envs.flatMap((e) => [...e.rates, ...e.levels, ...(e.sustain_flags ?? [])]));
    const plain = g.fields.filter((f) => !inTable.has(f.key));
    const locked = this.locks.has(g.id || g.label);
    return html`<fieldset class="edgroup" data-group=${g.label} ?disabled=${stored}>
      <legend>${g.label || "General"}
        <label class="check small lock" title="Randomize and mutate leave this group alone">
          <input type="checkbox" .checked=${locked} @change=${(e) => this.lock(g, e.target.checked)}> lock</label></legend>
      ${envs.map((env) => html`<div class="envelope">${this.graph(env, vals, stored)}${this.envelopeTable(env, vals, stored)}</div>`)}
      <div class="edfields">${plain.map((f) => html`<label class="edfield ${this.invalid[f.key] ? "bad" : ""}" title=${f.help || f.key}>
        <span>${f.label}${f.unit ? html` <small>${f.unit}</small>` : nothing}</span>${this.input(f, vals[f.key], stored)}</label>`)}</div>
      ${g.fields.filter((f) => this.invalid[f.key]).map((f) => html`<p class="error">${this.invalid[f.key]}</p>`)}
    </fieldset>`;
  }

  lock(g, on) {
    const next = new Set(this.locks);
    if (on) next.add(g.id || g.label);
    else next.delete(g.id || g.label);
    this.locks = next;
  }

  // -- saving, downloading, variations --------------------------------------------------------
  refused(err) {
    const d = err.detail;
    if (d && typeof d === "object" && d.key) this.invalid = { ...this.invalid, [d.key]: d.message };
    this.say(d && typeof d === "object" ? d.message : err.message, true);
  }

  async save(mode) {
    this.busy = true;
    try {
      const res = await api.post(`/api/patches/${this.patchId}/edit`, { values: this.changes(), mode });
      this.say(res.created
        ? `saved as patch ${res.id} (${res.changes.length} change${res.changes.length === 1 ? "" : "s"}${mode === "save-over" ? `; patch ${res.parent_id} is in the history` : ""})`
        : (res.notes ?? []).join("; ") || "nothing changed");
      this.dispatchEvent(new CustomEvent("patch-changed", { detail: res.id, bubbles: true }));
      if (res.id !== this.patchId) this.dispatchEvent(new CustomEvent("open-patch", { detail: res.id, bubbles: true }));
    } catch (err) {
      this.refused(err);
    } finally {
      this.busy = false;
    }
  }

  async downloadSyx() {
    try {
      await download(`/api/patches/${this.patchId}/edit`, `${this.data.name ?? "patch"}.syx`,
        { values: this.changes(), mode: "preview" });
    } catch (err) {
      this.refused(err);
    }
  }

  async vary(action) {
    const body = { action, values: this.changes(), locks: [...this.locks] };
    if (action === "mutate") body.amount = this.mutateAmount;
    if (action === "morph") {
      if (!this.morphWith) { this.say("pick a patch to morph with", true); return; }
      body.amount = this.morphAmount;
      body.other_id = this.morphWith;
    }
    this.busy = true;
    try {
      const res = await api.post(`/api/patches/${this.patchId}/variation`, body);
      this.apply(res.values);
    } catch (err) {
      this.refused(err);
    } finally {
      this.busy = false;
    }
  }

  async searchMorph(text) {
    const d = this.data;
    const seq = (this.morphSeq = (this.morphSeq ?? 0) + 1);
    const res = await api.get(`/api/patches${query({ q: text, device: d.device, kind: d.kind, limit: 20 })}`);
    if (seq !== this.morphSeq) return; // an older answer arriving late
    this.morphChoices = res.items.filter((p) => p.id !== this.patchId);
    if (!this.morphChoices.some((p) => p.id === this.morphWith)) this.morphWith = this.morphChoices[0]?.id ?? null;
  }

  close() { this.dispatchEvent(new CustomEvent("editor-close", { bubbles: true })); }

  diffList() {
    const stored = this.data.values;
    const keys = Object.keys(this.changes());
    if (!keys.length) return html`<p class="muted">No changes.</p>`;
    return html`<ul class="diff">${keys.map((k) => {
      const f = this.field(k);
      return html`<li data-key=${k}><b>${f.group_label ? `${f.group_label} · ` : ""}${f.label}</b>
        <span class="old">${shown(stored[k])}</span> → <span class="new">${shown(this.values[k])}</span></li>`;
    })}</ul>`;
  }

  render() {
    if (this.error) return html`<section class="editor"><button class="close" @click=${this.close}>×</button><p class="error">${this.error}</p></section>`;
    const d = this.data;
    if (!d || !this.values) return html`<section class="editor"><p class="muted">loading…</p></section>`;
    const stored = !!this.showStored;
    const vals = stored ? d.values : this.values;
    const n = Object.keys(this.changes()).length;
    return html`<section class="editor" aria-label="Editor">
      <button class="close" title="Close the editor" @click=${this.close}>×</button>
      <h2>Edit ${d.name ?? `patch ${d.id}`} <span class="meta">${d.device} · ${d.model ?? "any model"} · ${d.kind} · patch ${d.id}</span></h2>
      <div class="edbar">
        <button class="undo" ?disabled=${!this.undoStack.length} title="Ctrl-Z" @click=${() => this.undo()}>Undo</button>
        <button class="redo" ?disabled=${!this.redoStack.length} title="Ctrl-Shift-Z" @click=${() => this.redo()}>Redo</button>
        <span class="ab" role="group" aria-label="Compare">
          <button class=${stored ? "" : "on"} @click=${() => { this.showStored = false; }}>A: edit</button>
          <button class=${stored ? "on" : ""} @click=${() => { this.showStored = true; }}>B: stored</button>
        </span>
        <button class="primary save-new" ?disabled=${!n || this.busy} @click=${() => this.save("new-version")}>Save as new version</button>
        <button class="save-over" ?disabled=${!n || this.busy} title="The new version takes this one's place in banks; this one goes to the trash and stays in the history"
          @click=${() => this.save("save-over")}>Save over</button>
        <button class="download" @click=${() => this.downloadSyx()}>Download .syx</button>
        ${this.canAudition() ? html`<span class="audition" role="group" aria-label="Audition">
          <label title="Send the edited sound to the device's edit buffer after each change (never to a memory slot)">
            <input type="checkbox" class="audition-on" .checked=${this.auditionOn}
              @change=${(e) => this.toggleAudition(e.target.checked)}> Audition on</label>
          ${this.auditionOn ? html`<select class="audition-port" aria-label="Audition port" .value=${this.auditionPort}
              @change=${(e) => this.pickAuditionPort(e.target.value)}>
              <option value="" ?selected=${!this.auditionPort}>choose a port…</option>
              ${(this.auditionPorts ?? []).map((c) => html`<option value=${c.value} ?selected=${c.value === this.auditionPort}>${c.label}</option>`)}
            </select>
            <label class="test-note-pick" title="The test note's MIDI number (60 = middle C)">note
              <input type="number" class="test-note-number" min="0" max="127" step="1" .value=${String(this.testNote)}
                @change=${(e) => this.pickTestNote(e.target)}> <small>${noteName(this.testNote)}</small></label>
            <button class="test-note" title="Play the note (velocity 100, held 0.4 s) on the audition's channel, after the edits sent before it"
              @click=${() => this.playTestNote()}>Test note</button>
            <span class="muted audition-note">${this.auditionNote}</span>` : nothing}
        </span>` : NO_AUDITION[d.device] ? html`<span class="audition audition-off muted" role="note">${NO_AUDITION[d.device]}</span>` : nothing}
      </div>
      <div class="edbar variations">
        <button class="randomize" ?disabled=${this.busy} title="Every unlocked group drawn at random within its ranges" @click=${() => this.vary("randomize")}>Randomize</button>
        <label class="slider">Mutate <input type="range" min="0" max="1" step="0.05" .value=${String(this.mutateAmount)}
          @input=${(e) => { this.mutateAmount = Number(e.target.value); }}> ${Math.round(this.mutateAmount * 100)} %</label>
        <button class="mutate" ?disabled=${this.busy} @click=${() => this.vary("mutate")}>Mutate</button>
        <label>Morph with <input class="morph-search" placeholder="search ${d.device} ${d.kind}s" @input=${(e) => this.searchMorph(e.target.value)}
          @focus=${(e) => this.searchMorph(e.target.value)}></label>
        <select class="morph-with" aria-label="Morph with" .value=${String(this.morphWith ?? "")} @change=${(e) => { this.morphWith = Number(e.target.value) || null; }}>
          <option value="">patch…</option>
          ${this.morphChoices.map((p) => html`<option value=${p.id} ?selected=${p.id === this.morphWith}>${p.id}: ${p.name}</option>`)}
        </select>
        <label class="slider"><input type="range" min="0" max="1" step="0.05" .value=${String(this.morphAmount)}
          @input=${(e) => { this.morphAmount = Number(e.target.value); }}> ${Math.round(this.morphAmount * 100)} %</label>
        <button class="morph" ?disabled=${this.busy} @click=${() => this.vary("morph")}>Morph</button>
      </div>
      <div class="edbody">
        <div class="edgroups">${this.groups().map((g) => this.group(g, vals, stored))}</div>
        <aside class="edside"><h3>Changes (${n})</h3>${this.diffList()}
          ${d.envelopes.some((e) => e.form === "steps") ? html`<p class="hint">Drag an envelope point up or down for its level, sideways for its rate (wider = slower).</p>` : nothing}</aside>
      </div>
    </section>`;
  }
}
customElements.define("syx-editor", SyxEditor);
