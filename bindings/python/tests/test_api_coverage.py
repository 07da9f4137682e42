"""The bindings reach the whole C API: scripts/check-api-coverage finds every function of
include/genauth.h called by the Swift sources and used by this package's sources, and cannot be
fooled by a mention in a comment, a string or a ctypes declaration."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "check-api-coverage"


def run(*args: str) -> subprocess.CompletedProcess:
    if not SCRIPT.is_file():
        pytest.skip("scripts/check-api-coverage is not next to these tests")
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_every_header_function_is_reached_by_every_binding() -> None:
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    header = (ROOT / "include" / "genauth.h").read_text()
    android = set(re.findall(r"\b(genauth_\w+)\(", header.split("#if defined(__ANDROID__)")[-1]
                              .split("#endif")[0]))
    count = len(set(re.findall(r"\b(genauth_\w+)\(", header)) - android)
    assert count >= 28
    # Swift, Python, C++ and the JVM reach every function; the JVM also Android's own.
    assert lines[-1] == f"{4 * count + len(android)} passed, 0 failed"


def test_mentions_do_not_count_as_calls(tmp_path: Path) -> None:
    header = tmp_path / "genauth.h"
    header.write_text(textwrap.dedent("""\
        /* genauth_in_a_comment(void) is not a declaration */
        typedef void (*genauth_callback)(void *user_data, char *result_json);
        char *genauth_called(const char *a);
        int32_t genauth_in_comments(genauth_callback cb,
                                    void *user_data);
        void genauth_in_strings(void);
        void genauth_declared_only(void);
        """))
    swift = tmp_path / "swift"
    swift.mkdir()
    (swift / "A.swift").write_text(textwrap.dedent('''\
        import CGenAuth
        // genauth_in_comments(cb, nil)
        /* outer /* nested genauth_in_comments(cb, nil) */ still a comment genauth_in_comments() */
        let a = "genauth_in_strings()"
        let b = """
            genauth_in_strings()
            """
        let c = #"raw "genauth_in_strings()" string"#
        let d = "escaped \\" genauth_in_strings() \\" quote"
        let e = genauth_called(nil)
        '''))
    python = tmp_path / "python"
    python.mkdir()
    (python / "a.py").write_text(textwrap.dedent('''\
        """genauth_in_strings is only named here: lib.genauth_in_strings()"""
        lib.genauth_declared_only.argtypes = []
        lib.genauth_declared_only.restype = None
        lib.genauth_in_comments = None  # an assignment is no use: lib.genauth_in_comments()
        name = "lib.genauth_in_strings"
        genauth_declared_only = 1
        result = lib.genauth_called(b"a")
        '''))
    cpp = tmp_path / "cpp"
    cpp.mkdir()
    (cpp / "a.hpp").write_text(textwrap.dedent('''\
        // genauth_in_comments(cb, nullptr);
        /* genauth_in_comments(cb, nullptr); */
        const char* s = "genauth_in_strings()";
        inline char* f() { return genauth_called("a"); }
        '''))
    jvm = tmp_path / "jvm"
    jvm.mkdir()
    (jvm / "A.java").write_text(textwrap.dedent('''\
        interface Lib { void genauth_declared_only(); Pointer genauth_called(String a); }
        // lib.genauth_in_comments(cb, null);
        class A { String s = "lib.genauth_in_strings()"; Object r = lib.genauth_called("a"); }
        '''))
    result = run("--header", str(header), "--swift", str(swift), "--python", str(python),
                 "--cpp", str(cpp), "--jvm", str(jvm))
    assert result.returncode == 1
    out = result.stdout
    assert out.strip().splitlines()[-1] == "4 passed, 12 failed", out
    for binding in ("swift", "python", "cpp", "jvm"):
        assert f"FAIL {binding}: genauth_called" not in out
        for name in ("genauth_in_comments", "genauth_in_strings", "genauth_declared_only"):
            assert f"FAIL {binding}: {name} " in out, (binding, name, out)
    assert "genauth_in_a_comment" not in out and "genauth_callback" not in out


def test_a_header_without_functions_fails(tmp_path: Path) -> None:
    header = tmp_path / "genauth.h"
    header.write_text("/* char *genauth_commented_out(void); */\n")
    result = run("--header", str(header))
    assert result.returncode == 2
    assert result.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"
