"""Build hook: bundles the libgenauth shared library into the package when one is available.

Everything else lives in pyproject.toml. At build time the library is taken from

1. the environment variable ``GENAUTH_LIBRARY`` (the full path of the library), else
2. the repository's ``target/release`` directory (``cargo build --release``), two levels up,

and copied next to ``libgenauth/__init__.py`` in the build tree (never into the sources). The
wheel is then tagged for this platform (``py3-none-<platform>``), since it carries native code.
When neither exists, a pure-Python wheel is built that finds the library at run time through
``GENAUTH_LIBRARY`` or the system loader.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Optional

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
PACKAGE = "libgenauth"
# Every name the package looks for at run time; a bundled library gets the one of its platform.
LIBRARY_NAMES = ("libgenauth.so", "libgenauth.dylib", "genauth.dll", "libgenauth.dll")


def platform_library_name(source: Path) -> str:
    if source.suffix == ".dylib" or sys.platform == "darwin":
        return "libgenauth.dylib"
    if source.suffix == ".dll" or sys.platform == "win32":
        return "genauth.dll"
    return "libgenauth.so"


def library_to_bundle() -> Optional[Path]:
    configured = os.environ.get("GENAUTH_LIBRARY")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SystemExit(f"GENAUTH_LIBRARY is set to {configured!r}, which is not a file")
        return path
    release = HERE.parent.parent / "target" / "release"
    for name in LIBRARY_NAMES:
        if (release / name).is_file():
            return release / name
    return None


BUNDLED = library_to_bundle()


class BuildPyWithLibrary(build_py):
    def run(self) -> None:
        super().run()
        target_dir = Path(self.build_lib) / PACKAGE
        # A library left in the build tree by an earlier build must not be shipped by this one.
        for name in LIBRARY_NAMES:
            stale = target_dir / name
            if stale.exists():
                stale.unlink()
        if BUNDLED is not None:
            target_dir.mkdir(parents=True, exist_ok=True)
            target = target_dir / platform_library_name(BUNDLED)
            shutil.copyfile(BUNDLED, target)
            os.chmod(target, 0o755)
            print(f"bundling {BUNDLED} as {target}")
        else:
            print(
                "no libgenauth library found (GENAUTH_LIBRARY unset, no target/release build): "
                "building without one; it will be looked up at run time"
            )


class PlatformWheel(bdist_wheel):
    """Tags the wheel for this platform, but any Python 3, when it carries the library."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if BUNDLED is not None:
            self.root_is_pure = False

    def get_tag(self) -> tuple:
        python, abi, plat = super().get_tag()
        if BUNDLED is not None:
            return "py3", "none", plat
        return python, abi, plat


setup(cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel})
