"""Load speech files from disk into :class:`RawDocument` records.

Supported formats: plain text (``.txt``, ``.md``), HTML (``.html``, ``.htm``), Word (``.docx``) and
PDF (``.pdf``, text layer only). The byte-level work is pure (``decode_text``, ``html_to_text``,
``docx_to_text``, ``pdf_to_text`` take bytes and return text or raise :class:`LoaderError`);
``load_file`` and ``load_corpus`` are the file-system edge.

Plain-text encodings are detected, never assumed. Chinese text on disk is usually UTF-8, GB18030
(a superset of GBK/GB2312) or Big5. Big5 bytes almost always decode "successfully" as GB18030 (into
garbage) and short GBK text often decodes as Big5, so a clean decode proves little: each candidate is
scored by the share of its non-ASCII characters that are common Chinese characters or CJK
punctuation, and the best one wins if it looks like real text. Near ties (files of a few characters)
are broken by character frequencies (jieba's dictionary), then charset-normalizer, which also names
the likely encoding when a file is rejected.

``load_corpus`` never raises for a bad file: each problem becomes a :class:`LoadError` (which file,
what is wrong, what to do) and the other files still load.
"""
from __future__ import annotations

import codecs
import hashlib
import importlib.util
import io
import logging
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Literal, NamedTuple

from jianggao.indexer.types import LoadError, RawDocument

log = logging.getLogger(__name__)

Format = Literal["text", "html", "docx", "pdf"]

#: The one registry of supported suffixes (lower case) and how each is read.
FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(FORMATS)
SUPPORTED_LIST = ", ".join(sorted(SUPPORTED_SUFFIXES))

DEFAULT_MAX_BYTES = 200 * 1024 * 1024

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
_NEWLINES = re.compile(r"\r\n?")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses ASCII whitespace only (not U+3000)

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


# --------------------------------------------------------------------------------------------
# Encoding detection (pure)
# --------------------------------------------------------------------------------------------


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
        han = _t2s_converter().convert(han)
    except Exception:  # only a tie-breaker: a missing converter must not fail the load
        log.debug("OpenCC unavailable for tie-breaking", exc_info=True)
    return sum(math.log1p(freq.get(ch, 0)) for ch in han) / len(han)


@lru_cache(maxsize=1)
def _t2s_converter():  # noqa: ANN202 - opencc has no type hints
    import opencc

    return opencc.OpenCC("t2s")


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


# --------------------------------------------------------------------------------------------
# HTML, DOCX, PDF (pure: bytes in, text out)
# --------------------------------------------------------------------------------------------

_DROPPED_TAGS = ("script", "style", "noscript", "template", "head")
_VERBATIM_TAGS = frozenset({"pre", "textarea"})
_BLOCK_TAGS = sorted(
    """address article aside blockquote caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol p
    pre section summary table tbody td tfoot th thead title tr ul body html""".split()
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


def html_text(markup: str) -> str:
    """Visible text of an HTML document: one line per block element, inline markup joined.

    script/style/noscript/template/head are dropped; attributes (onerror=...) are never text.
    Whitespace collapses as a browser would, except inside <pre>/<textarea>.
    """
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "lxml")
    for tag in soup.find_all(_DROPPED_TAGS):
        if not tag.decomposed:
            tag.decompose()
    # Collapse source whitespace first, so that the line breaks added below survive it.
    for s in list(soup.find_all(string=True)):
        if type(s) is not NavigableString or any(p.name in _VERBATIM_TAGS for p in s.parents):
            continue
        collapsed = _HTML_SPACE.sub(" ", s)
        if collapsed != s:
            s.replace_with(collapsed)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (line.strip() for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def docx_to_text(data: bytes) -> str:
    """Paragraphs and table-cell paragraphs of a .docx, in document order, one per line."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as e:
        raise LoaderError(
            f"not a valid .docx (truncated or corrupt?): {type(e).__name__}: {e}; "
            "re-save it from Word, or save an old .doc as .docx"
        ) from None

    lines: list[str] = []

    def walk(container) -> None:  # Document body or a table cell
        for block in container.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                # Merged cells come back once per grid position. Keyed by id() of the XML element,
                # kept alive in the dict so that lxml hands back the same proxy (and id) each time.
                seen: dict[int, object] = {}
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen[id(cell._tc)] = cell._tc
                            walk(cell)

    try:
        walk(document)
    except Exception as e:
        raise LoaderError(
            f"could not read the text of this .docx ({type(e).__name__}: {e}); "
            "re-save it from Word or export it as UTF-8 text"
        ) from None
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _quiet_pypdf() -> None:
    """pypdf logs notes on damaged files ("EOF marker not found") that do not say which file; the LoaderError
    raised here does, so those notes stay out of the user's way (unless a level was set for pypdf)."""
    logger = logging.getLogger("pypdf")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)


