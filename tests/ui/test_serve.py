"""`jianggao serve`: defaults, building the index first, and launching the app (launch itself is faked)."""
from __future__ import annotations

import shutil

import pytest

from jianggao.ui import cli

pytestmark = pytest.mark.slow


def test_serve_defaults_are_local_and_private():
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.share, args.func) == ("127.0.0.1", 7860, False, cli.cmd_serve)
    args = cli.build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8080", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8080, True)


def test_serve_builds_the_missing_index_then_launches(ui_base, encoder, tmp_path, monkeypatch, capsys):
    import jianggao.indexer.embedding
    import jianggao.ui.app

    library, index = tmp_path / "library", tmp_path / "index"
    shutil.copytree(ui_base / "library", library)
    shutil.copytree(ui_base / "index" / "embcache", index / "embcache")  # vectors cached, no index yet
    monkeypatch.setattr(jianggao.indexer.embedding, "Encoder", lambda *a, **k: encoder)
    launched = {}

    class FakeApp:
        def launch(self, **kwargs):
            launched.update(kwargs)

    def fake_build_app(engine):
        launched["speeches"] = len(engine.speeches())
        return FakeApp()

    monkeypatch.setattr(jianggao.ui.app, "build_app", fake_build_app)
    code = cli.main(["serve", "--library", str(library), "--index-dir", str(index), "--port", "7999"])
    assert code == 0
    err = capsys.readouterr().err
    assert "no index yet: building" in err and "index ready: 5 speeches" in err
    assert (index / "CURRENT").exists()
    assert launched == {"speeches": 5, "server_name": "127.0.0.1", "server_port": 7999, "share": False}


def test_serve_reports_an_unusable_index_as_a_user_error(ui_base, encoder, tmp_path, monkeypatch, capsys):
    import jianggao.indexer.embedding

    monkeypatch.setattr(jianggao.indexer.embedding, "Encoder", lambda *a, **k: encoder)
    index = tmp_path / "index"
    index.mkdir()
    (index / "CURRENT").write_text("no-such-version\n")
    code = cli.main(["serve", "--library", str(ui_base / "library"), "--index-dir", str(index)])
    assert code == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
