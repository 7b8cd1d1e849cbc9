"""jianggao.qa.llm against small local servers speaking the chat-completions protocol (127.0.0.1, ephemeral ports):
a good one, one that returns garbage, one that fails, one that hangs, and none at all. Every failure must
fall back to the extractive answer with a warning, never raise."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jianggao.qa.llm import (
    ENV_KEY,
    ENV_MODEL,
    ENV_URL,
    ChatClient,
    LLMConfig,
    LLMError,
    SourcePassage,
    build_messages,
    clean_markers,
    make_client,
    parse_completion,
)


# -- pure helpers -----------------------------------------------------------------------------------------------
def test_clean_markers_keeps_valid_markers_and_drops_the_rest():
    text, used = clean_markers("全市开通线路271条[2]，投入车辆127辆[7]。另见［1］和[2, 9]。", range(1, 4))
    assert text == "全市开通线路271条[2]，投入车辆127辆。另见[1]和[2]。"
    assert used == [2, 1]
    assert clean_markers("没有引用。", [1, 2]) == ("没有引用。", [])
    assert clean_markers("列表[1、3]", [1, 2, 3]) == ("列表[1][3]", [1, 3])


def test_build_messages_numbers_the_passages_and_asks_for_markers():
    msgs = build_messages("多少辆？", [SourcePassage(1, "校车讲话", "投入车辆127辆。"), SourcePassage(2, "另一篇", "x" * 5000)])
    assert msgs[0]["role"] == "system" and "[1]" in msgs[0]["content"]
    user = msgs[1]["content"]
    assert "[1]《校车讲话》\n投入车辆127辆。" in user and "[2]《另一篇》" in user and "问题：多少辆？" in user
    assert len(user) < 5000  # long passages are cut


@pytest.mark.parametrize("body, problem", [
    (b"<html>not json</html>", "did not return JSON"),
    (b'{"choices": []}', "no choices"),
    (b'{"choices": [{"message": {"content": "   "}}]}', "empty answer"),
    (b"\xff\xfe", "did not return JSON"),
])
def test_parse_completion_rejects_what_is_not_an_answer(body, problem):
    with pytest.raises(LLMError, match=problem):
        parse_completion(body)


def test_config_from_arguments_then_environment(monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    assert LLMConfig.from_env() is None and make_client() is None
    monkeypatch.setenv(ENV_URL, "http://127.0.0.1:9/v1/")
    monkeypatch.setenv(ENV_MODEL, "qwen")
    monkeypatch.setenv(ENV_KEY, "secret")
    cfg = LLMConfig.from_env()
    assert (cfg.endpoint, cfg.model, cfg.api_key) == ("http://127.0.0.1:9/v1/chat/completions", "qwen", "secret")
    assert LLMConfig.from_env(url="http://h/v1", model="m2").model == "m2"
    with pytest.raises(ValueError, match="http:// or https://"):
        LLMConfig("ftp://x")
    with pytest.raises(ValueError, match="timeout"):
        LLMConfig("http://x", timeout=0)


# -- local servers ----------------------------------------------------------------------------------------------
class Server:
    """A chat-completions server on 127.0.0.1 whose reply is chosen per test; records the requests it got."""

    def __init__(self, reply):
        self.reply = reply  # callable(request_json) -> (status, body bytes, delay seconds)
        self.requests: list[tuple[dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                outer.requests.append((dict(self.headers), payload))
                status, data, delay = outer.reply(payload)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}, ensure_ascii=False).encode()


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}/v1"


def test_client_sends_the_protocol_and_reads_the_answer():
    with Server(lambda p: (200, completion("答案[1]。"), 0)) as srv:
        client = ChatClient(LLMConfig(srv.url, model="m", api_key="k", timeout=5))
        assert client.complete([{"role": "user", "content": "你好"}]) == "答案[1]。"
        headers, payload = srv.requests[0]
    assert headers["Authorization"] == "Bearer k"
    assert payload["model"] == "m" and payload["messages"][0]["content"] == "你好" and payload["stream"] is False


@pytest.mark.parametrize("reply, problem", [
    (lambda p: (200, b"garbage \x00 not json", 0), "did not return JSON"),
    (lambda p: (500, b'{"error": "boom"}', 0), "HTTP 500"),
    (lambda p: (200, b'{"unexpected": true}', 0), "no choices"),
    (lambda p: (200, completion("太晚了"), 3), "did not answer within"),
])
def test_client_turns_every_failure_into_llm_error(reply, problem):
    with Server(reply) as srv:
        client = ChatClient(LLMConfig(srv.url, timeout=0.5))
        with pytest.raises(LLMError, match=problem):
            client.complete([{"role": "user", "content": "q"}])


def test_client_reports_an_absent_endpoint():
    with pytest.raises(LLMError, match="cannot reach"):
        ChatClient(LLMConfig(closed_port_url(), timeout=2)).complete([{"role": "user", "content": "q"}])


# -- generative answers on a small real index --------------------------------------------------------------------
SPEECH_A = """在全市校车安全工作会议上的讲话
同志们：
今天召开全市校车安全工作会议，主要任务是部署校车安全管理工作。目前，全市共开通接送线路271条，接送小学生6030人，投入车辆127辆。
各学校要立即组织校车车主补办有关手续，完善管理档案，对不符合条件的车辆要坚决停运。
公安交警部门要加强路面巡查，严厉查处超员、超速、酒后驾驶等违法行为，确保学生乘车安全。
家长要配合学校对子女进行交通安全教育，不乘坐无营运资格的车辆。
"""
SPEECH_B = """在残疾人工作座谈会上的讲话
同志们：
今年又有9491名残疾考生考取大学，残疾人教育取得新进展。
目前全国有354万贫困重度残疾人家庭需进行无障碍改造，其中农村255万户。
各级残联要把残疾人脱贫攻坚摆在突出位置，加大康复、教育、就业等方面的帮扶力度。
我们要呼吁全社会关心残疾人，为他们提供更多就业机会，让残疾人生活得更有尊严。
"""


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, encoder) -> Path:
    from jianggao.indexer.build import build_index

    root = tmp_path_factory.mktemp("llm-index")
    lib = root / "lib"
    lib.mkdir()
    (lib / "a.txt").write_text(SPEECH_A, encoding="utf-8")
    (lib / "b.txt").write_text(SPEECH_B, encoding="utf-8")
    build_index([lib], root / "idx", encoder=encoder)
    return root / "idx"


@pytest.fixture(scope="module")
def small_retriever(small_index, encoder):
    from jianggao.indexer.store import Store
    from jianggao.qa.retrieval import Retriever

    return Retriever(Store.load(small_index), encoder)


QUESTION = "全市投入了多少辆校车？"


@pytest.fixture(scope="module")
def extractive(small_retriever):
    from jianggao.qa.answer import ask

    a = ask(small_retriever, QUESTION)
    assert a.answerable and not a.generated and "127辆" in a.answer
    return a


def test_generative_answer_cites_only_real_passages(small_retriever):
    from jianggao.qa.answer import ask

    def reply(payload):
        assert "投入车辆127辆" in payload["messages"][1]["content"]  # the model sees the retrieved passages
        return 200, completion("全市投入车辆127辆[1]，另有说法[9]。"), 0

    with Server(reply) as srv:
        a = ask(small_retriever, QUESTION, llm=ChatClient(LLMConfig(srv.url, timeout=5)))
    assert a.generated and a.answerable and not a.warnings
    assert a.answer == "全市投入车辆127辆[1]，另有说法。"  # [9] named no passage: removed
    assert [c.n for c in a.citations] == [1]
    c = a.citations[0]
    sp = small_retriever.store.speech_by_id(c.speech_id)
    assert sp.text[c.start:c.end] == c.text and "127辆" in c.text


def test_generative_markers_are_renumbered_in_order_of_use(small_retriever):
    from jianggao.qa.answer import ask

    with Server(lambda p: (200, completion("甲[2]。乙[1]。"), 0)) as srv:
        a = ask(small_retriever, QUESTION, k=2, llm=ChatClient(LLMConfig(srv.url, timeout=5)))
    assert a.answer == "甲[1]。乙[2]。"
    assert [c.n for c in a.citations] == [1, 2]
    assert a.citations[0].chunk_id == a.closest[1].chunk_id  # old [2] became [1]


@pytest.mark.parametrize("reply", [
    lambda p: (200, b"}}}garbage{{{", 0),
    lambda p: (503, b"overloaded", 0),
    lambda p: (200, completion("迟到的回答[1]"), 3),
    lambda p: (200, completion("没有任何引用的回答。"), 0),
], ids=["garbage", "http-error", "hangs", "no-citation"])
def test_failures_fall_back_to_the_extractive_answer_with_a_warning(small_retriever, extractive, reply):
    from jianggao.qa.answer import ask

    with Server(reply) as srv:
        a = ask(small_retriever, QUESTION, llm=ChatClient(LLMConfig(srv.url, timeout=0.5)))
    assert not a.generated and a.answerable
    assert a.answer == extractive.answer and a.citations == extractive.citations
    assert len(a.warnings) == 1 and "摘录" in a.warnings[0]


def test_absent_endpoint_falls_back_with_a_warning(small_retriever, extractive):
    from jianggao.qa.answer import ask

    a = ask(small_retriever, QUESTION, llm=ChatClient(LLMConfig(closed_port_url(), timeout=2)))
    assert not a.generated and a.answer == extractive.answer
    assert a.warnings and "不可用" in a.warnings[0]


def test_refused_questions_do_not_call_the_model(small_retriever):
    from jianggao.qa.answer import ask

    with Server(lambda p: (200, completion("编造的回答[1]"), 0)) as srv:
        a = ask(small_retriever, "火星基地的氧气储备是多少吨？", llm=ChatClient(LLMConfig(srv.url, timeout=5)))
        assert srv.requests == []
    assert not a.answerable and not a.generated


def test_cli_ask_with_an_llm_url(small_index, capsys):
    from jianggao.ui.cli import main

    with Server(lambda p: (200, completion("投入车辆127辆[1]。"), 0)) as srv:
        code = main(["ask", QUESTION, "--json", "--index-dir", str(small_index), "--llm-url", srv.url,
                     "--llm-model", "m", "--llm-timeout", "5"])
        assert srv.requests and srv.requests[0][1]["model"] == "m"
    assert code == 0
    row = json.loads(capsys.readouterr().out)
    assert row["generated"] is True and row["answer"] == "投入车辆127辆[1]。" and row["citations"][0]["n"] == 1
