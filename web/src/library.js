// The patch list: search as you type, filters, sort, pages of rows from the server (fast at
// 120,000 patches because only one page is ever in the page), multi-select, bulk actions, and
// rows that can be dragged into a bank's slots.
import { LitElement, html, nothing } from "lit";
import Sortable from "sortablejs";
import { api, download, query } from "./api.js";
import { player, stateOf, toggle } from "./player.js";

const PAGE = 100;

// "CZ-101/1000/3000/5000/230S": the models a patch fits, with the maker's prefix said once.
export function modelFamily(p) {
  const models = p.models?.length ? p.models : p.model ? [p.model] : [];
  if (models.length < 2) return models[0] ?? "";
  const prefix = /^[A-Za-z]+-/.exec(models[0])?.[0] ?? "";
  if (!prefix || !models.every((m) => m.startsWith(prefix))) return models.join(", ");
  return prefix + models.map((m) => m.slice(prefix.length)).join("/");
}

export class SyxLibrary extends LitElement {
  static properties = {
    devices: { attribute: false },
    compact: { type: Boolean },
    bank: { attribute: false }, // the bank open beside the list, if any
    items: { state: true },
    total: { state: true },
    estimate: { state: true },
    offset: { state: true },
    filters: { state: true },
    tags: { state: true },
    selected: { state: true },
    busy: { state: true },
  };

  constructor() {
    super();
    this.devices = [];
    this.items = [];
    this.total = 0;
    this.estimate = false;
    this.offset = 0;
    this.filters = { q: "", device: "", kind: "", tag: "", favourite: false, sort: "name" };
    this.tags = [];
    this.selected = new Set();
    this.anchor = null;
    this.busy = false;
    this.seq = 0;
  }

  createRenderRoot() { return this; } // light DOM: one style sheet for the whole page

  connectedCallback() {
    super.connectedCallback();
    this.onPlayer = () => this.requestUpdate();
    player.addEventListener("change", this.onPlayer);
    this.reload({ tags: true });
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    player.removeEventListener("change", this.onPlayer);
  }

  // Space: play (or stop) the selected row last clicked, else the first selected one that
  // can be rendered. False when there is none (the key then does what it usually does).
  playSelected() {
    const last = this.anchor !== null ? this.items[this.anchor] : null;
    const item = last && this.selected.has(last.id) && last.renderable
      ? last : this.items.find((p) => this.selected.has(p.id) && p.renderable);
    if (!item) return false;
    toggle(item.id);
    return true;
  }

  playButton(p) {
    if (!p.renderable) return nothing;
    const state = stateOf(p.id);
    return html`<button class="play ${state}" title=${state === "idle" ? "Play a preview (Space)" : "Stop"}
        aria-label=${state === "idle" ? `Play ${p.name ?? "patch"}` : `Stop ${p.name ?? "patch"}`}
        @click=${(e) => { e.stopPropagation(); toggle(p.id); }} @dblclick=${(e) => e.stopPropagation()}
      >${state === "idle" ? "▶" : "■"}</button>${state === "loading" ? html`<span class="rendering">rendering…</span>` : nothing}`;
  }

  firstUpdated() {
    // Rows are copied (never moved) into a bank; the bank's own Sortable takes them.
    this.sortable = Sortable.create(this.querySelector("tbody"), {
      group: { name: "patches", pull: "clone", put: false },
      sort: false,
      draggable: "tr[data-id]",
      // a row's ▶ is a handle too (it fills the row's left edge, where a hand grabs a row);
      // a click on it still plays
      filter: "input,a",
      preventOnFilter: false,
      onStart: (e) => {
        const id = Number(e.item.dataset.id);
        // Dragging a selected row carries the whole selection.
        e.item.dataset.ids = this.selected.has(id) ? [...this.selected].join(",") : String(id);
      },
    });
  }

  // tags: also refresh the tag filter's list (after an import or a tag edit; not on every
  // keystroke of a search, where it would cost a query per letter for nothing)
  async reload({ keepOffset = false, tags = false } = {}) {
    const seq = ++this.seq;
    if (!keepOffset) this.offset = 0;
    const f = this.filters;
    this.busy = true;
    try {
      const res = await api.get(`/api/patches${query({
        q: f.q, device: f.device, kind: f.kind, tag: f.tag, favourite: f.favourite ? "true" : "",
        sort: f.sort, limit: PAGE, offset: this.offset,
      })}`);
      if (seq !== this.seq) return; // a newer search has started: drop this answer
      this.items = res.items;
      this.total = res.total;
      // a search stops counting at 10,000 matches: "10,000+" and Next stays on
      this.estimate = Boolean(res.total_is_estimate);
      this.error = null;
    } catch (err) {
      if (seq === this.seq) this.error = err.message;
    } finally {
      if (seq === this.seq) this.busy = false;
    }
    if (tags) this.loadTags();
  }

