"""The one dependency layer, bundled without Docker.

`pip install --platform ... --only-binary=:all: --no-deps -r requirements-layer.txt` fetches
the Linux/arm64 wheels for the Lambda runtime's Python into `<out>/python`. The result is
cached under `.build/layer/<hash>` (the hash covers the lock and the pip arguments), so a
synth after the first one copies instead of downloading; the asset hash is the same hash,
so an unchanged lock is never uploaded twice.

Tests skip bundling with the context `aws:cdk:bundling-stacks=[]`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.bytecode import bundle_source, compile_tree

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = REPO_ROOT / "requirements-layer.txt"
CACHE_DIR = REPO_ROOT / ".build" / "layer"

PYTHON_VERSION = "3.13"  # the runtime's (infra.functions.RUNTIME_VERSION)
# The Lambda Python 3.13 runtime is Amazon Linux 2023 (glibc 2.34): both tags install there.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
# Never pulled (local bundling always succeeds or raises), but BundlingOptions needs an image.
BUILD_IMAGE = f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"
# Never in the layer: the runtime's own copies must win (see requirements-layer.txt).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
# Bump when the layer's post-processing below changes (it is part of the cache key).
LAYOUT_VERSION = "3"  # 3: bytecode compiled by the runtime's Python version


def pip_arguments(lock: Path, target: Path) -> list[str]:
    args = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--no-compile", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", PYTHON_VERSION]
    for platform in PLATFORMS:
        args += ["--platform", platform]
    return args + ["--target", str(target), "-r", str(lock)]


def lock_hash(lock: Path = LOCK_FILE) -> str:
    digest = hashlib.sha256(lock.read_bytes())
    digest.update(" ".join([LAYOUT_VERSION, *pip_arguments(Path("lock"), Path("out"))[1:]]).encode())
    return digest.hexdigest()


def check_lock(lock: Path = LOCK_FILE) -> None:
    """Every line pinned with ==, and nothing the runtime already provides."""
    for number, raw in enumerate(lock.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version or any(c in version for c in "<>=!~*,; "):
            raise ValueError(f"{lock.name}:{number}: not fully pinned: {raw!r}")
        if name.split("[")[0].strip().lower().replace("_", "-") in RUNTIME_PROVIDED:
            raise ValueError(f"{lock.name}:{number}: {name} is provided by the Lambda runtime")


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Installs the lock into `<output_dir>/python` with the host's pip (no Docker)."""

    def __init__(self, lock: Path = LOCK_FILE, cache_dir: Path = CACHE_DIR) -> None:
        self._lock = lock
        self._cache_dir = cache_dir

    def try_bundle(self, output_dir: str, *_options, **_kw_options) -> bool:
        # jsii hands the BundlingOptions over positionally; nothing in them is needed here.
        cached = self._cache_dir / lock_hash(self._lock)
        if not (cached / "python").is_dir():
            self._install(cached)
        shutil.copytree(cached / "python", Path(output_dir) / "python", dirs_exist_ok=True)
        return True

    def _install(self, cached: Path) -> None:
        check_lock(self._lock)
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="tmp-", dir=self._cache_dir))
        try:
            subprocess.run(pip_arguments(self._lock, staging / "python"), check=True,
                           stdout=sys.stderr, env={**os.environ, "PIP_NO_INPUT": "1"})
            # Console scripts point at the host's interpreter and caches are the host's: drop both.
            shutil.rmtree(staging / "python" / "bin", ignore_errors=True)
            for pycache in (staging / "python").rglob("__pycache__"):
                shutil.rmtree(pycache, ignore_errors=True)
            compile_tree(staging / "python", PYTHON_VERSION)  # Lambda cannot write .pyc at run time
            try:
                staging.rename(cached)  # atomic: concurrent synths never see half a layer
            except OSError:
                if not (cached / "python").is_dir():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


@jsii.implements(ILocalBundling)
class SourceBundling:
    """The functions' source asset (shared/, functions/) with bytecode of the runtime's version (no Docker)."""

    def try_bundle(self, output_dir: str, *_options, **_kw_options) -> bool:
        bundle_source(REPO_ROOT, Path(output_dir), PYTHON_VERSION)
        return True


class DependencyLayer(Construct):
    """One layer with every runtime dependency, shared by all functions."""

    def __init__(self, scope: Construct, construct_id: str, *, runtime: lambda_.Runtime,
                 architecture: lambda_.Architecture) -> None:
        super().__init__(scope, construct_id)
        code = lambda_.Code.from_asset(
            str(LOCK_FILE.parent),
            # Only the lock is an input; the custom hash means the source is never fingerprinted.
            exclude=["*", f"!{LOCK_FILE.name}"],
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=lock_hash(),
            bundling=BundlingOptions(
                # Never pulled: local bundling always succeeds or raises.
                image=DockerImage.from_registry(BUILD_IMAGE),
                local=PipLayerBundling(),
            ),
        )
        self.layer = lambda_.LayerVersion(
            self, "Layer", code=code, compatible_runtimes=[runtime],
            compatible_architectures=[architecture],
            description="Runtime dependencies (requirements-layer.txt)",
        )


def smoke_check() -> str:
    """Build (or reuse) the cached layer and check what a Lambda would import from it."""
    cached = CACHE_DIR / lock_hash()
    PipLayerBundling().try_bundle(str(CACHE_DIR / "smoke"))
    shutil.rmtree(CACHE_DIR / "smoke", ignore_errors=True)
    python = cached / "python"
    top_level = {p.name.lower() for p in python.iterdir()}
    for needed in ("aws_lambda_powertools", "pydantic", "pydantic_core", "icalendar", "jinja2", "jwt",
                   "cryptography", "aws_xray_sdk"):
        if needed not in top_level:
            raise SystemExit(f"layer lacks {needed}")
    for shadowing in ("boto3", "botocore", "dateutil", "s3transfer", "jmespath", "urllib3"):
        if shadowing in top_level:
            raise SystemExit(f"layer would shadow the runtime's {shadowing}")
    binaries = [p.name for p in (python / "pydantic_core").glob("_pydantic_core*.so")]
    if not any("cpython-313-aarch64-linux-gnu" in name for name in binaries):
        raise SystemExit(f"pydantic_core is not built for cp313/aarch64: {binaries}")
    size = sum(p.stat().st_size for p in python.rglob("*") if p.is_file())
    return f"layer {cached.name[:12]}: {size / 1e6:.1f} MB unzipped in {python}"


if __name__ == "__main__":
    print(smoke_check())
