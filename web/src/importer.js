// Drop to import: files, folders and zips dropped anywhere on the page (or picked), uploaded
// with progress; the answer per file says what is new, what the library had already and
// under which name (never hidden, never silently merged), and what is wrong, with offsets.

// Every file under the dropped items, folders walked (webkitGetAsEntry is how browsers expose
// a dropped folder), each with the path it had under the drop.
export async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items]
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null))
    .filter(Boolean);
  if (!entries.length) return [...dataTransfer.files].map((file) => ({ file, path: file.name }));
  const out = [];
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ file, path: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        // readEntries answers in batches until an empty one
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  }
  for (const entry of entries) await walk(entry, "");
  return out;
}

export function summarise(result) {
  const files = result.files ?? [];
  const sum = (key) => files.reduce((n, f) => n + (Number(f[key]) || 0), 0);
  return {
    files: files.length,
    added: sum("new"),
    existing: sum("in_library"),
    problems: files.filter((f) => f.error || (f.problems ?? []).length).length,
  };
}
