"""Bytes to text: the encoding of a plain-text or HTML file is detected, never assumed.

Chinese text on disk is usually UTF-8, GB18030 (a superset of GBK/GB2312) or Big5. Big5 bytes almost always
decode "successfully" as GB18030 (into garbage) and short GBK text often decodes as Big5, so a clean decode proves
little: each candidate is scored by the share of its non-ASCII characters that are common Chinese characters or CJK
punctuation, and the best one wins if it looks like real text. Near ties (files of a few characters) are broken by
character frequencies (jieba's dictionary), then charset-normalizer, which also names the likely encoding when a
file is rejected. HTML bytes first honour a byte-order mark, valid UTF-8 and the declared (meta) charset.

Pure: bytes in, :class:`Decoded` out, or :class:`LoaderError` saying what is wrong and what to do.
"""
from __future__ import annotations

import codecs
import importlib.util
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from jianggao.indexer.normalize import to_simplified

log = logging.getLogger(__name__)

# A decoded candidate must have at least this share of common characters among its non-ASCII ones.
# Real Chinese text scores > 0.95 (even with pinyin annotations); mis-decoded text scores < 0.4.
MIN_COMMON_SHARE = 0.7
# Candidates closer than this are a tie, settled by charset-normalizer.
TIE_MARGIN = 0.05
# How many non-ASCII characters are sampled for scoring (keeps huge files fast).
SCORE_SAMPLE = 100_000
# A file with a few undecodable bytes (a scraped page cut mid-character) still loads, with U+FFFD in
# their place, if there are at most this many per byte of the file (and at least 2 are allowed).
MAX_BAD_SEQUENCES_PER_BYTE = 1 / 2000

_BIG5_FAMILY = ("big5", "cp950", "big5hkscs")  # supersets, tried in order when plain Big5 fails
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # \t \n \v \f \r are fine in text
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]+")  # what errors="surrogateescape" leaves for bad bytes

_BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its LE BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file; rename it to .pdf"),
    (b"PK\x03\x04", "a ZIP archive (perhaps a .docx); rename it to .docx if it is a Word file"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office file (.doc); save it as .docx or UTF-8 text"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
    (b"GIF8", "a GIF image, not text"),
)


class LoaderError(Exception):
    """A file that cannot be loaded; ``reason`` says what is wrong and what to do."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class Decoded(NamedTuple):
    text: str
    encoding: str
    replaced: int = 0  # undecodable byte sequences replaced by U+FFFD


class _Candidate(NamedTuple):
    text: str
    encoding: str
    score: float


@lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """Frequent Chinese characters plus CJK punctuation and symbols common in Chinese documents.

    The two national "frequent character" tables are built into the codecs: GB2312 level 1
    (rows 0xB0-0xD7, 3755 simplified characters) and Big5 常用字 (0xA440-0xC67E, 5401 traditional
    characters); no word list has to be shipped.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead, trail) > (0xC6, 0x7E):
                break
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    # Punctuation and symbols. Deliberately not kana, Greek, Cyrillic, box drawing, bopomofo or
    # pinyin letters: those are what mis-decoded Chinese turns into.
    for lo, hi in (
        (0x3000, 0x3040),  # CJK symbols and punctuation, ideographic space
        (0xFF01, 0xFF5F),  # full-width forms
        (0x2010, 0x2028),  # dashes, quotes, ellipsis
        (0x2030, 0x205F),
        (0x2160, 0x2180),  # Roman numerals
        (0x2460, 0x2500),  # circled numbers ①
        (0x25A0, 0x2700),  # shapes and symbols ■ ★
    ):
        chars.update(map(chr, range(lo, hi)))
    chars.update("·×÷°±")
    return frozenset(chars)


def common_share(text: str) -> float:
    """Share of common characters among the (sampled) non-ASCII, non-space characters of ``text``.

    Escaped undecodable bytes (lone surrogates) are ignored here; they are counted separately.
    Text with no such characters scores 1.0.
    """
    common = common_chars()
    good = total = 0
    for m in islice(_NON_ASCII.finditer(text), SCORE_SAMPLE):
        c = m.group()
        if c.isspace() or "\udc80" <= c <= "\udcff":
            continue
        total += 1
        good += c in common
    return good / total if total else 1.0