def pdf_to_text(data: bytes) -> str:
    """Text layer of a PDF, pages joined by newlines."""
    from pypdf import PdfReader

    _quiet_pypdf()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError("the PDF is password-protected; remove the password and try again")
        pages = list(reader.pages)
    except LoaderError:
        raise
    except Exception as e:
        raise LoaderError(
            f"not a valid PDF (truncated or corrupt?): {type(e).__name__}: {e}; "
            "download or export it again"
        ) from None
    if not pages:
        raise LoaderError("the PDF has no pages")
    texts: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            log.warning("PDF page %d: text extraction failed", number, exc_info=True)
            failed.append(number)
    if len(failed) == len(pages):
        raise LoaderError("could not extract text from any page of the PDF (corrupt?)")
    if failed:
        log.warning("PDF: pages %s could not be read and are missing from the text", failed)
    if not any(t.strip() for t in texts):
        raise LoaderError(
            "the PDF has no text layer: it is probably scanned; run OCR on it first "
            "(e.g. `ocrmypdf -l chi_sim+chi_tra in.pdf out.pdf`) and load the result"
        )
    return "\n".join(texts)


def extract_text(data: bytes, fmt: Format) -> Decoded:
    """Text of a file's bytes in the given format (pure; raises :class:`LoaderError`)."""
    if fmt == "text":
        return decode_text(data)
    if fmt == "html":
        text, enc, replaced = decode_html(data)
        return Decoded(html_text(text), f"html/{enc}", replaced)
    if fmt == "docx":
        return Decoded(docx_to_text(data), "docx")
    if fmt == "pdf":
        return Decoded(pdf_to_text(data), "pdf")
    raise ValueError(f"unknown format {fmt!r}; valid: {sorted(set(FORMATS.values()))}")


# --------------------------------------------------------------------------------------------
# File system edge
# --------------------------------------------------------------------------------------------


def format_of(path: Path) -> Format:
    """The format registered for ``path``'s suffix, or :class:`LoaderError` listing the valid ones."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoaderError(_unsupported(path), str(path))
    return fmt


def _unsupported(path: Path) -> str:
    suffix = path.suffix.lower() or "(no extension)"
    return f"unsupported file type {suffix}; supported: {SUPPORTED_LIST}"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise LoaderError(_too_big(size, max_bytes), str(path))
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # the file may have grown since stat()
    if len(data) > max_bytes:
        raise LoaderError(_too_big(len(data), max_bytes), str(path))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    mb = 1024 * 1024
    return (
        f"file is {size / mb:.1f} MB, over the {max_bytes / mb:.0f} MB limit; "
        "split it into smaller files or raise max_bytes"
    )


def source_name(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` with forward slashes, or the bare file name without a root."""
    if root is None:
        return path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise ValueError(f"{path} is not inside {root}") from None


