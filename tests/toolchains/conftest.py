"""The toolchain tests' shared parts: assertions in the channel-semantics suite get pytest's detailed reports."""

import pytest

pytest.register_assert_rewrite("tests.toolchains.channel_semantics")
