"""The conformance matrix as tests: one per client target x provider language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.matrix import harness

pytestmark = [pytest.mark.e2e, pytest.mark.toolchain]


@pytest.fixture(scope="module", params=sorted(harness.PROVIDERS))
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[harness.Deployment, Path]]:
    work = tmp_path_factory.mktemp(f"matrix-{request.param}")
    with harness.deploy(request.param, work) as dep:
        yield dep, work


@pytest.mark.parametrize("client", harness.clients())
def test_client_runs_the_scenario(client: str, deployment: tuple[harness.Deployment, Path]) -> None:
    for tool in harness.tools(client):
        require(tool)
    dep, work = deployment
    ok, out = harness.run_client(client, dep, work)
    assert ok, f"{client}: output differs from tests/fixtures/matrix/expected.txt:\n{out}"
