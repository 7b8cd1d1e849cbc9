"""Optional generative answers through an OpenAI-compatible chat endpoint (``POST {base_url}/chat/completions``).

The model only rewrites what retrieval found: it is given the numbered passages and told to answer from them
alone, citing them as ``[n]``. Markers that name no passage are removed (``clean_markers``), so every marker
left in the answer maps to a real citation. Everything that can go wrong with the endpoint (no server, a
timeout, an HTTP error, a body that is not the expected JSON, an empty answer) raises ``LLMError``; the caller
(``jianggao.qa.answer``) then falls back to the extractive answer with a warning, never a crash.

Only the standard library is used (urllib), so nothing here needs installing. The endpoint, model and key come
from arguments or from ``$JIANGGAO_LLM_URL`` / ``$JIANGGAO_LLM_MODEL`` / ``$JIANGGAO_LLM_KEY``.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

log = logging.getLogger(__name__)

ENV_URL = "JIANGGAO_LLM_URL"
ENV_MODEL = "JIANGGAO_LLM_MODEL"
ENV_KEY = "JIANGGAO_LLM_KEY"

DEFAULT_TIMEOUT = 60.0  # seconds for the whole request; a local model on CPU can be slow
DEFAULT_MAX_TOKENS = 600
# Passages are cut to this many characters in the prompt: enough for the evidence, bounded prompt size.
MAX_PASSAGE_CHARS = 600
# A reply larger than this is not a chat completion; refuse to parse it.
MAX_RESPONSE_BYTES = 2_000_000

SYSTEM_PROMPT = (
    "你是讲话稿资料库的问答助手。只能依据用户给出的编号资料回答问题，不得使用资料以外的知识，不得编造。"
    "每一句话后面用方括号标注所依据资料的编号，例如 [1] 或 [2][3]。"
    "如果资料不足以回答，只回答：资料中没有找到足够依据。回答要简洁，使用简体中文。"
)

# [3], [ 3 ], ［3］, and lists such as [1,2] / [1、2] / [1][2].
_MARKER = re.compile(r"[\[［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］]")


class LLMError(RuntimeError):
    """The chat endpoint could not give a usable answer; the message says what went wrong."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # e.g. http://127.0.0.1:8000/v1 ; /chat/completions is appended
    model: str | None = None
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.1

    def __post_init__(self) -> None:
        if not self.base_url or not re.match(r"^https?://", self.base_url.strip(), re.I):
            raise ValueError(f"LLM endpoint {self.base_url!r} must be an http:// or https:// URL, e.g. "
                             "http://127.0.0.1:8000/v1")
        if not self.timeout or self.timeout <= 0:
            raise ValueError(f"LLM timeout must be a positive number of seconds, got {self.timeout!r}")

    @property
    def endpoint(self) -> str:
        url = self.base_url.strip().rstrip("/")
        return url if url.endswith("/chat/completions") else url + "/chat/completions"

    @classmethod
    def from_env(
        cls, url: str | None = None, model: str | None = None, key: str | None = None,
        timeout: float | None = None,
    ) -> "LLMConfig | None":
        """Arguments first, then the environment; None when no endpoint is configured at all."""
        url = (url or os.environ.get(ENV_URL, "")).strip()
        if not url:
            return None
        return cls(
            base_url=url,
            model=(model or os.environ.get(ENV_MODEL, "")).strip() or None,
            api_key=(key or os.environ.get(ENV_KEY, "")).strip() or None,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        )


class SourcePassage(NamedTuple):
    """One numbered passage given to the model."""

    n: int
    title: str
    text: str


