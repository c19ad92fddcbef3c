"""The chat client's pieces that need no server: the PLANBOT_LLM URL and one SSE line."""

import pytest

from bot.llm_client import _sse_delta, llm_url
from planbot.errors import ConfigError, LLMServiceError


def test_llm_url():
    assert llm_url("openai:http://localhost:11434/v1/") == "http://localhost:11434/v1"
    for bad in ("ollama:http://localhost:11434", "openai:localhost:11434", "openai:"):
        with pytest.raises(ConfigError, match="11434/v1"):
            llm_url(bad)


def test_sse_lines():
    assert _sse_delta('data: {"choices": [{"delta": {"content": "Visi"}}]}', "u") == "Visi"
    assert _sse_delta('data: {"choices": [{"delta": {"role": "assistant"}}]}', "u") == ""
    assert _sse_delta(": keep-alive", "u") == "" and _sse_delta("", "u") == ""
    assert _sse_delta("data: [DONE]", "u") is None
    with pytest.raises(LLMServiceError, match="not a chat completion chunk"):
        _sse_delta("data: {oops", "u")
    with pytest.raises(LLMServiceError, match="failed mid-answer"):
        _sse_delta('data: {"error": {"message": "out of memory"}}', "u")
