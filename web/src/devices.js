// Devices: the server's MIDI ports (every backend, with what it carries) and live jobs on
// them — back up everything, fetch one object, send a bank or patches, listen for a dump
// started on the device's panel — with live progress (server-sent events) and cancel. The
// jobs run in the server on the same operations as the CLI (POST /api/jobs). "Use this
// browser's MIDI" offers the browser's own ports as the backend `browser` (webmidi.js).
import { LitElement, html, nothing } from "lit";
import { api } from "./api.js";
import { browserMidi } from "./webmidi.js";

function bytes(n) {
  return n == null ? "?" : n.toLocaleString("en");
}

function clock(seconds) {
  if (seconds == null) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

// The name a port is opened by: a JACK or ALSA port "client:port" by its client (so that its
// input and its output are one device), anything else (a path, hw:1,0) as it is listed.
export function portKey(p) {
  if (p.backend === "rawmidi" || p.backend === "serial" || p.backend === "browser") return p.name;
  const i = p.name.indexOf(":");
  return i > 0 ? p.name.slice(0, i) : p.name;
}

export class SyxDevices extends LitElement {
  static properties = {
    ports: { state: true },
    live: { state: true },
    banks: { state: true },
    choice: { state: true },
    job: { state: true },
    patches: { state: true },
    error: { state: true },
    midiStatus: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.ports = null;
    this.live = [];
    this.banks = [];
    this.choice = { device: "", model: "", port: "", what: "", bank: "", ids: "" };
    this.job = null;
    this.patches = [];
    this.source = null;
  }

  connectedCallback() {
    super.connectedCallback();
    // The switch stays as it was when the view is left and opened again.
    browserMidi.onchange = () => { this.midiStatus = `${browserMidi.status}|${browserMidi.error}`; };
    browserMidi.onports = () => this.load();
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.source?.close();
    browserMidi.onchange = () => {};
    browserMidi.onports = () => {};
  }

  toggleMidi(on) {
    if (on) browserMidi.enable();
    else {
      browserMidi.disable();
      this.load();
    }
  }

  midiSwitch() {
    return html`<p class="webmidi">
      <label><input type="checkbox" class="webmidi-on" .checked=${browserMidi.on} @change=${(e) => this.toggleMidi(e.target.checked)}>
        Use this browser's MIDI</label>
      <span class="webmidi-status">${browserMidi.on ? browserMidi.status : "(its ports become the backend “browser”; the browser asks your permission)"}</span>
      ${browserMidi.error ? html`<span class="error webmidi-error">${browserMidi.error}</span>` : nothing}</p>`;
  }

  async load() {
    try {
      const [ports, live, banks] = await Promise.all([
        api.get("/api/ports"), api.get("/api/live/devices"), api.get("/api/banks")]);
      this.ports = ports;
      this.live = live;
      this.banks = banks;
      const c = { ...this.choice };
      if (!c.device && live.length) c.device = live.find((d) => d.backup)?.id ?? live[0].id;
      const dev = live.find((d) => d.id === c.device);
      if (dev && !dev.models.includes(c.model)) c.model = dev.models[0] ?? "";
      const choices = this.portChoices();
      if (!choices.some((p) => p.value === c.port)) c.port = choices[0]?.value ?? "";
      this.choice = c;
      this.error = null;
    } catch (err) {
      this.error = err.message;
    }
  }

  portChoices() {
    const out = [];
    const seen = new Set();
    for (const b of this.ports ?? []) {
      if (!b.available) continue;
      for (const p of [...b.outputs, ...b.inputs]) {
        const key = portKey(p);
        const value = JSON.stringify({ backend: b.backend, port: key });
        if (seen.has(value)) continue;
        seen.add(value);
        out.push({ value, label: `${key} (${b.backend}: ${b.can_split_sysex ? "SysEx in pieces" : "whole messages only"})` });
      }
    }
    return out;
  }

  set(key, value) {
    const c = { ...this.choice, [key]: value };
    if (key === "device") {
      const dev = this.live.find((d) => d.id === value);
      c.model = dev?.models[0] ?? "";
      c.bank = "";
    }
    this.choice = c;
  }

  device() { return this.live.find((d) => d.id === this.choice.device); }

  async start(command) {
    const c = this.choice;
    if (!c.port) {
      this.error = "pick a port first (none is listed: is the device connected and its backend running?)";
      return;
    }
    const { backend, port } = JSON.parse(c.port);
    const body = { command, backend, port, device: c.device || null, model: c.model || null, options: {} };
    if (command === "request") body.what = c.what.trim();
    if (command === "send") {
      if (c.bank) body.bank = c.bank;
      body.patch_ids = c.ids.split(/[\s,]+/).filter(Boolean).map(Number);
    }
    this.error = null;
    this.patches = [];
    try {
      const { id } = await api.post("/api/jobs", body);
      this.follow(id);
    } catch (err) {
      this.error = err.message;
    }
  }

  follow(id) {
    this.source?.close();
    this.job = { id, state: "running", command: "", progress: {}, result: {} };
    const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
    this.source = source;
    source.onmessage = (e) => {
      this.job = JSON.parse(e.data);
      if (this.job.state !== "running") {
        source.close();
        this.finished();
      }
    };
    source.onerror = async () => {
      // The stream ends when the job is over; ask once for its final state.
      source.close();
      try {
        this.job = await api.get(`/api/jobs/${encodeURIComponent(id)}`);
        if (this.job.state === "running") setTimeout(() => this.follow(id), 500);
        else this.finished();
      } catch (err) {
        this.error = err.message;
      }
    };
  }

  async finished() {
    const ids = this.job?.result?.patch_ids ?? [];
    if (!ids.length) return;
    const want = new Set(ids);
    try {
      const res = await api.get(`/api/patches?tag=${encodeURIComponent(this.job.result.tags[0])}&limit=1000`);
      this.patches = res.items.filter((p) => want.has(p.id));
    } catch { /* the links are a convenience: the ids are shown anyway */ }
    this.dispatchEvent(new CustomEvent("patch-changed", { bubbles: true }));
  }

  async cancel() {
    if (!this.job) return;
    try {
      await api.del(`/api/jobs/${encodeURIComponent(this.job.id)}`);
    } catch (err) {
      this.error = err.message;
    }
  }

  open(id) { this.dispatchEvent(new CustomEvent("open-patch", { detail: id, bubbles: true })); }

  portsList() {
    if (!this.ports) return html`<p class="empty">Looking for MIDI ports…</p>`;
    return html`<section class="ports">${this.ports.map((b) => html`
      <div class="backend" data-backend=${b.backend}>
        <h3>${b.backend} <small>${b.title}</small></h3>
        ${b.available ? html`<p class="carries">${b.can_split_sysex ? "SysEx in pieces" : "whole messages only"}${b.reason && !b.reason.startsWith("whole messages only") ? html` — ${b.reason}` : nothing}${b.reason && b.reason.startsWith("whole messages only") ? b.reason.slice("whole messages only".length) : nothing}</p>
          <ul>${[...b.inputs, ...b.outputs].map((p) => html`<li>${p.direction} ${p.index}: ${p.name}</li>`)}
          ${!b.inputs.length && !b.outputs.length ? html`<li class="empty">no ports</li>` : nothing}</ul>`
          : html`<p class="unavailable">unavailable: ${b.reason}</p>`}
      </div>`)}</section>`;
  }

  progressView() {
    const j = this.job;
    if (!j) return nothing;
    const p = j.progress ?? {};
    const running = j.state === "running";
    return html`<section class="job" data-state=${j.state}>
      <h3>Job ${j.id}: ${j.command} — <span class="state">${j.state}</span></h3>
      <progress class="jobprogress" max=${p.bytes_expected || 1} value=${j.state === "done" ? (p.bytes_expected || 1) : (p.bytes_expected ? p.bytes : nothing)}></progress>
      <p class="figures">${bytes(p.bytes)} / ${bytes(p.bytes_expected)} bytes · ${p.objects ?? 0} / ${p.objects_expected ?? "?"} objects · ${clock(p.seconds)}${running ? html` · ${clock(p.eta)} left` : nothing}${running && p.step ? html` · ${p.step}` : nothing}</p>
      ${running ? html`<button class="cancel" @click=${this.cancel}>Cancel</button>` : nothing}
      ${j.error ? html`<p class="error">${j.error}</p>` : nothing}
      ${j.recovery_file ? html`<p>What arrived is kept: <a class="recovery" href=${`/api/jobs/${encodeURIComponent(j.id)}/recovery`}>recovery file</a> (${j.recovery_file})</p>` : nothing}
      ${(j.notes ?? []).map((n) => html`<p class="note">${n}</p>`)}
      ${j.state === "done" ? this.resultView(j) : nothing}
    </section>`;
  }

  resultView(j) {
    const r = j.result ?? {};
    const ids = r.patch_ids ?? [];
    return html`<div class="result">
      ${ids.length ? html`<p>${ids.length} patch(es) in the library, tagged ${(r.tags ?? []).join(", ")}:</p>
        <ul class="patches">${(this.patches.length ? this.patches : ids.map((id) => ({ id, name: `#${id}` }))).map((p) => html`
          <li><a href="#" data-id=${p.id} @click=${(e) => { e.preventDefault(); this.open(p.id); }}>${p.name}</a></li>`)}</ul>` : nothing}
      ${(r.destinations ?? []).length ? html`<p>Stored to:</p><ul>${r.destinations.map((d) => html`<li>${d.kind}${d.name ? ` '${d.name}'` : ""} → ${d.store ?? d.slot ?? "?"}</li>`)}</ul>` : nothing}
      ${r.verify ? html`<p>${r.verify}</p>` : nothing}
      ${(r.files ?? []).length ? html`<p class="files">Files in ${j.folder}</p>` : nothing}
    </div>`;
  }

  render() {
    const c = this.choice;
    const dev = this.device();
    const running = this.job?.state === "running";
    const banks = this.banks.filter((b) => b.device === c.device);
    return html`<div class="devices">
      <h2>Devices <button @click=${this.load}>Look again</button></h2>
      ${this.midiSwitch()}
      <form class="job" @submit=${(e) => e.preventDefault()}>
        <label>Device <select name="device" @change=${(e) => this.set("device", e.target.value)}>
          ${this.live.map((d) => html`<option value=${d.id} ?selected=${d.id === c.device}>${d.title}</option>`)}</select></label>
        <label>Model <select name="model" @change=${(e) => this.set("model", e.target.value)}>
          ${(dev?.models ?? []).map((m) => html`<option value=${m} ?selected=${m === c.model}>${m}</option>`)}</select></label>
        <label>Port <select name="port" @change=${(e) => this.set("port", e.target.value)}>
          ${this.portChoices().map((p) => html`<option value=${p.value} ?selected=${p.value === c.port}>${p.label}</option>`)}</select></label>
        <div class="actions">
          <button class="primary backup" ?disabled=${running || !dev?.backup} @click=${() => this.start("backup")}>Back up everything</button>
          <span class="fetch">
            <input name="what" list="request-names" placeholder="what, e.g. ${dev?.request_names?.[0]?.[0] ?? ""}" .value=${c.what}
              @input=${(e) => this.set("what", e.target.value)}>
            <datalist id="request-names">${(dev?.request_names ?? []).map(([pat, meaning]) => html`<option value=${pat}>${meaning}</option>`)}</datalist>
            <button class="request" ?disabled=${running || !dev?.request || !c.what.trim()} @click=${() => this.start("request")}>Fetch one</button>
          </span>
          <span class="send">
            <select name="bank" @change=${(e) => this.set("bank", e.target.value)}>
              <option value="">(patch ids)</option>
              ${banks.map((b) => html`<option value=${b.name} ?selected=${b.name === c.bank}>${b.name}</option>`)}</select>
            <input name="ids" placeholder="patch ids" .value=${c.ids} ?hidden=${!!c.bank} @input=${(e) => this.set("ids", e.target.value)}>
            <button class="sendbtn" ?disabled=${running || !dev?.send || (!c.bank && !c.ids.trim())} @click=${() => this.start("send")}>Send</button>
          </span>
          <button class="listen" ?disabled=${running} @click=${() => this.start("receive")}>Listen</button>
        </div>
        ${dev?.request_names?.length ? html`<details><summary>What can be fetched</summary><dl>${dev.request_names.map(([pat, meaning]) => html`<dt>${pat}</dt><dd>${meaning}</dd>`)}</dl></details>` : nothing}
      </form>
      ${this.error ? html`<p class="error">${this.error}</p>` : nothing}
      ${this.progressView()}
      <h3>Ports</h3>
      ${this.portsList()}
    </div>`;
  }
}
customElements.define("syx-devices", SyxDevices);
