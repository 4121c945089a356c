"""Developer tasks. Sessions run in the current environment (``pip install -e '.[dev]'`` first).

    nox -s lint        ruff and mypy over the package
    nox -s tests       the whole test suite (what CI runs)
    nox -s toolchains  only the tests that compile generated code
    nox -s e2e         only the cross-process tests
    nox -s matrix      the conformance grid: every client target x every provider language
    nox -s bench       round-trip benchmark; prints the README table
    nox -s regen       rewrite spec/vectors/ and tests/fixtures/parse/*/expected.json (review the diff!)
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]


@nox.session
def lint(session: nox.Session) -> None:
    session.run("ruff", "check", "metropipe", "tests", "bench", "noxfile.py")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def toolchains(session: nox.Session) -> None:
    session.run("python", "-m", "pytest", "-m", "toolchain", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    session.run("python", "-m", "pytest", "-m", "e2e", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    session.run("python", "-m", "tests.matrix.harness")


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark the README quotes (``nox -s bench -- roundtrip`` runs one: roundtrip, same_process,
    build, cmake_noop). Run it on a quiet machine."""
    scripts = {"roundtrip": ["--markdown"], "same_process": [], "build": ["--markdown"], "cmake_noop": ["--markdown"]}
    for name in session.posargs or scripts:
        session.run("python", f"bench/{name}.py", *scripts[name])


@nox.session
def regen(session: nox.Session) -> None:
    session.run("python", "-m", "metropipe.vectors", "spec/vectors")
    session.run("python", "-m", "tests.unit.parse_golden")  # the parsers' golden models
    session.run("git", "diff", "--stat", "spec/vectors", "tests/fixtures/parse", external=True)
