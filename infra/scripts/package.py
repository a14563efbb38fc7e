"""Build one FunctionGraph zip per function: its index.py, evs_transfer and the pinned deps.

The dependencies are the wheels of ``requirements.txt`` for the FunctionGraph runtime
(Python 3.10 on x86_64 by default), fetched by pip for that platform and unpacked into the
zip's root, where FunctionGraph puts the code on ``sys.path``. The zip is reproducible:
entries are sorted, dated 1980-01-01 and given fixed modes, so the same inputs give the
same bytes. Run with ``make package`` (``PYTHON_VERSION=3.12 make package`` for another
runtime).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
DOMAIN_PACKAGE = ROOT / "shared" / "evs_transfer"
REQUIREMENTS = ROOT / "requirements.txt"
# Wheels built for glibc 2.17 and newer run on FunctionGraph's x86_64 runtimes.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def main(argv: list[str] | None = None) -> int:
    """Build the packages; print each one's size beside its wheels' zipped size."""
    options = _arguments(argv)
    wheels = fetch_wheels(
        options.python_version, options.cache / options.python_version
    )
    options.out.mkdir(parents=True, exist_ok=True)
    wheel_bytes = sum(wheel.stat().st_size for wheel in wheels)
    print(f"{'package':<32}{'bytes':>12}  {'wheels inside (zipped)':>24}  sha256")
    for function in sorted(p.name for p in FUNCTIONS.iterdir() if p.is_dir()):
        target = options.out / f"{function}.zip"
        build_package(function, wheels, target)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()[:16]
        print(
            f"{target.name:<32}{target.stat().st_size:>12,}  {wheel_bytes:>24,}  {digest}"
        )

    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python-version", default="3.10", help="FunctionGraph runtime"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "wheels")

    return parser.parse_args(argv)


def fetch_wheels(python_version: str, folder: Path) -> list[Path]:
    """Download the pinned wheels for the runtime into ``folder``; return them, sorted."""
    folder.mkdir(parents=True, exist_ok=True)
    abi = "cp" + python_version.replace(".", "")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--no-deps",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--abi",
        abi,
        *[arg for platform in PLATFORMS for arg in ("--platform", platform)],
        "--dest",
        str(folder),
        "--requirement",
        str(REQUIREMENTS),
    ]
    # Every runtime dependency is pinned in requirements.txt, transitive ones included,
    # so --no-deps fetches exactly the pinned set.
    subprocess.run(command, check=True)  # noqa: S603 - our own interpreter and pip

    return sorted(folder.glob("*.whl"))


def build_package(function: str, wheels: list[Path], target: Path) -> None:
    """Write ``target``: the function's entry point, the domain package and the wheels."""
    entries: dict[str, bytes] = {}
    entries["index.py"] = (FUNCTIONS / function / "index.py").read_bytes()
    for path in sorted(DOMAIN_PACKAGE.rglob("*")):
        if path.is_file() and _kept(path):
            relative = path.relative_to(DOMAIN_PACKAGE.parent).as_posix()
            entries[relative] = path.read_bytes()
    for wheel in wheels:
        entries.update(_unpacked(wheel))
    _write_zip(target, entries)


def _kept(path: Path) -> bool:
    return not (SKIPPED_PARTS & set(path.parts) or path.suffix in SKIPPED_SUFFIXES)


def _unpacked(wheel: Path) -> dict[str, bytes]:
    # A wheel is a zip laid out as its install: the root goes to site-packages, and
    # <name>.data/purelib|platlib go there too; scripts, headers and data do not.
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = "/".join(parts[2:])
            if _kept(Path(name)):
                files[name] = archive.read(info)

    return files


def _write_zip(target: Path, entries: dict[str, bytes]) -> None:
    temporary = target.with_suffix(".zip.part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            executable = name.endswith(".so")
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            out.writestr(info, entries[name])
    temporary.replace(target)


if __name__ == "__main__":
    sys.exit(main())
