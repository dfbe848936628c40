// Duplicates: one sound under several names, and one name used by several sounds.
import { LitElement, html, nothing } from "lit";
import { api } from "./api.js";

export class SyxDupes extends LitElement {
  static properties = {
    mode: { state: true },
    groups: { state: true },
    error: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.mode = "names";
    this.groups = null;
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    this.groups = null;
    try {
      const res = await api.get(`/api/duplicates/${this.mode}`);
      this.groups = res.items;
      this.total = res.total;
      this.error = null;
    } catch (err) {
      this.error = err.message;
    }
  }

  show(mode) {
    this.mode = mode;
    this.load();
  }

  open(id) { this.dispatchEvent(new CustomEvent("open-patch", { detail: id, bubbles: true })); }

  render() {
    return html`
      <div class="tabs">
        <button class=${this.mode === "names" ? "on" : ""} @click=${() => this.show("names")}>Same sound, other names</button>
        <button class=${this.mode === "sounds" ? "on" : ""} @click=${() => this.show("sounds")}>Same name, other sounds</button>
      </div>
      ${this.error ? html`<p class="error">${this.error}</p>` : nothing}
      ${this.groups === null ? html`<p class="muted">loading…</p>`
        : !this.groups.length ? html`<p class="empty">No duplicates of this kind.</p>`
        : html`<p class="meta">${this.total} group${this.total === 1 ? "" : "s"}</p>
          <ul class="groups">${this.groups.map((g) => this.mode === "names" ? this.sameSound(g) : this.sameName(g))}</ul>`}`;
  }

  // One patch (one sound) that files call by several names.
  sameSound(g) {
    return html`<li>
      <h3><a href="#" @click=${(e) => { e.preventDefault(); this.open(g.id); }}>${g.name}</a></h3>
      <span class="meta">${g.device} ${g.kind} · patch ${g.id}</span>
      <ul>${(g.names ?? []).map((n) => html`<li>${typeof n === "string" ? n : n.name}</li>`)}</ul>
    </li>`;
  }

  // One name used for several different sounds.
  sameName(g) {
    return html`<li>
      <h3>${g.name}</h3><span class="meta">${g.device} ${g.kind}</span>
      <ul>${(g.patches ?? []).map((p) => html`<li><a href="#" @click=${(e) => { e.preventDefault(); this.open(p.id); }}>patch ${p.id}</a>
        <span class="muted">${p.name}${p.model ? ` · ${p.model}` : ""}</span></li>`)}</ul>
    </li>`;
  }
}
customElements.define("syx-dupes", SyxDupes);
