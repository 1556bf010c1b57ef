"""The local Anthropic server, started once per module, and a real SDK client for it."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest

from sandbox.anthropic_server import AnthropicServer

KEY = "sk-ant-local-test-key"


@pytest.fixture(scope="module")
def llm_server() -> Iterator[AnthropicServer]:
    with AnthropicServer(api_keys={KEY}) as server:
        yield server


@pytest.fixture
def server(llm_server: AnthropicServer) -> AnthropicServer:
    llm_server.reset()
    return llm_server


@pytest.fixture
def llm_key() -> str:
    return KEY


@pytest.fixture
def client(server: AnthropicServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key=KEY, max_retries=0)
