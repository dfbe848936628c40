// The syxkit web librarian: the root element ties the views together (library list, patch
// view, banks, duplicates), handles drops anywhere on the page and the keyboard.
import { LitElement, html, nothing } from "lit";
import { api, upload } from "./api.js";
import "./bank.js";
import "./devices.js";
import "./dupes.js";
import { droppedFiles, summarise } from "./importer.js";
import "./library.js";
import "./patch.js";
import { stop as stopPreview } from "./player.js";

class SyxApp extends LitElement {
  static properties = {
    view: { state: true },
    devices: { state: true },
    banks: { state: true },
    bankName: { state: true },
    patchId: { state: true },
    dragging: { state: true },
    progress: { state: true },
    imported: { state: true },
    messages: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.view = "library";
    this.devices = [];
    this.banks = [];
    this.messages = [];
    this.dragDepth = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this.loadDevices();
    this.loadBanks();
    window.addEventListener("dragenter", (e) => this.dragEnter(e));
    window.addEventListener("dragleave", () => this.dragLeave());
    window.addEventListener("dragover", (e) => { if (this.isFileDrag(e)) e.preventDefault(); });
    window.addEventListener("drop", (e) => this.drop(e));
    window.addEventListener("keydown", (e) => this.key(e));
    this.addEventListener("say", (e) => this.say(e.detail.text, e.detail.error));
    this.addEventListener("open-patch", (e) => { this.patchId = e.detail; });
    this.addEventListener("close", () => { this.patchId = null; });
    this.addEventListener("patch-changed", () => this.library()?.reload({ keepOffset: true, tags: true }));
    this.addEventListener("add-to-bank", (e) => this.querySelector("syx-bank")?.addIds(e.detail));
    this.addEventListener("bank-deleted", () => { this.bankName = null; this.loadBanks(); });
    this.addEventListener("bank-changed", () => this.loadBanks());
  }

  library() { return this.querySelector("syx-library"); }

