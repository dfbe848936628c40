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

  // The server's bank is dense (slots 1..size); slots after it, up to the format's capacity,
  // are the empty ones the device still has.
  withEmpties(bank) {
    const slots = bank.slots.map((s) => ({ ...s, label: s.position }));
    for (let pos = slots.length + 1; pos <= (bank.capacity ?? 0); pos++) slots.push({ position: pos, id: null, label: pos });
    return { ...bank, slots };
  }

  // Loads, edits and checks can cross on the way back: each answer is kept only if no later
  // request about this bank was made meanwhile.
  next() { this.seq = (this.seq ?? 0) + 1; return this.seq; }

  async load() {
    const seq = this.next();
    try {
      const bank = this.withEmpties(await api.get(bankPath(this.name)));
      if (seq !== this.seq) return;
      this.bank = bank;
      this.error = null;
      this.runCheck();
    } catch (err) {
      if (seq !== this.seq) return;
      this.bank = null;
      this.error = err.message;
    }
  }

  async runCheck() {
    const seq = (this.checkSeq = (this.checkSeq ?? 0) + 1);
    let check;
    try {
      check = await api.get(bankPath(this.name, "/check"));
    } catch (err) {
      check = { ok: false, reason: err.message };
    }
    if (seq === this.checkSeq) this.check = check;
  }

  // Sortable moved DOM nodes that lit owns: put them back, then let the server's answer
  // re-render the bank.
  restore(e) {
    if (e.swapItem && e.from === e.to) {
      // swap mode exchanged two nodes: exchange them back
      const mark = document.createComment("");
      e.item.replaceWith(mark);
      e.swapItem.replaceWith(e.item);
      mark.replaceWith(e.swapItem);
    } else if (e.clone && e.from !== e.to) {
      e.item.remove();
      e.clone.replaceWith(e.item);
    } else if (e.from === e.to) {
      const ref = e.from.children[e.oldIndex > e.newIndex ? e.oldIndex + 1 : e.oldIndex] ?? null;
      e.from.insertBefore(e.item, ref);
    }
  }

  filled() { return this.bank.slots.filter((s) => s.id).length; }

  // Rows from the library: dropped on a filled slot they go in before it (or, in swap mode,
  // replace it); dropped on an empty slot they go after the last filled one (a bank has no holes).
  async dropped(e) {
    const ids = (e.item.dataset.ids || e.item.dataset.id || "").split(",").filter(Boolean).map(Number);
    const position = e.newIndex + 1;
    this.restore(e);
    if (!ids.length) return;
    if (this.swap && ids.length === 1 && position <= this.filled()) {
      await this.apply(() => api.put(bankPath(this.name, `/slots/${position}`), { id: ids[0] }));
    } else if (position <= this.filled()) {
      await this.apply(() => api.post(bankPath(this.name, "/slots"), { ids, at: position }));
    } else {
      await this.apply(() => api.post(bankPath(this.name, "/slots"), { ids }));
    }
  }

  async moved(e) {
    const n = this.filled();
    const from = e.oldIndex + 1;
    const to = Math.min(e.newIndex + 1, n);
    this.restore(e);
    if (from === to || from > n) return;
    if (this.swap) await this.apply(() => api.post(bankPath(this.name, "/swap"), { a: from, b: to }));
    else await this.apply(() => api.post(bankPath(this.name, "/move"), { from, to }));
  }

  async apply(call) {
    const seq = this.next();
    try {
      const bank = this.withEmpties(await call());
      if (seq !== this.seq) return;
      this.bank = bank;
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
    if (!this.bank.capacity) body.upto = this.filled() + 1;
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
    if (nameProblem(rule, this.draft) || this.editing !== slot.position) return;
    this.editing = null;
    if (this.draft === (slot.name ?? "")) return;
    try {
      const got = await api.patch(`/api/patches/${slot.id}`, { name: this.draft });
      this.say(`renamed slot ${slot.label ?? slot.position} to “${got.name}”${got.name_note ? ` (${got.name_note})` : ""}`);
      this.load();
      this.dispatchEvent(new CustomEvent("patch-changed", { detail: slot.id, bubbles: true }));
    } catch (err) {
      this.say(err.message, true);
    }
  }

  async get(format) {
    const model = format === "syx" && this.bank.model ? `?model=${encodeURIComponent(this.bank.model)}` : "";
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

  format() {
    const dev = (this.devices ?? []).find((d) => d.id === this.bank.device);
    const fmts = dev?.bank_formats ?? [];
    const f = fmts.find((x) => x.model === this.bank.model) ?? fmts.find((x) => !x.model);
    return f?.files ?? "";
  }

  slotView(slot) {
    if (!slot.id) {
      return html`<li class="slot empty" data-pos=${slot.position}>
        <span class="label">${slot.label ?? slot.position}</span><span class="muted">empty</span></li>`;
    }
    const rule = nameRule(this.devices, { device: this.bank.device, kind: slot.kind, model: this.bank.model ?? slot.model });
    const editing = this.editing === slot.position;
    const canName = rule?.stored && rule.max_length;
    const problem = editing ? nameProblem(rule, this.draft) : "";
    return html`<li class="slot ${this.mixedKinds ? "mixed" : ""}" data-pos=${slot.position} data-id=${slot.id} title=${slot.name ?? ""}>
      <span class="label">${slot.label ?? slot.position}</span>
      ${editing ? html`<form @submit=${(e) => this.finishRename(slot, e)}>
          <input class="slotname" .value=${this.draft} aria-label="Name for slot ${slot.position}"
            @input=${(e) => { this.draft = e.target.value; }}
            @keydown=${(e) => { if (e.key === "Escape") { e.stopPropagation(); this.editing = null; } }}
            @blur=${() => this.finishRename(slot)}>
          ${problem ? html`<span class="error small">${problem}</span>` : nothing}</form>`
        : html`<span class="name" title=${canName ? "Double-click to rename" : (rule?.note || "no name stored")}
            @dblclick=${() => canName && this.startRename(slot)}>${slot.name ?? html`<span class="muted">(no name)</span>`}</span>`}
      ${this.mixedKinds ? html`<span class="kind muted">${slot.kind === "operation-memory" || slot.kind === "opmem" ? "op" : (slot.kind ?? "")}</span>` : nothing}
      <button class="plain small" title="Empty this slot" @click=${() => this.clearSlot(slot.position)}>×</button>
    </li>`;
  }

  render() {
    if (this.error) return html`<p class="error">${this.error}</p>`;
    const b = this.bank;
    if (!b) return html`<p class="muted">loading…</p>`;
    const filled = this.filled();
    this.mixedKinds = new Set(b.slots.filter((s) => s.id).map((s) => s.kind)).size > 1;
    const noNames = b.slots.some((s) => s.id) && !b.slots.some((s) => {
      const r = s.id && nameRule(this.devices, { device: b.device, kind: s.kind, model: b.model ?? s.model });
      return r?.stored;
    });
    const others = (this.banks ?? []).filter((x) => x.name !== b.name && x.device === b.device);
    return html`
      <div class="bankhead">
        <h2>${b.name}</h2>
        <span class="meta">${b.device}${b.model ? ` · ${b.model}` : ""} · ${b.capacity ? `${filled} of ${b.capacity} slots filled` : `${filled} patch${filled === 1 ? "" : "es"}`}</span>
      </div>
      ${this.format() ? html`<p class="hint">Downloads as ${this.format()}.${noNames ? " These patches store no names on the device: names stay in the library." : ""}</p>` : nothing}
      <div class="row wrap">
        <label class="check"><input type="checkbox" .checked=${this.swap}
          @change=${(e) => { this.swap = e.target.checked; }}> drag swaps slots</label>
        <select aria-label="Fill empty slots" @change=${(e) => { this.fill(e.target.value); e.target.value = ""; }}>
          <option value="">Fill empty slots…</option>
          <option value=":blank">with a blank ${b.device} patch</option>
          ${others.map((o) => html`<option value=${o.name}>from bank “${o.name}”</option>`)}
        </select>
        <button class="primary" ?disabled=${!this.check?.ok} @click=${() => this.get("syx")}>Download .syx</button>
        <button ?disabled=${!filled} @click=${() => this.get("zip")}>Download .zip</button>
        <button class="danger plain" @click=${this.remove}>Delete bank</button>
      </div>
      ${this.check && !this.check.ok ? html`<p class="error">Cannot be built yet: ${this.check.reason}${b.capacity && filled < b.capacity && filled ? html`<br><span class="hint">Drag more patches in, or fill the empty slots (menu above).</span>` : nothing}</p>`
        : this.check?.ok ? html`<p class="ok">Ready: ${(this.check.files ?? []).map((f) => `${f.name} (${f.bytes.toLocaleString()} bytes)`).join(", ")}${(this.check.notes ?? []).length ? ` · ${this.check.notes.join(" · ")}` : ""}</p>` : nothing}
      <ol class="slots">${b.slots.map((s) => this.slotView(s))}</ol>`;
  }
}
customElements.define("syx-bank", SyxBank);
