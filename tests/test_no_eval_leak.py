"""No literal from the eval sets in code or resources: a run of 6+ Chinese characters that occurs in any file of
the shared eval folder must not occur in indexer/, qa/, ui/, scripts/ or the resources (tests are exempt).

Rules, word lists and dictionary entries copied from eval questions or their evidence make the dev figures lie
about unseen questions; this keeps them from coming back silently. One set of 6-grams from the eval files, one
scan per source file: linear in the size of both."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("indexer", "qa", "ui", "scripts", "resources")
N = 6
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{%d,}" % N)
# Text files only; binary assets (images, docx fixtures) cannot hold a copied rule.
_TEXT_SUFFIXES = {".py", ".txt", ".md", ".json", ".jsonl", ".sh", ".toml", ".cfg", ".ini", ".yaml", ".yml",
                  ".csv", ".html", ".js", ".css", ""}


def ngrams(text: str, n: int = N) -> set[str]:
    """Every run of ``n`` consecutive Chinese characters inside the Chinese runs of ``text``."""
    out: set[str] = set()
    for m in _CJK_RUN.finditer(text):
        run = m.group()
        out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def leaks(text: str, banned: set[str], n: int = N) -> list[str]:
    """The 6-grams of ``text`` that are in ``banned``, in order of first occurrence."""
    found: dict[str, None] = {}
    for m in _CJK_RUN.finditer(text):
        run = m.group()
        for i in range(len(run) - n + 1):
            if run[i:i + n] in banned:
                found.setdefault(run[i:i + n])
    return list(found)


def scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        base = ROOT / top
        if not base.exists():
            continue
        for p in base.rglob("*"):
            if (p.is_file() and p.suffix in _TEXT_SUFFIXES and "tests" not in p.relative_to(ROOT).parts
                    and "__pycache__" not in p.parts):
                files.append(p)
    return files


def test_ngrams_and_leaks_find_runs_of_six_chinese_characters():
    banned = ngrams("问题：某市去年新建了多少座公园？")
    assert "去年新建了多" in banned and "某市去年新建" in banned
    assert leaks("# 某市去年新建了多少", banned) == ["某市去年新建", "市去年新建了", "去年新建了多", "年新建了多少"]
    assert leaks("去年新建 了多少", banned) == []  # a break in the run is not a copy
    assert ngrams("短句五个字") == set()


def test_no_eval_literal_in_code_or_resources(shared_eval):
    folder = shared_eval
    banned: set[str] = set()
    for p in sorted(folder.iterdir()):
        if p.is_file():
            banned |= ngrams(p.read_text(encoding="utf-8", errors="ignore"))
    assert banned, f"no Chinese text found in {folder}"
    found = {}
    for p in scanned_files():
        hit = leaks(p.read_text(encoding="utf-8", errors="ignore"), banned)
        if hit:
            found[str(p.relative_to(ROOT))] = hit[:5]
    assert not found, f"literals from {folder} in code or resources: {found}"
