"""The page's assets: what pip installs (src/syxkit/web/static) is exactly what one script
(scripts/build-web) makes from our sources in web/src and the npm packages pinned by
web/package-lock.json; the page works offline (nothing from another host) and runs no inline
script; npm packages are imported by name, never copied into our sources."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "src" / "syxkit" / "web" / "static"
SOURCES = REPO / "web" / "src"


def test_committed_assets_are_what_the_sources_build(tmp_path):
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node and npm are needed to rebuild the page (./scripts/test installs them "
                    "when run as root)")
    out = tmp_path / "static"
    done = subprocess.run([str(REPO / "scripts" / "build-web"), str(out)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    built = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    shipped = {p.relative_to(STATIC): p.read_bytes() for p in sorted(STATIC.rglob("*"))
               if p.is_file()}
    assert set(built) == set(shipped), "run ./scripts/build-web and commit src/syxkit/web/static"
    stale = [str(name) for name in built if built[name] != shipped[name]]
    assert not stale, f"stale assets {stale}: run ./scripts/build-web and commit them"


def test_dependencies_are_pinned_by_the_lockfile():
    package = json.loads((REPO / "web" / "package.json").read_text())
    lock = json.loads((REPO / "web" / "package-lock.json").read_text())
    for name in {**package["dependencies"], **package["devDependencies"]}:
        assert f"node_modules/{name}" in lock["packages"], name
        assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")


def test_page_is_offline_and_has_no_inline_script():
    html = (STATIC / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for path in STATIC.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text()
            # every asset comes from this server: no address of another host is loaded
            loads = re.findall(r"""(?:src|href)\s*=\s*["'](https?:)?//""", text)
            imports = re.findall(r"""(?:@import|url\()\s*["']?https?://""", text)
            assert not loads and not imports, path


def test_our_sources_import_npm_packages_by_name_and_copy_none():
    for path in SOURCES.glob("*.js"):
        text = path.read_text()
        for spec in re.findall(r'from\s+"([^"]+)"', text):
            assert spec.startswith("./") or spec in ("lit", "sortablejs"), (path, spec)
        # a copied library would bring its licence header and its size
        assert "@license" not in text and "Copyright" not in text, path
        assert len(text) < 40_000, path