  // Answers can arrive out of order (the first /api/devices of a page load is the slowest:
  // it loads the drivers): only the answer to the latest request is kept.
  async loadDevices() {
    const seq = (this.devicesSeq = (this.devicesSeq ?? 0) + 1);
    try {
      const res = await api.get("/api/devices");
      if (seq === this.devicesSeq) this.devices = res.devices ?? res;
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async loadBanks() {
    const seq = (this.banksSeq = (this.banksSeq ?? 0) + 1);
    try {
      const res = await api.get("/api/banks");
      if (seq === this.banksSeq) this.banks = res.banks ?? res;
    } catch (err) {
      this.say(err.message, true);
    }
  }

  say(text, error = false) {
    const msg = { text, error, id: Math.random() };
    this.messages = [...this.messages.slice(-3), msg];
    setTimeout(() => { this.messages = this.messages.filter((m) => m !== msg); }, error ? 12_000 : 5_000);
  }

  isFileDrag(e) { return [...(e.dataTransfer?.types ?? [])].includes("Files"); }

  dragEnter(e) {
    if (!this.isFileDrag(e)) return;
    this.dragDepth += 1;
    this.dragging = true;
  }

  dragLeave() {
    this.dragDepth = Math.max(0, this.dragDepth - 1);
    if (!this.dragDepth) this.dragging = false;
  }

  async drop(e) {
    if (!this.isFileDrag(e)) return;
    e.preventDefault();
    this.dragDepth = 0;
    this.dragging = false;
    const files = await droppedFiles(e.dataTransfer);
    this.importFiles(files);
  }

  pick(e) {
    const files = [...e.target.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
    e.target.value = "";
    this.importFiles(files);
  }

  async importFiles(files) {
    if (!files.length) return;
    this.progress = { done: 0, total: files.reduce((n, f) => n + f.file.size, 0), files: files.length };
    try {
      const result = await upload(files, (done, total) => { this.progress = { ...this.progress, done, total }; });
      this.imported = result;
      const s = summarise(result);
      this.say(`imported ${s.files} file(s): ${s.added} new, ${s.existing} already in the library${s.problems ? `, ${s.problems} with problems` : ""}`);
      this.library()?.reload({ tags: true });
      this.loadDevices(); // the kinds in the library may have grown
    } catch (err) {
      this.say(`import failed: ${err.message}`, true);
    } finally {
      this.progress = null;
    }
  }

  async openAsBank(file) {
    const stem = file.name.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "") || "bank";
    let name = stem;
    for (let i = 2; this.banks.some((b) => b.name === name); i++) name = `${stem} ${i}`;
    try {
      await api.post("/api/banks", { name, device: file.bank.device, model: file.bank.model ?? null, ids: file.bank.ids });
      await this.loadBanks();
      this.bankName = name;
      this.view = "banks";
      this.imported = null;
      this.say(`opened ${file.name} as bank “${name}”`);
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async createBank(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = { name: form.get("name"), device: form.get("device"), model: form.get("model") || null };
    try {
      await api.post("/api/banks", body);
      await this.loadBanks();
      this.bankName = body.name;
      e.target.reset();
    } catch (err) {
      this.say(err.message, true);
    }
  }

  key(e) {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
    if (e.key === "/" && !typing) {
      e.preventDefault();
      if (this.view === "dupes") this.view = "library";
      this.updateComplete.then(() => this.library()?.focusSearch());
    } else if (e.key === "Escape") {
      if (typing) document.activeElement.blur();
      this.library()?.clearSelection();
      this.imported = null;
      stopPreview();
    } else if (e.key === "Delete" && !typing) {
      this.library()?.bulk("remove");
    } else if (e.key === " " && !typing && !e.repeat
      && !["BUTTON", "A"].includes(document.activeElement?.tagName)) {
      // Space plays the selected row (a focused button or link keeps its own Space)
      if (this.library()?.playSelected()) e.preventDefault();
    }
  }

  importResult() {
    const r = this.imported;
    if (!r) return nothing;
    const s = summarise(r);
    return html`<section class="imported" aria-label="Import result">
      <button class="close" title="Close" @click=${() => { this.imported = null; }}>×</button>
      <h2>Imported ${s.files} file(s): ${s.added} new, ${s.existing} already in the library</h2>
      <ul>${(r.files ?? []).map((f) => this.importedFile(f))}</ul>
    </section>`;
  }

  importedFile(f) {
    const known = (f.patches ?? []).filter((p) => p.status === "in-library");
    const problem = (p) => (typeof p === "string" ? p : `${p.offset !== undefined && p.offset !== null ? `offset ${p.offset}: ` : ""}${p.text ?? p.message ?? JSON.stringify(p)}`);
    return html`<li class=${f.error ? "bad" : ""}>
      <span class="path">${f.name}</span>${f.error ? html`: <span class="error">${f.error}</span>` : html`:
        <span>${f.objects ?? 0} sound${f.objects === 1 ? "" : "s"}, ${f.new ?? 0} new</span>
        ${known.length ? html`<span>, ${known.length} already in the library:
          ${known.map((p) => html`<a href="#" class="known" title=${p.name_in_file && p.name_in_file !== p.name ? `called “${p.name_in_file}” in this file` : ""}
            @click=${(e) => { e.preventDefault(); this.patchId = p.id; }}>${p.name ?? `patch ${p.id}`}${p.name_in_file && p.name_in_file !== p.name ? ` (here: ${p.name_in_file})` : ""}</a>`)}</span>` : nothing}
        ${f.status && f.status !== "imported" && !(f.objects) ? html`<span class="muted"> · ${f.status}</span>` : nothing}
        ${f.bank ? html` <button class="small" @click=${() => this.openAsBank(f)}>Open as bank (${f.bank.ids.length})</button>` : nothing}
        ${(f.problems ?? []).length ? html`<ul class="problems">${f.problems.map((p) => html`<li>${problem(p)}</li>`)}</ul>` : nothing}
        ${(f.notes ?? []).length ? html`<ul class="notes">${f.notes.map((n) => html`<li>${n}</li>`)}</ul>` : nothing}`}
    </li>`;
  }

  banksPane() {
    const devs = this.devices;
    return html`<div class="bankpane">
      <div class="banklist">
        <h2>Banks</h2>
        <ul>${this.banks.map((b) => html`<li class=${b.name === this.bankName ? "on" : ""}>
          <a href="#" @click=${(e) => { e.preventDefault(); this.bankName = b.name; }}>${b.name}</a>
          <span class="muted">${b.device}${b.model ? ` ${b.model}` : ""} · ${b.size}${b.capacity ? ` of ${b.capacity}` : ""}</span></li>`)}</ul>
        <form class="newbank" @submit=${this.createBank}>
          <input name="name" required placeholder="new bank name" aria-label="New bank name">
          <select name="device" required aria-label="Device" @change=${(e) => { this.newDevice = e.target.value; this.requestUpdate(); }}>
            <option value="">device…</option>
            ${devs.map((d) => html`<option value=${d.id}>${d.title ?? d.id}</option>`)}
          </select>
          <select name="model" aria-label="Model">
            <option value="">model…</option>
            ${(devs.find((d) => d.id === this.newDevice)?.models ?? []).map((m) => html`<option value=${m}>${m}</option>`)}
          </select>
          <button>Create</button>
        </form>
      </div>
      ${this.bankName ? html`<syx-bank .name=${this.bankName} .devices=${devs} .banks=${this.banks}></syx-bank>`
        : html`<p class="empty">Pick a bank or create one, then drag patches from the list into its slots.</p>`}
    </div>`;
  }

  render() {
    const bankOpen = this.view === "banks" && this.bankName
      ? this.banks.find((b) => b.name === this.bankName) : null;
    return html`
      <header>
        <h1>syxkit</h1>
        <nav>
          ${[["library", "Library"], ["banks", "Banks"], ["dupes", "Duplicates"], ["devices", "Devices"]].map(([v, label]) => html`
            <button class=${this.view === v ? "on" : ""} @click=${() => { this.view = v; }}>${label}</button>`)}
        </nav>
        <label class="button primary">Import files…<input type="file" multiple hidden @change=${this.pick}></label>
        <label class="button">Import folder…<input type="file" webkitdirectory hidden @change=${this.pick}></label>
      </header>
      ${this.progress ? html`<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=${this.progress.total} aria-valuenow=${this.progress.done}>
        <span>uploading ${this.progress.files} file(s): ${Math.round((100 * this.progress.done) / Math.max(1, this.progress.total))} %</span>
        <progress max=${this.progress.total} .value=${this.progress.done}></progress></div>` : nothing}
      ${this.importResult()}
      <main class="view-${this.view} ${this.patchId ? "with-patch" : ""}">
        ${this.view === "devices" ? html`<syx-devices></syx-devices>`
          : this.view === "dupes" ? html`<syx-dupes></syx-dupes>`
          : html`<syx-library .devices=${this.devices} ?compact=${this.view === "banks"} .bank=${bankOpen}></syx-library>`}
        ${this.view === "banks" ? this.banksPane() : nothing}
        ${this.patchId ? html`<syx-patch .patchId=${this.patchId} .devices=${this.devices}></syx-patch>` : nothing}
      </main>
      ${this.dragging ? html`<div class="dropzone"><p>Drop SysEx files, folders or zips to import them</p></div>` : nothing}
      <div class="messages" aria-live="polite">${this.messages.map((m) => html`<p class=${m.error ? "error" : ""}>${m.text}</p>`)}</div>`;
  }
}
customElements.define("syx-app", SyxApp);