  async loadTags() {
    const seq = (this.tagsSeq = (this.tagsSeq ?? 0) + 1);
    try {
      const res = await api.get("/api/tags");
      if (seq === this.tagsSeq) this.tags = res; // only the latest answer (they can cross)
    } catch { /* the list still works without the tag filter */ }
  }

  setFilter(key, value) {
    this.filters = { ...this.filters, [key]: value };
    this.reload();
  }

  page(delta) {
    const next = this.offset + delta * PAGE;
    if (next < 0 || (next >= this.total && !this.estimate)) return;
    this.offset = next;
    this.reload({ keepOffset: true });
  }

  focusSearch() { this.querySelector("#search")?.focus(); }

  clearSelection() {
    this.selected = new Set();
    this.anchor = null;
  }

  clickRow(e, item, index) {
    const sel = new Set(this.selected);
    if (e.shiftKey && this.anchor !== null) {
      const [a, b] = [Math.min(this.anchor, index), Math.max(this.anchor, index)];
      for (let i = a; i <= b; i++) sel.add(this.items[i].id);
    } else if (e.ctrlKey || e.metaKey) {
      sel.has(item.id) ? sel.delete(item.id) : sel.add(item.id);
      this.anchor = index;
    } else {
      sel.clear();
      sel.add(item.id);
      this.anchor = index;
      // Beside a bank a click only selects (the patch view would cover the bank): double-click opens.
      if (!this.compact) this.open(item.id);
    }
    this.selected = sel;
  }

  open(id) { this.dispatchEvent(new CustomEvent("open-patch", { detail: id, bubbles: true })); }