def load_file(path: Path, root: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Load one supported file; raise :class:`LoaderError` (naming the file) if it cannot be used."""
    path = Path(path)
    source = source_name(path, None if root is None else Path(root))
    fmt = format_of(path)
    try:
        data = _read_bytes(path, max_bytes)
    except PermissionError:
        raise LoaderError("permission denied; make the file readable (chmod +r)", str(path)) from None
    except IsADirectoryError:
        raise LoaderError("is a folder, not a file", str(path)) from None
    except FileNotFoundError:
        raise LoaderError("no such file", str(path)) from None
    except OSError as e:
        raise LoaderError(f"cannot read the file: {e.strerror or e}", str(path)) from None
    if not data or data.isspace():
        raise LoaderError("empty file; nothing to index", str(path))
    sha1 = hashlib.sha1(data).hexdigest()
    try:
        text, encoding, replaced = extract_text(data, fmt)
    except LoaderError as e:
        raise LoaderError(e.reason, str(path)) from None
    if replaced:
        log.warning(
            "%s: decoded as %s with %d undecodable byte sequence(s) replaced by U+FFFD",
            path, encoding, replaced,
        )
    del data  # from here on at most two copies of the text are alive
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if not text or text.isspace():
        reason = "empty file; nothing to index" if fmt == "text" else f"no text found in this {fmt} file"
        raise LoaderError(reason, str(path))
    log.debug("loaded %s (%s, %d chars)", source, encoding, len(text))
    return RawDocument(source=source, text=text, encoding=encoding, sha1=sha1)


def _walk(folder: Path, library: Path, seen_dirs: set[Path]) -> Iterator[Path | LoadError]:
    """Files under ``folder`` in sorted order, or a :class:`LoadError` for what cannot be walked.

    Hidden entries are skipped; symlinks are followed only while they stay inside ``library``
    (the resolved folder passed by the user); each real folder is walked once (no symlink loops).
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield LoadError(str(folder), f"cannot list this folder: {e.strerror or e}; check its permissions")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            log.debug("skipping hidden %s", path)
            continue
        if entry.name.startswith("~$"):  # Office lock file next to an open document, not a document
            log.debug("skipping Office lock file %s", path)
            continue
        try:
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    yield LoadError(str(path), "broken symlink (its target does not exist); remove or fix it")
                    continue
                if not target.is_relative_to(library):
                    yield LoadError(
                        str(path),
                        f"symlink points outside the library (to {target}); copy the file in instead",
                    )
                    continue
            if entry.is_dir():
                real = path.resolve()
                if real not in seen_dirs:
                    seen_dirs.add(real)
                    yield from _walk(path, library, seen_dirs)
            elif entry.is_file():
                yield path
            else:
                yield LoadError(str(path), "not a regular file (device, socket or pipe); skipped")
        except OSError as e:
            yield LoadError(str(path), f"cannot inspect this entry: {e.strerror or e}")


def _files_to_load(paths: Sequence[Path]) -> Iterator[tuple[Path, Path] | LoadError]:
    """(file, root) pairs for everything under ``paths``, and LoadErrors for what cannot be used."""
    for given in paths:
        given = Path(given)
        if given.is_dir():
            library = given.resolve()
            for item in _walk(given, library, {library}):
                yield item if isinstance(item, LoadError) else (item, given)
        elif given.is_file():
            yield given, given.parent
        elif given.is_symlink():
            yield LoadError(str(given), "broken symlink (its target does not exist)")
        elif given.exists():
            yield LoadError(str(given), "not a regular file or folder")
        else:
            yield LoadError(str(given), "no such file or folder; check the path")


def load_corpus(
    paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[RawDocument], list[LoadError]]:
    """Load every file under ``paths`` (files or folders, walked recursively in sorted order).

    Never raises for a bad file: each one becomes a :class:`LoadError` and the rest still load.
    A file reached twice (named twice, or through a symlink) is loaded once.
    """
    documents: list[RawDocument] = []
    errors: list[LoadError] = []
    loaded: set[Path] = set()
    sources: set[str] = set()
    # Problems are returned, and the caller reports them (the CLI prints "warning: skipped ...", the web UI
    # shows them): logged at INFO here so that they are not printed twice.
    for item in _files_to_load(paths):
        if isinstance(item, LoadError):
            log.info("%s", item)
            errors.append(item)
            continue
        path, root = item
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            error = LoadError(str(path), _unsupported(path))
            log.info("%s", error)
            errors.append(error)
            continue
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            real = path.absolute()
        if real in loaded:
            log.debug("%s: already loaded through another path", path)
            continue
        loaded.add(real)
        try:
            doc = load_file(path, root, max_bytes=max_bytes)
        except LoaderError as e:
            error = LoadError(str(path), e.reason)
            log.info("%s", error)
            errors.append(error)
            continue
        except Exception as e:  # one odd file must not stop the run
            log.warning("%s: unexpected error while loading", path, exc_info=True)
            reason = f"unexpected error ({type(e).__name__}: {e}); please report it"
            errors.append(LoadError(str(path), reason))
            continue
        if doc.source in sources:
            log.warning("%s: another loaded file has the same relative name %r", path, doc.source)
        sources.add(doc.source)
        documents.append(doc)
    log.info("loaded %d file(s), %d problem(s)", len(documents), len(errors))
    return documents, errors