# -- pure helpers ------------------------------------------------------------------------------------------
def build_messages(question: str, passages: Sequence[SourcePassage]) -> list[dict[str, str]]:
    """The chat messages: the rules, then the numbered passages and the question."""
    blocks = []
    for p in passages:
        text = p.text if len(p.text) <= MAX_PASSAGE_CHARS else p.text[:MAX_PASSAGE_CHARS] + "…"
        blocks.append(f"[{p.n}]《{p.title}》\n{text}")
    user = "资料：\n\n" + "\n\n".join(blocks) + f"\n\n问题：{question}\n请依据上面的资料回答，并标注资料编号。"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def clean_markers(text: str, valid: Sequence[int]) -> tuple[str, list[int]]:
    """``text`` with every citation marker normalised to ``[n]`` and those naming no valid passage removed;
    also the valid numbers used, in order of first use."""
    allowed = set(valid)
    used: list[int] = []

    def repl(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1).strip())]
        keep = [n for n in dict.fromkeys(nums) if n in allowed]
        for n in keep:
            if n not in used:
                used.append(n)
        return "".join(f"[{n}]" for n in keep)

    out = _MARKER.sub(repl, text)
    out = re.sub(r"[ \t]+([，。；！？、,.;!?])", r"\1", out)  # a removed marker may leave a space before punctuation
    return re.sub(r"[ \t]{2,}", " ", out).strip(), used


def parse_completion(body: bytes) -> str:
    """The assistant's text from a chat-completions response body; LLMError if it is anything else."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise LLMError(f"the LLM endpoint did not return JSON ({e.__class__.__name__}: {str(e)[:80]})") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMError("the LLM endpoint's reply has no choices[0].message.content") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMError("the LLM endpoint returned an empty answer")
    return content.strip()


# -- the client --------------------------------------------------------------------------------------------
class ChatClient:
    """A minimal client for one OpenAI-compatible chat-completions endpoint. Stateless, thread-safe."""

    def __init__(self, config: LLMConfig):
        self.config = config

    def __repr__(self) -> str:
        return f"ChatClient({self.config.endpoint!r}, model={self.config.model!r})"

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to ``messages``; LLMError on any failure (never another exception)."""
        cfg = self.config
        payload: dict[str, Any] = {
            "messages": messages,
            "temperature": cfg.temperature,
            "max_tokens": cfg.max_tokens,
            "stream": False,
        }
        if cfg.model:
            payload["model"] = cfg.model
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if cfg.api_key:
            headers["Authorization"] = f"Bearer {cfg.api_key}"
        request = urllib.request.Request(
            cfg.endpoint, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=cfg.timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as e:
            detail = ""
            try:
                detail = e.read(300).decode("utf-8", "replace").strip()
            except Exception:  # noqa: BLE001 - the status is what matters
                pass
            raise LLMError(f"the LLM endpoint {cfg.endpoint} answered HTTP {e.code} {e.reason}"
                           + (f": {detail[:200]}" if detail else "")) from None
        except (socket.timeout, TimeoutError):
            raise LLMError(f"the LLM endpoint {cfg.endpoint} did not answer within {cfg.timeout:g}s") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise LLMError(f"the LLM endpoint {cfg.endpoint} did not answer within {cfg.timeout:g}s") from None
            raise LLMError(f"cannot reach the LLM endpoint {cfg.endpoint} ({reason})") from None
        except (OSError, ValueError, http.client.HTTPException) as e:
            # Connection reset mid-reply, a malformed status line, a truncated body, an unusable URL.
            raise LLMError(f"the request to the LLM endpoint {cfg.endpoint} failed ({type(e).__name__}: {e})") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise LLMError(f"the LLM endpoint's reply is larger than {MAX_RESPONSE_BYTES} bytes")
        return parse_completion(body)

    def answer(self, question: str, passages: Sequence[SourcePassage]) -> str:
        """The model's answer to ``question`` from ``passages``, markers not yet checked."""
        return self.complete(build_messages(question, passages))


def make_client(url: str | None = None, model: str | None = None, key: str | None = None,
                timeout: float | None = None) -> ChatClient | None:
    """A client from arguments or the environment; None when no endpoint is configured."""
    config = LLMConfig.from_env(url, model, key, timeout)
    return ChatClient(config) if config else None