def _looks_binary(text: str) -> bool:
    limit = max(8, len(text) // 1000)
    return sum(1 for _ in islice(_CONTROL.finditer(text), limit + 1)) > limit


def _bad_sequences(text: str, limit: int) -> int:
    """Number of runs of undecodable bytes in a surrogate-escaped decode, counted up to ``limit + 1``."""
    return sum(1 for _ in islice(_ESCAPED_BYTES.finditer(text), limit + 1))


def guess_encoding(data: bytes, among: Sequence[str] | None = None) -> str | None:
    """charset-normalizer's best guess for (a sample of) ``data``, or ``None``."""
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data[:65536], cp_isolation=list(among) if among else None).best()
    except Exception:  # a hint only; never let it turn into the reason a file fails
        log.debug("charset-normalizer failed", exc_info=True)
        return None
    return best.encoding if best else None


def _sniff(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _max_bad(data: bytes) -> int:
    return max(2, int(len(data) * MAX_BAD_SEQUENCES_PER_BYTE))


def _plausible(text: str, data: bytes, lenient: bool) -> bool:
    if lenient:
        limit = _max_bad(data)
        if _bad_sequences(text, limit) > limit:
            return False
    return not _looks_binary(text)


def _chinese_decodes(data: bytes, errors: str) -> Iterator[tuple[str, str]]:
    """GB18030 then the first Big5 variant that decodes, one at a time (never both held here)."""
    try:
        yield data.decode("gb18030", errors), "gb18030"
    except UnicodeDecodeError:
        pass
    for enc in _BIG5_FAMILY:
        try:
            text = data.decode(enc, errors)
        except UnicodeDecodeError:
            continue
        yield text, enc
        return


def _family(encoding: str) -> str:
    return "gb18030" if encoding == "gb18030" else "big5"


def _pick_chinese(data: bytes, lenient: bool) -> _Candidate | None:
    """The best-scoring GB18030 / Big5 decode of ``data`` that looks like Chinese text, if any.

    Strict: every byte must decode. Lenient: a few undecodable byte runs are allowed (left as
    escaped surrogates for the caller to replace). Memory peaks at the bytes plus two decodes.
    """
    errors = "surrogateescape" if lenient else "strict"
    best: _Candidate | None = None
    runner_up: _Candidate | None = None
    for text, enc in _chinese_decodes(data, errors):
        if not _plausible(text, data, lenient):
            continue
        score = common_share(text)
        log.debug("candidate %s (lenient=%s): common-character share %.3f", enc, lenient, score)
        if score < MIN_COMMON_SHARE:
            continue
        cand = _Candidate(text, enc, score)
        if best is None or cand.score > best.score:
            best, runner_up = cand, best
        else:
            runner_up = cand
    if best is not None and runner_up is not None and best.score - runner_up.score < TIE_MARGIN:
        best = _break_tie(data, best, runner_up)
    return best


def _break_tie(data: bytes, a: _Candidate, b: _Candidate) -> _Candidate:
    """Choose between two equally plausible decodes (in practice: files of a few characters).

    Finer evidence first: how frequent the decoded characters are in real Chinese (jieba's word
    counts; Traditional folded to Simplified with OpenCC). Then charset-normalizer, then GB18030
    (mainland files are the more common case).
    """
    fa, fb = _mean_log_frequency(a.text), _mean_log_frequency(b.text)
    if fa is not None and fb is not None and abs(fa - fb) > 0.1:
        return a if fa > fb else b
    hint = guess_encoding(data, among=["gb18030", "big5"])
    if hint is not None:
        return a if _family(hint) == _family(a.encoding) else b
    return a if a.encoding == "gb18030" else b


@lru_cache(maxsize=1)
def _char_frequencies() -> dict[str, int]:
    """Character counts summed over jieba's dictionary; empty if it cannot be read."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return {}
    counts: Counter[str] = Counter()
    try:
        with open(Path(spec.origin).with_name("dict.txt"), encoding="utf-8") as f:
            for line in f:
                word, count = line.split(" ", 2)[:2]
                for ch in word:
                    counts[ch] += int(count)
    except (OSError, ValueError):
        log.debug("jieba dictionary unavailable for tie-breaking", exc_info=True)
        return {}
    return dict(counts)


def _mean_log_frequency(text: str, sample: int = 2000) -> float | None:
    freq = _char_frequencies()
    han = "".join(islice((m.group() for m in _HAN.finditer(text)), sample))
    if not freq or not han:
        return None
    try:
        han = to_simplified(han)
    except Exception:  # only a tie-breaker: a missing converter must not fail the load
        log.debug("OpenCC unavailable for tie-breaking", exc_info=True)
    return sum(math.log1p(freq.get(ch, 0)) for ch in han) / len(han)


def decode_text(data: bytes) -> Decoded:
    """Decode plain-text bytes, detecting the encoding; raise :class:`LoaderError` if it is not text.

    Order: byte-order mark (UTF-8/16/32), strict UTF-8, GB18030 vs Big5 (scored), then the same
    three allowing a few undecodable bytes (replaced by U+FFFD). Anything else (binary data,
    Shift-JIS, UTF-16 without a BOM, Latin-1, ...) is rejected rather than guessed into garbage.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom) and enc != "utf-8-sig":
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError as e:
                raise LoaderError(
                    f"starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()} "
                    f"(bad bytes at offset {e.start}); convert it to UTF-8"
                ) from None
    has_bom = data.startswith(codecs.BOM_UTF8)
    utf8 = "utf-8-sig" if has_bom else "utf-8"
    what = _sniff(data)
    if what is not None:
        raise LoaderError(f"binary file, not text: this is {what}")
    if b"\x00" in data:
        hint = guess_encoding(data)
        if hint and hint.startswith("utf_16"):
            raise LoaderError("looks like UTF-16 text without a byte-order mark; convert it to UTF-8")
        raise LoaderError("binary file, not text (it contains NUL bytes); convert it to UTF-8 text")

    try:
        text = data.decode(utf8)
    except UnicodeDecodeError:
        pass
    else:
        if _looks_binary(text):
            raise LoaderError("binary file, not text (too many control characters)")
        return Decoded(text, utf8)

    best = None if has_bom else _pick_chinese(data, lenient=False)
    if best is not None:
        return Decoded(best.text, best.encoding)

    # Lenient pass: a few broken bytes (a scraped page cut mid-character) should not cost the file.
    text = data.decode(utf8, "surrogateescape")
    if _plausible(text, data, lenient=True) and common_share(text) >= MIN_COMMON_SHARE:
        best = _Candidate(text, utf8, 1.0)
    del text
    if best is None and not has_bom:
        best = _pick_chinese(data, lenient=True)
    if best is not None:
        text, encoding = best.text, best.encoding
        del best
        text, n = _ESCAPED_BYTES.subn("\ufffd", text)
        return Decoded(text, encoding, n)

    hint = guess_encoding(data)
    guessed = f" (charset-normalizer guesses {hint})" if hint else ""
    raise LoaderError(
        f"cannot tell the text encoding: it is not UTF-8, GB18030/GBK or Big5{guessed}; "
        "convert it to UTF-8"
    )


# Declared charsets that are really a narrower name for a wider encoding used in practice.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "cp950",
    "x-x-big5": "cp950",
}



def _declared_charset(data: bytes) -> str | None:
    from bs4.dammit import EncodingDetector

    declared = EncodingDetector.find_declared_encoding(data[:65536], is_html=True)
    if not declared:
        return None
    name = declared.strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        log.debug("unknown declared charset %r; detecting instead", declared)
        return None


def decode_html(data: bytes) -> Decoded:
    """Decode HTML bytes: byte-order mark, then the declared (meta) charset, then detection."""
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        # Valid UTF-8 wins over the declaration: saved scraped pages keep their original
        # <meta charset=gb2312> after being re-encoded, and UTF-8 bytes often decode as GB18030.
        try:
            return Decoded(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
        declared = _declared_charset(data)
        if declared is not None:
            try:
                return Decoded(data.decode(declared), declared)
            except UnicodeDecodeError:
                log.info("HTML declares charset %s but does not decode with it; detecting", declared)
    return decode_text(data)
