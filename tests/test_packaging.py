"""What installing the project puts in site-packages: one top-level package, ``jianggao``."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_distribution_has_one_top_level_name():
    dist = metadata.distribution("jianggao")
    top = (dist.read_text("top_level.txt") or "").split()
    assert top == ["jianggao"]


def test_the_wheel_holds_only_the_jianggao_package(tmp_path):
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    src = tmp_path / "src"  # a copy: building writes build/ and *.egg-info/ beside the sources
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for pkg in ("indexer", "qa", "ui"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    [wheel] = tmp_path.glob("jianggao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"jianggao"}
    assert "jianggao/indexer/loaders.py" in names and "jianggao/ui/cli.py" in names
    assert "jianggao/indexer/resources/userdict.txt" in names  # package data travels too
