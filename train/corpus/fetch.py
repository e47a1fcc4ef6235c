"""Fetch the allowed Debian packages of real recordings (never installed: `apt-get download`
+ `dpkg-deb -x`), record package, version and licence, and pre-render the festival speech pool.

    python -m train.corpus.fetch --out /work/data/data/debs     # then: python -m train.corpus --real DIR

Layout under --out: `debs/*.deb`, `pkgs/<package>/` (one extracted tree per package, so every
file's package is its top folder), `festival/` (festival + voices merged into one tree, run
with LD_LIBRARY_PATH), `packages.json` and `speech/` (see `festival.py`).
Only `AUDIO_PACKAGES` may feed training audio; `FESTIVAL_RUNTIME` is the synthesiser (a
program and its libraries and lexicons, not recordings).
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path

# The allow-list of issue 8: audio from any other package must never reach training.
FESTVOX_VOICES = ("festvox-kallpc16k", "festvox-kdlpc16k", "festvox-us-slt-hts", "festvox-italp16k",
                  "festvox-itapc16k", "festvox-czech-dita", "festvox-czech-krb", "festvox-czech-machac",
                  "festvox-czech-ph", "festvox-suopuhe-lj", "festvox-suopuhe-mv", "festvox-suopuhe-common",
                  "festvox-ru", "festvox-hi-nsk", "festvox-mr-nsk", "festvox-te-nsk", "festvox-ca-ona-hts")
AUDIO_PACKAGES = ("freepats", "hydrogen-drumkits", "sonic-pi-samples", "lmms-common",
                  "musescore-general-soundfont", "fluid-soundfont-gm") + FESTVOX_VOICES
# The synthesiser, its language modules/lexicons and the shared libraries it needs that a bare
# Debian image lacks (libpulse for festival's audio module; we only write files).
FESTIVAL_RUNTIME = ("festival", "libestools2.5", "festlex-cmu", "festlex-poslex", "festlex-ifd", "festival-ca",
                    "festival-czech", "festival-hi", "festival-mr", "festival-te", "libpulse0", "libasyncns0",
                    "libsndfile1", "libflac12", "libvorbisenc2", "libvorbis0a", "libogg0", "libopus0",
                    "libmpg123-0", "libmp3lame0")
PACKAGES_JSON = "packages.json"
_LICENSE_HINTS = (("GNU General Public License", "GPL"), ("Lesser General Public", "LGPL"),
                  ("Creative Commons", "CC"), ("public domain", "public domain"), ("MIT", "MIT"),
                  ("BSD", "BSD-like"), ("freely", "permissive (see copyright)"))


def licence_of(copyright_text: str) -> str:
    """Licence names from a Debian copyright file: DEP-5 `License:` fields, else a keyword guess."""
    names = [m.strip() for m in re.findall(r"^License:[ \t]*(\S.*)$", copyright_text, flags=re.M)]
    names = list(dict.fromkeys(n for n in names if n))
    if names:
        return ", ".join(names)
    found = [short for phrase, short in _LICENSE_HINTS if phrase.lower() in copyright_text.lower()]
    return ", ".join(dict.fromkeys(found)) or "see copyright file"


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _matches(pattern: str, relpath: str) -> bool:
    """DEP-5 `Files:` pattern (source-tree path) against an installed path inside the package.
    hydrogen kits are listed as `drumkits/<Kit>.h2drumkit` archives, installed as `<Kit...>/` folders."""
    if pattern == "*":
        return True
    base = pattern.rsplit("/", 1)[-1]
    if base.endswith(".h2drumkit"):
        parts = relpath.split("/")
        kit = parts[parts.index("drumkits") + 1] if "drumkits" in parts[:-1] else ""
        return bool(kit) and _norm(kit).startswith(_norm(base[: -len(".h2drumkit")]))
    return fnmatch.fnmatch(relpath, pattern) or fnmatch.fnmatch(relpath, f"*/{pattern}")


def file_licence(copyright_text: str, relpath: str) -> str | None:
    """Licence of one installed file from a DEP-5 copyright file (last matching `Files:`
    paragraph wins, as the format says); None when the file is not machine-readable."""
    found = None
    for para in re.split(r"\n\s*\n", copyright_text):
        files = re.search(r"^Files:(.*(?:\n[ \t]+.*)*)", para, flags=re.M)
        licence = re.search(r"^License:[ \t]*(\S.*)$", para, flags=re.M)
        if files and licence and any(_matches(p, relpath) for p in files.group(1).split()):
            found = licence.group(1).strip()
    return found


def _deb_version(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True, capture_output=True,
                          text=True).stdout.strip()


def package_record(root: Path, package: str, version: str) -> dict:
    """{package, version, licence, copyright} of an extracted package tree."""
    cfile = root / "pkgs" / package / "usr" / "share" / "doc" / package / "copyright"
    text = cfile.read_text(encoding="utf-8", errors="replace") if cfile.exists() else ""
    return {"package": package, "version": version, "licence": licence_of(text) if text else "unknown",
            "copyright": str(cfile.relative_to(root)) if text else ""}


def download(out: Path, packages: tuple[str, ...]) -> dict[str, dict]:
    """apt-get download + dpkg-deb -x each package into out/pkgs/<package>; returns records."""
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not list(debs.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True)
    records = {}
    for p in packages:
        deb = sorted(debs.glob(f"{p}_*.deb"))[-1]
        tree = out / "pkgs" / p
        if not tree.exists():
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
        records[p] = package_record(out, p, _deb_version(deb))
    return records


def merge_festival(out: Path) -> Path:
    """One tree with festival, its libraries and every voice (festival wants one libdir)."""
    root = out / "festival"
    shutil.rmtree(root, ignore_errors=True)  # symlinks in the trees cannot be copied over
    for p in FESTIVAL_RUNTIME + FESTVOX_VOICES:
        shutil.copytree(out / "pkgs" / p, root, dirs_exist_ok=True, symlinks=True)
    return root


def load_packages(root: str | Path) -> dict[str, dict]:
    """Records written by `main` (package -> {version, licence, copyright})."""
    return json.loads((Path(root) / PACKAGES_JSON).read_text())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.corpus.fetch", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for debs, extracted trees and the speech pool")
    p.add_argument("--skip-speech", action="store_true", help="do not pre-render the festival speech pool")
    args = p.parse_args(argv)
    out = Path(args.out)
    records = download(out, AUDIO_PACKAGES + FESTIVAL_RUNTIME)
    for name, rec in records.items():
        rec["role"] = "training audio" if name in AUDIO_PACKAGES else "festival synthesiser runtime"
    (out / PACKAGES_JSON).write_text(json.dumps(records, indent=1))
    print(json.dumps({k: (v["version"], v["licence"]) for k, v in records.items()}, indent=1))
    if not args.skip_speech:
        from .festival import render_pool
        print(json.dumps(render_pool(out, merge_festival(out)), indent=1))


if __name__ == "__main__":
    main()
