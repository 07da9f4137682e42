"""Every public name of the package is documented and typed: help() shows what to pass, and the
sources pass `mypy --strict` (when mypy is installed)."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
import pydoc
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

import libgenauth

SOURCES = Path(__file__).resolve().parents[1] / "src" / "libgenauth"


def public_members(cls: type) -> Iterator[Tuple[str, Any]]:
    """The public methods and properties a class gets from the package (not from builtins)."""
    seen = set()
    for owner in cls.__mro__:
        if not owner.__module__.startswith("libgenauth"):
            continue
        for name, member in vars(owner).items():
            if name in seen or (name.startswith("_") and name != "__init__"):
                continue
            seen.add(name)
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if inspect.isfunction(member) or isinstance(member, property):
                yield name, member


def missing_annotations(function: Any) -> List[str]:
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls") and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_every_public_name_has_a_docstring_and_type_hints() -> None:
    problems: List[str] = []
    checked = 0
    for name in libgenauth.__all__:
        obj = getattr(libgenauth, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # e.g. the TokensLike type alias
        if not inspect.getdoc(obj):
            problems.append(f"{name}: no docstring")
        if inspect.isfunction(obj):
            problems += [f"{name}: no annotation for {p}" for p in missing_annotations(obj)]
            continue
        for member_name, member in public_members(obj):
            where = f"{name}.{member_name}"
            function = member.fget if isinstance(member, property) else member
            if member_name == "__init__" and dataclasses.is_dataclass(obj):
                continue  # generated from the annotated fields
            if member_name != "__init__" and not inspect.getdoc(function):
                problems.append(f"{where}: no docstring")
            problems += [f"{where}: no annotation for {p}" for p in missing_annotations(function)]
            checked += 1
    assert problems == []
    assert checked > 40  # the methods of Client, AsyncClient, the sessions, Tokens...


def test_help_shows_the_parameters() -> None:
    for cls in (libgenauth.Client, libgenauth.AsyncClient):
        text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
        for parameter in ("app_id: 'str'", "app_host: 'str'", "redirect_uri", "timeout_ms",
                          "ca_cert_pem", "validate_id_token", "clock_skew_seconds", "proxy"):
            assert parameter in text, (cls.__name__, parameter)
        assert "exchange_code(self, code: 'str', code_verifier: 'Optional[str]' = None" in text
    text = pydoc.render_doc(libgenauth.AsyncClient, renderer=pydoc.plaintext)
    for method in ("build_authorize_url", "parse_callback", "exchange_callback", "refresh",
                   "revoke", "introspect", "userinfo", "session"):
        assert f"{method}(self" in text, method
    assert "async exchange_code(" in text and "async userinfo(" in text
    session_help = pydoc.render_doc(libgenauth.AsyncSession, renderer=pydoc.plaintext)
    assert "async fresh_tokens(self, min_valid_seconds: 'int' = 60) -> 'Tokens'" in session_help


def test_the_sources_pass_mypy_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install mypy): the type check is skipped")
    if not SOURCES.is_dir():
        pytest.skip("the package sources are not next to these tests")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         str(SOURCES)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=SOURCES.parent,
        env={**os.environ, "MYPY_FORCE_COLOR": "0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
