// A stand-in page until the real one is built from web/ (web/build.mjs replaces this folder's
// index.html and app.js): it lists patches through the API, with text set by textContent only,
// so a name like <img src=x onerror=alert(1)> shows as text.
const PAGE = 100;
let offset = 0;
let timer = null;

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

async function load() {
  const q = document.getElementById("search").value;
  const params = new URLSearchParams({ q, limit: String(PAGE), offset: String(offset) });
  const res = await fetch(`/api/patches?${params}`, { credentials: "same-origin" });
  const body = await res.json();
  const tbody = document.querySelector("#patches tbody");
  tbody.replaceChildren();
  if (!res.ok) {
    document.getElementById("count").textContent = String(body.detail ?? res.statusText);
    return;
  }
  for (const p of body.items) {
    const row = document.createElement("tr");
    for (const value of [p.id, p.name, p.device, p.model ?? "", p.kind, p.tags.join(", "),
      p.favourite ? "*" : "", p.seen]) cell(row, String(value));
    tbody.appendChild(row);
  }
  const last = Math.min(offset + PAGE, body.total);
  document.getElementById("count").textContent =
    `${body.total} patch(es)${body.total ? `, ${offset + 1}-${last} shown` : ""}`;
}

document.getElementById("search").addEventListener("input", () => {
  clearTimeout(timer);
  offset = 0;
  timer = setTimeout(load, 150);
});
document.getElementById("prev").addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE);
  load();
});
document.getElementById("next").addEventListener("click", () => {
  offset += PAGE;
  load();
});
load();
