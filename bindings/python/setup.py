"""Build hook: bundles the libgenauth shared library into every wheel; never builds one without.

Everything else lives in pyproject.toml. When a wheel is built, the library is taken from

1. the environment variable ``GENAUTH_LIBRARY``: the library file, or the folder holding it;
2. in a checkout of the repository, its ``target/release`` build (``make lib``), two levels up;
3. otherwise it is compiled with ``cargo build --release --locked`` from the Rust sources: the
   checkout's (two levels up), or those the sdist carries in ``native/``. Without cargo the build
   stops with an error saying so.

It is copied next to ``libgenauth/__init__.py`` in the build tree (never into the sources), and
the wheel is tagged ``py3-none-<platform>``: the platform of this machine, or
``GENAUTH_WHEEL_PLATFORM`` (e.g. ``manylinux2014_x86_64``, what ``make dist`` sets for a library
linked against glibc 2.17).

The sdist carries the crate (Cargo.toml, Cargo.lock, build.rs, cbindgen.toml, src/) in
``native/``, so that installing it builds the library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
PACKAGE = "libgenauth"
# Every name the package looks for at run time; a bundled library gets the one of its platform.
LIBRARY_NAMES = ("libgenauth.so", "libgenauth.dylib", "genauth.dll", "libgenauth.dll")
# What of the repository the sdist carries to build the library (paths from the repository root).
CRATE_FILES = ("Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "src")


def platform_library_name(source: Path) -> str:
    if source.suffix == ".dylib" or sys.platform == "darwin":
        return "libgenauth.dylib"
    if source.suffix == ".dll" or sys.platform == "win32":
        return "genauth.dll"
    return "libgenauth.so"


def find_in(folder: Path) -> Optional[Path]:
    for name in LIBRARY_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def checkout_root() -> Optional[Path]:
    root = HERE.parent.parent
    return root if (root / "Cargo.toml").is_file() and (root / "src").is_dir() else None


def cargo_build(crate: Path) -> Path:
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    if not cargo:
        raise SystemExit(
            "error: building libgenauth needs Rust's cargo (https://rustup.rs), which is not on "
            f"PATH; or set GENAUTH_LIBRARY to a built library. Crate: {crate}"
        )
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or crate / "target")
    command = [cargo, "build", "--release", "--locked", "--lib", "--target-dir", str(target_dir)]
    print("building libgenauth: " + " ".join(command), flush=True)
    subprocess.run(command, cwd=crate, check=True)
    built = find_in(target_dir / "release")
    if built is None:
        raise SystemExit(f"error: cargo built no library into {target_dir / 'release'}")
    return built


def library_to_bundle() -> Path:
    configured = os.environ.get("GENAUTH_LIBRARY")
    if configured:
        path = Path(configured)
        found = find_in(path) if path.is_dir() else (path if path.is_file() else None)
        if found is None:
            raise SystemExit(
                f"error: GENAUTH_LIBRARY is set to {configured!r}, which is neither the library "
                "nor a folder holding it"
            )
        return found
    root = checkout_root()
    if root is not None:
        built = find_in(root / "target" / "release")
        return built if built is not None else cargo_build(root)
    if (HERE / "native" / "Cargo.toml").is_file():
        return cargo_build(HERE / "native")
    raise SystemExit(
        "error: no libgenauth library and no Rust sources to build it from: set GENAUTH_LIBRARY"
    )


class BuildPyWithLibrary(build_py):
    def run(self) -> None:
        super().run()
        target_dir = Path(self.build_lib) / PACKAGE
        # A library left in the build tree by an earlier build must not be shipped by this one.
        for name in LIBRARY_NAMES:
            stale = target_dir / name
            if stale.exists():
                stale.unlink()
        bundled = library_to_bundle()
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / platform_library_name(bundled)
        shutil.copyfile(bundled, target)
        os.chmod(target, 0o755)
        print(f"bundling {bundled} as {target}")


class PlatformWheel(bdist_wheel):
    """Tags the wheel for one platform (it carries the library), but any Python 3."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple:
        _python, _abi, plat = super().get_tag()
        return "py3", "none", os.environ.get("GENAUTH_WHEEL_PLATFORM") or plat


class SdistWithCrate(sdist):
    """Adds the Rust crate under native/, so that building the sdist compiles the library."""

    def make_release_tree(self, base_dir: str, files: list) -> None:
        super().make_release_tree(base_dir, files)
        root = checkout_root()
        if root is None:
            if (HERE / "native" / "Cargo.toml").is_file():  # an sdist made from an sdist
                shutil.copytree(HERE / "native", Path(base_dir) / "native", dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("target"))
                return
            raise SystemExit("error: the sdist is made from a checkout of the repository")
        for name in CRATE_FILES:
            source, dest = root / name, Path(base_dir) / "native" / name
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)


class BinaryDistribution(Distribution):
    """Native code inside: the package goes into platlib, where auditwheel looks for it."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel,
                "sdist": SdistWithCrate})
