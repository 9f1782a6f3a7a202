"""Compiled bytecode (`.pyc`) in the Lambda assets, made by an interpreter of the runtime's version.

Lambda cannot write `__pycache__` into `/var/task` or `/opt`, so an asset without `.pyc` compiles
every module it imports at every cold start (measured ~1.9x the import time; `make bench`). The
bytecode must come from the runtime's own Python version (the magic number differs per version),
so the build looks for that interpreter: `$LAMBDA_PYTHON`, `python3.N` on PATH, or pyenv's
`~/.pyenv/versions/3.N.*`. It is compiled with `unchecked-hash` invalidation: asset zips do not
keep source timestamps, and a deployed asset never changes, so the source is never re-checked.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


class NoInterpreter(RuntimeError):
    pass


def interpreter(version: str) -> str:
    """A python executable of `version` ("3.13"), or NoInterpreter naming where it looked."""
    candidates = [os.environ.get("LAMBDA_PYTHON", ""), shutil.which(f"python{version}") or ""]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p / "bin" / f"python{version}") for p in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    raise NoInterpreter(f"no Python {version} to compile the Lambda assets' bytecode with (looked at $LAMBDA_PYTHON, "
                        f"python{version} on PATH and {pyenv}/{version}.*); install one or set LAMBDA_PYTHON")


def compile_tree(directory: Path, version: str, python: str | None = None) -> None:
    """Compile every module under `directory` in place (`__pycache__/*.cpython-3N.pyc`)."""
    subprocess.run([python or interpreter(version), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                    "unchecked-hash", str(directory)], check=True, stdout=subprocess.DEVNULL)


SOURCE_PACKAGES = ("shared", "functions")  # what each function's asset holds of the repository
SOURCE_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", ".mypy_cache",
                                        ".ruff_cache")


def bundle_source(repo_root: Path, output_dir: Path, version: str, *, compiled: bool = True,
                  python: str | None = None) -> None:
    """The functions' source asset: `shared/` and `functions/`, with their bytecode."""
    for package in SOURCE_PACKAGES:
        shutil.copytree(repo_root / package, output_dir / package, ignore=SOURCE_IGNORED, dirs_exist_ok=True)
    if compiled:
        compile_tree(output_dir, version, python)
