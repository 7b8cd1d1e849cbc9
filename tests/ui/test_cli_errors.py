"""A user's mistake on the command line gets one line on stderr saying what to do, never a traceback.

Exit status 1 for a mistake found while running (a missing model folder or index, a busy port), 2 for usage
(option values that are wrong or do not go together). No model is loaded here: each mistake is caught before.
"""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from jianggao.ui import cli

ROOT = Path(__file__).resolve().parents[2]


def run_main(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    err = capsys.readouterr().err
    return code, err


def assert_one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("command", ["search", "ask", "similar"])
@pytest.mark.parametrize("k", ["0", "-1", "x"])
def test_k_must_be_a_positive_whole_number(command, k, capsys):
    code, err = run_main([command, "扶贫", "-k", k], capsys)
    line = assert_one_line(err)
    assert code == 2 and "-k" in line and "--help" in line


@pytest.mark.parametrize("option", ["--max-speeches", "--passages"])
def test_compare_counts_must_be_positive(option, capsys):
    code, err = run_main(["compare", "扶贫", option, "0"], capsys)
    assert code == 2 and option in assert_one_line(err)


@pytest.mark.parametrize("command", ["search", "ask", "similar", "compare"])
def test_a_missing_index_folder_names_the_command_that_builds_it(command, tmp_path, capsys):
    missing = tmp_path / "no-index"
    code, err = run_main([command, "扶贫工作", "--index-dir", str(missing)], capsys)
    line = assert_one_line(err)
    assert code == 1 and str(missing) in line and f"jianggao index --index-dir {missing}" in line


@pytest.mark.parametrize("command", [["index"], ["search", "扶贫工作"], ["serve"]])
def test_a_missing_model_folder_is_named(command, tmp_path, capsys):
    missing = tmp_path / "no-model"
    code, err = run_main([*command, "--model", str(missing), "--index-dir", str(tmp_path / "index")], capsys)
    line = assert_one_line(err)
    assert code == 1 and str(missing) in line and "model folder" in line
    assert not (tmp_path / "index").exists()  # refused before any work


def test_a_model_folder_from_the_environment_is_checked_too(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JIANGGAO_MODEL", str(tmp_path / "gone"))
    code, err = run_main(["search", "扶贫工作", "--index-dir", str(tmp_path / "index")], capsys)
    assert code == 1 and "$JIANGGAO_MODEL" in assert_one_line(err)


def test_a_model_that_fails_to_load_is_one_line(tmp_path, monkeypatch, capsys):
    """A model name that is no folder (a hub id) reaches the encoder; its load error is the user's to fix."""
    from jianggao.indexer import embedding
    from jianggao.qa import retrieval

    def fail(*args, **kwargs):
        raise embedding.ModelLoadError("could not load the embedding model 'org/none'; point JIANGGAO_MODEL at a folder")

    monkeypatch.setattr(retrieval.Retriever, "open", fail)
    code, err = run_main(["search", "扶贫工作", "--model", "org/none", "--index-dir", str(tmp_path)], capsys)
    assert code == 1 and "org/none" in assert_one_line(err)


def test_cuda_without_a_cuda_gpu_says_to_use_the_cpu(tmp_path, monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for command in (["index"], ["search", "扶贫工作"], ["serve"]):
        code, err = run_main([*command, "--device", "cuda", "--index-dir", str(tmp_path / "index")], capsys)
        line = assert_one_line(err)
        assert code == 1 and "--device cpu" in line
    assert not (tmp_path / "index").exists()


def test_a_port_in_use_is_refused_before_the_index_is_built(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_main(["serve", "--port", str(port), "--index-dir", str(tmp_path / "index"),
                              "--library", str(tmp_path / "library")], capsys)
    line = assert_one_line(err)
    assert code == 1 and f"port {port}" in line and "--port" in line
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_port_must_be_a_port_number(port, capsys):
    code, err = run_main(["serve", "--port", port], capsys)
    assert code == 2 and "--port" in assert_one_line(err)


def test_share_needs_auth(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JIANGGAO_AUTH", raising=False)
    code, err = run_main(["serve", "--share", "--index-dir", str(tmp_path / "index")], capsys)
    line = assert_one_line(err)
    assert code == 2 and "--auth USER:PASSWORD" in line and "$JIANGGAO_AUTH" in line
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("auth", ["bob", "bob:", ":secret"])
def test_auth_must_be_user_colon_password(auth, monkeypatch, capsys):
    monkeypatch.delenv("JIANGGAO_AUTH", raising=False)
    code, err = run_main(["serve", "--share", "--auth", auth], capsys)
    assert code == 2 and "USER:PASSWORD" in assert_one_line(err)


def test_auth_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.delenv("JIANGGAO_AUTH", raising=False)
    args = cli.build_parser().parse_args(["serve", "--auth", "bob:s:e:cret"])
    assert cli.auth_of(args) == ("bob", "s:e:cret")  # the password may hold colons
    args = cli.build_parser().parse_args(["serve"])
    assert cli.auth_of(args) is None
    monkeypatch.setenv("JIANGGAO_AUTH", "ann:pw")
    assert cli.auth_of(args) == ("ann", "pw")


def test_share_with_auth_passes_the_login_to_gradio(tmp_path, monkeypatch, capsys):
    """The login reaches Gradio's launch(auth=...). The engine is faked: no model, no index."""
    import jianggao.qa.engine
    import jianggao.ui.app

    class FakeReport:
        speeches, chunks, errors, no_speech = 1, 1, [], []

    class FakeEngine:
        def __init__(self, *args, **kwargs):
            self.index_dir = tmp_path / "index"

        def has_index(self):
            return True

        def sources(self):
            return [tmp_path]

        def ensure_index(self, progress=False):
            return FakeReport()

    launched = {}

    class FakeApp:
        def launch(self, **kwargs):
            launched.update(kwargs)

    monkeypatch.setattr(jianggao.qa.engine, "Engine", FakeEngine)
    monkeypatch.setattr(jianggao.ui.app, "build_app", lambda engine: FakeApp())
    monkeypatch.delenv("JIANGGAO_AUTH", raising=False)
    code = cli.main(["serve", "--share", "--auth", "bob:secret", "--port", "7991"])
    assert code == 0, capsys.readouterr().err
    assert launched["share"] is True and launched["auth"] == ("bob", "secret")


def test_the_installed_command_prints_no_traceback(tmp_path):
    """The same through the console script, as a user runs it."""
    exe = Path(sys.executable).with_name("jianggao")
    if not exe.exists():
        pytest.skip("console script not installed beside this interpreter")
    proc = subprocess.run([str(exe), "search", "扶贫工作", "--index-dir", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 1
    assert_one_line(proc.stderr)