  async bulk(action, extra = {}) {
    const ids = [...this.selected];
    if (!ids.length) return;
    try {
      const res = await api.post("/api/patches/bulk", { ids, action, ...extra });
      const done = res.ids?.length ?? ids.length;
      const words = { tag: "tagged", untag: "untagged", favourite: "marked as favourite", unfavourite: "unmarked",
        remove: "moved to the trash", restore: "restored" };
      this.say(`${words[action] ?? action}: ${done} patch${done === 1 ? "" : "es"}`);
      if (action === "remove") this.clearSelection();
      this.reload({ keepOffset: true, tags: action === "tag" || action === "untag" || action === "remove" || action === "restore" });
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async tagSelection(remove = false) {
    const text = prompt(remove ? "Remove which tag?" : "Add which tag?");
    if (!text || !text.trim()) return;
    this.bulk(remove ? "untag" : "tag", { tags: [text.trim()] });
  }

  async exportSelection(format) {
    const ids = [...this.selected];
    try {
      await download("/api/export", `patches.${format}`, { ids, format });
    } catch (err) {
      this.say(err.message, true);
    }
  }

  addSelectionToBank() {
    this.dispatchEvent(new CustomEvent("add-to-bank", { detail: [...this.selected], bubbles: true }));
  }

  say(text, error = false) {
    this.dispatchEvent(new CustomEvent("say", { detail: { text, error }, bubbles: true }));
  }

  kinds() {
    const dev = this.devices.find((d) => d.id === this.filters.device);
    const all = dev ? dev.kinds : this.devices.flatMap((d) => d.kinds);
    return [...new Set(all ?? [])].sort();
  }

  render() {
    const f = this.filters;
    const n = this.selected.size;
    const last = Math.min(this.offset + PAGE, this.total);
    return html`
      <div class="toolbar">
        <input id="search" type="search" placeholder="Search names, tags, notes  ( / )"
          aria-label="Search" .value=${f.q}
          @input=${(e) => this.setFilter("q", e.target.value)}>
        <select aria-label="Device" @change=${(e) => this.setFilter("device", e.target.value)}>
          <option value="">all devices</option>
          ${this.devices.map((d) => html`<option value=${d.id} ?selected=${f.device === d.id}>${d.title ?? d.id}</option>`)}
        </select>
        <select aria-label="Kind" @change=${(e) => this.setFilter("kind", e.target.value)}>
          <option value="">all kinds</option>
          ${this.kinds().map((k) => html`<option value=${k} ?selected=${f.kind === k}>${k}</option>`)}
        </select>
        <select aria-label="Tag" @change=${(e) => this.setFilter("tag", e.target.value)}>
          <option value="">all tags</option>
          ${this.tags.map((t) => html`<option value=${t.name} ?selected=${f.tag === t.name}>${t.name} (${t.count})</option>`)}
        </select>
        <label class="check"><input type="checkbox" .checked=${f.favourite}
          @change=${(e) => this.setFilter("favourite", e.target.checked)}> ★ only</label>
        <select aria-label="Sort" @change=${(e) => this.setFilter("sort", e.target.value)}>
          ${[["name", "name"], ["device", "device"], ["model", "model"], ["kind", "kind"], ["-seen", "most seen"], ["-favourite", "favourites first"], ["-id", "newest"]].map(
            ([v, label]) => html`<option value=${v} ?selected=${f.sort === v}>sort: ${label}</option>`)}
        </select>
      </div>
      <div class="bulkbar ${n ? "" : "idle"}">
        ${n ? html`
          <span class="count">${n} selected</span>
          ${this.bank ? html`<button @click=${this.addSelectionToBank}>Add to bank “${this.bank.name}”</button>` : nothing}
          <button @click=${() => this.tagSelection()}>Tag…</button>
          <button @click=${() => this.tagSelection(true)}>Untag…</button>
          <button @click=${() => this.bulk("favourite")}>★ Favourite</button>
          <button @click=${() => this.bulk("unfavourite")}>☆ Unfavourite</button>
          <button @click=${() => this.exportSelection("syx")}>Export .syx</button>
          <button @click=${() => this.exportSelection("zip")}>Export .zip</button>
          <button class="danger" @click=${() => this.bulk("remove")}>Remove (Del)</button>
          <button class="plain" @click=${() => this.clearSelection()}>Clear (Esc)</button>`
        : html`<span class="hint">${this.compact ? "Click to select, Ctrl/Shift-click for several, double-click to open · drag rows into the bank's slots"
          : "Click a row to open it · Ctrl/Shift-click to select several · drag rows into a bank"}</span>`}
      </div>
      ${this.error ? html`<p class="error">${this.error}</p>` : nothing}
      <div class="tablewrap">
        <table class="patches ${this.busy ? "busy" : ""}">
          <thead><tr>
            <th class="play" title="preview"></th><th>name</th><th>device</th>${this.compact ? nothing : html`<th>model</th>`}<th>kind</th>
            ${this.compact ? nothing : html`<th>tags</th>`}<th title="favourite">★</th><th title="seen in N files">files</th>
          </tr></thead>
          <tbody>
            ${this.items.map((p, i) => html`
              <tr data-id=${p.id} class=${this.selected.has(p.id) ? "selected" : ""}
                  @click=${(e) => this.clickRow(e, p, i)} @dblclick=${() => this.open(p.id)}>
                <td class="play">${this.playButton(p)}</td>
                <td class="name">${p.name ?? html`<span class="muted">(no name)</span>`}</td>
                <td class="device">${p.device}</td>
                ${this.compact ? nothing : html`<td title=${(p.models ?? []).join(", ")}>${modelFamily(p)}</td>`}
                <td>${p.kind}</td>
                ${this.compact ? nothing : html`<td>${(p.tags ?? []).map((t) => html`<span class="tag">${t}</span>`)}</td>`}
                <td>${p.favourite ? "★" : ""}</td>
                <td class="num">${p.seen ?? ""}</td>
              </tr>`)}
          </tbody>
        </table>
        ${!this.items.length && !this.busy ? html`<p class="empty">${this.total === 0 && !f.q && !f.device && !f.kind && !f.tag && !f.favourite
          ? "The library is empty: drop SysEx files, folders or zips anywhere on this page."
          : "Nothing matches."}</p>` : nothing}
      </div>
      <div class="pager">
        <button ?disabled=${this.offset === 0} @click=${() => this.page(-1)}>‹ Prev</button>
        <span>${this.total ? `${(this.offset + 1).toLocaleString()}–${last.toLocaleString()} of ${this.total.toLocaleString()}${this.estimate ? "+" : ""}` : "0 patches"}</span>
        <button ?disabled=${last >= this.total && !this.estimate} @click=${() => this.page(1)}>Next ›</button>
      </div>`;
  }
}
customElements.define("syx-library", SyxLibrary);
