// A user bank: the slots as the device will number them, filled by dragging rows from the
// library, reordered or swapped by dragging slots, renamed in place with the device's rules,
// checked before download and downloaded in the device's own format.
import { LitElement, html, nothing } from "lit";
import Sortable, { Swap } from "sortablejs";
import { api, bankPath, download } from "./api.js";
import { nameProblem, nameRule } from "./names.js";

Sortable.mount(new Swap());

export class SyxBank extends LitElement {
  static properties = {
    name: { type: String },
    devices: { attribute: false },
    banks: { attribute: false },
    bank: { state: true },
    check: { state: true },
    editing: { state: true },
    draft: { state: true },
    swap: { state: true },
    error: { state: true },
  };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.devices = [];
    this.banks = [];
    this.swap = false;
    this.editing = null;
  }

  updated(changed) {
    if (changed.has("name") && this.name) this.load();
    const list = this.querySelector("ol.slots");
    if (list && list !== this.sortableList) {
      this.sortable?.destroy();
      this.sortableList = list;
      this.sortable = Sortable.create(list, {
        group: { name: "patches", pull: false, put: true },
        draggable: "li.slot",
        filter: "input,button",
        preventOnFilter: false,
        swap: this.swap,
        swapClass: "swap-target",
        onAdd: (e) => this.dropped(e),
        onUpdate: (e) => this.moved(e),
      });
    }
    if (changed.has("swap") && this.sortable) this.sortable.option("swap", this.swap);
  }

  say(text, error = false) {
    this.dispatchEvent(new CustomEvent("say", { detail: { text, error }, bubbles: true }));
  }

  async load() {
    try {
      this.bank = await api.get(bankPath(this.name));
      this.error = null;
      this.runCheck();
    } catch (err) {
      this.bank = null;
      this.error = err.message;
    }
  }

  async runCheck() {
    try {
      this.check = await api.get(bankPath(this.name, "/check"));
    } catch (err) {
      this.check = { ok: false, reasons: [err.message] };
    }
  }

  // Sortable moved DOM nodes that lit owns: put them back, then let the server's answer
  // re-render the bank.
  restore(e) {
    if (e.clone && e.from !== e.to) {
      e.item.remove();
      e.clone.replaceWith(e.item);
    } else if (e.from === e.to) {
      const ref = e.from.children[e.oldIndex > e.newIndex ? e.oldIndex + 1 : e.oldIndex] ?? null;
      e.from.insertBefore(e.item, ref);
    }
  }

  async dropped(e) {
    const ids = (e.item.dataset.ids || e.item.dataset.id || "").split(",").filter(Boolean).map(Number);
    const position = e.newIndex + 1;
    this.restore(e);
    await this.apply(() => api.post(bankPath(this.name, "/slots"), { ids, position }));
  }

  async moved(e) {
    const from = e.oldIndex + 1;
    const to = e.newIndex + 1;
    this.restore(e);
    if (from === to) return;
    await this.apply(() => api.post(bankPath(this.name, "/move"), { from, to, swap: this.swap }));
  }

  async apply(call) {
    try {
      this.bank = await call();
      this.runCheck();
      this.dispatchEvent(new CustomEvent("bank-changed", { detail: this.name, bubbles: true }));
    } catch (err) {
      this.say(err.message, true);
      this.load();
    }
  }

  async addIds(ids) {
    await this.apply(() => api.post(bankPath(this.name, "/slots"), { ids }));
  }

  clearSlot(position) {
    this.apply(() => api.del(bankPath(this.name, `/slots/${position}`)));
  }

  fill(source) {
    if (!source) return;
    const body = source === ":blank" ? { blank: true } : { from_bank: source };
    this.apply(() => api.post(bankPath(this.name, "/fill"), body));
  }

  startRename(slot) {
    this.editing = slot.position;
    this.draft = slot.name ?? "";
    this.updateComplete.then(() => this.querySelector("input.slotname")?.focus());
  }

  async finishRename(slot, e) {
    e?.preventDefault();
    const rule = nameRule(this.devices, { device: this.bank.device, kind: slot.kind, model: this.bank.model ?? slot.model });
    if (nameProblem(rule, this.draft)) return;
    this.editing = null;
    if (this.draft === (slot.name ?? "")) return;
    try {
      await api.patch(`/api/patches/${slot.id}`, { name: this.draft });
      this.say(`renamed slot ${slot.label ?? slot.position} to “${this.draft}”`);
      this.load();
      this.dispatchEvent(new CustomEvent("patch-changed", { detail: slot.id, bubbles: true }));
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async get(format) {
    const model = this.bank.model ? `?model=${encodeURIComponent(this.bank.model)}` : "";
    try {
      const got = await download(bankPath(this.name, `/${format}${model}`), `${this.name}.${format}`);
      this.say(`downloaded ${got.name} (${got.size.toLocaleString()} bytes)`);
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async remove() {
    if (!confirm(`Delete bank “${this.name}”? The patches stay in the library.`)) return;
    try {
      await api.del(bankPath(this.name));
      this.dispatchEvent(new CustomEvent("bank-deleted", { detail: this.name, bubbles: true }));
    } catch (err) {
      this.say(err.message, true);
    }
  }

  slotView(slot) {
    if (!slot.id) {
      return html`<li class="slot empty" data-pos=${slot.position}>
        <span class="label">${slot.label ?? slot.position}</span><span class="muted">empty</span></li>`;
    }
    const rule = nameRule(this.devices, { device: this.bank.device, kind: slot.kind, model: this.bank.model ?? slot.model });
    const editing = this.editing === slot.position;
    const problem = editing ? nameProblem(rule, this.draft) : "";
    return html`<li class="slot" data-pos=${slot.position} data-id=${slot.id}>
      <span class="label">${slot.label ?? slot.position}</span>
      ${editing ? html`<form @submit=${(e) => this.finishRename(slot, e)}>
          <input class="slotname" .value=${this.draft} aria-label="Name for slot ${slot.position}"
            @input=${(e) => { this.draft = e.target.value; }}
            @keydown=${(e) => { if (e.key === "Escape") { e.stopPropagation(); this.editing = null; } }}
            @blur=${() => this.finishRename(slot)}>
          ${problem ? html`<span class="error small">${problem}</span>` : nothing}</form>`
        : html`<span class="name" title=${rule?.max_length ? "Double-click to rename" : (rule?.note ?? "no name stored")}
            @dblclick=${() => rule?.max_length && this.startRename(slot)}>${slot.name ?? html`<span class="muted">(no name)</span>`}</span>`}
      <span class="kind muted">${slot.kind ?? ""}</span>
      <button class="plain small" title="Empty this slot" @click=${() => this.clearSlot(slot.position)}>×</button>
    </li>`;
  }

  render() {
    if (this.error) return html`<p class="error">${this.error}</p>`;
    const b = this.bank;
    if (!b) return html`<p class="muted">loading…</p>`;
    const filled = b.slots.filter((s) => s.id).length;
    const others = (this.banks ?? []).filter((x) => x.name !== b.name && x.device === b.device);
    return html`
      <div class="bankhead">
        <h2>${b.name}</h2>
        <span class="meta">${b.device}${b.model ? ` · ${b.model}` : ""} · ${filled} of ${b.slots.length} slots filled</span>
      </div>
      ${b.format_note ? html`<p class="hint">${b.format_note}</p>` : nothing}
      <div class="row wrap">
        <label class="check"><input type="checkbox" .checked=${this.swap}
          @change=${(e) => { this.swap = e.target.checked; }}> drag swaps slots</label>
        <select aria-label="Fill empty slots" @change=${(e) => { this.fill(e.target.value); e.target.value = ""; }}>
          <option value="">Fill empty slots…</option>
          ${b.blank_available !== false ? html`<option value=":blank">with a blank patch</option>` : nothing}
          ${others.map((o) => html`<option value=${o.name}>from bank “${o.name}”</option>`)}
        </select>
        <button class="primary" ?disabled=${!this.check?.ok} @click=${() => this.get("syx")}>Download .syx</button>
        <button ?disabled=${!filled} @click=${() => this.get("zip")}>Download .zip</button>
        <button class="danger plain" @click=${this.remove}>Delete bank</button>
      </div>
      ${this.check && !this.check.ok ? html`<ul class="problems">${(this.check.reasons ?? []).map((r) => html`<li>${r}</li>`)}</ul>`
        : this.check?.summary ? html`<p class="ok">${this.check.summary}</p>` : nothing}
      <ol class="slots">${b.slots.map((s) => this.slotView(s))}</ol>`;
  }
}
customElements.define("syx-bank", SyxBank);
