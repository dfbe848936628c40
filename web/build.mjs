// Builds the page into the Python package (src/syxkit/web/static), so that what pip installs
// needs no node. Deterministic: the same sources and lockfile give the same bytes, which a
// test checks by rebuilding into a temporary folder and comparing.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "..", "src", "syxkit", "web", "static"));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  format: "esm",
  target: "es2021",
  outfile: join(out, "app.js"),
  minify: true,
  sourcemap: false,
  legalComments: "eof", // the licences of lit and SortableJS stay with their code
  logLevel: "warning",
});
for (const name of ["index.html", "style.css", "favicon.svg"]) {
  copyFileSync(join(here, "src", name), join(out, name));
}
console.log(`built ${out}`);
