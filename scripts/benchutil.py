"""Small helpers shared by the measurement scripts (and the tests that drive them): how to run the
``jianggao`` command of this interpreter, the environment it runs in, a free loopback port, a quantile, and
writing one result file under bench-results/."""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path


def jianggao() -> list[str]:
    """The ``jianggao`` console script beside this interpreter, else the module it runs."""
    exe = Path(sys.executable).with_name("jianggao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jianggao.ui.cli"]


def cli_env() -> dict[str, str]:
    """The environment measured commands run in: UTF-8 output, extractive answers (no LLM endpoint)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANGGAO_LLM_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank; NaN for no values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def write_results(name: str, results: dict) -> Path:
    """Write ``results`` as UTF-8 JSON to bench-results/``name`` at the repository's root; print and return it."""
    root = Path(__file__).resolve().parent.parent
    out = root / "bench-results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out.relative_to(root)}")
    return out
