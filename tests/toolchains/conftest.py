"""The toolchain tests' shared parts: assertions in the channel- and provider-semantics suites get pytest's detailed
reports."""

import pytest

pytest.register_assert_rewrite("tests.toolchains.channel_semantics", "tests.toolchains.provider_semantics")
