"""One object the front ends share: the library folders, their index, the encoder and the QA functions.

Folders. The index covers read-only folders (by default the bundled corpus, ``data/speeches``, tracked in git) and
the user's library (``$JIANGGAO_LIBRARY_DIR`` or ``data/library``, git-ignored): uploads land in the library, and
only files of the library can be deleted. The bundled corpus is never written from the app.

Reads go to the current ``Retriever``; writes (upload, remove, re-index) run one at a time under a lock,
build a new index version on disk (atomic, see ``jianggao.indexer.store``) and then swap in a new retriever, so
searches running meanwhile finish on the old one and never see a half-built index.
"""
from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import Callable, Iterator, Sequence

from jianggao.indexer.config import DEFAULT_CORPUS, default_index_dir, default_library_dir
from jianggao.indexer.loaders import SUPPORTED_SUFFIXES
from jianggao.qa.retrieval import Filters, Hit, Mode, Retriever

log = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"  # uploads land in this sub-folder of the library
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_FILES = 20


class UploadError(ValueError):
    """An upload (or a removal) that was refused; the message says why."""


class ReadOnlySourceError(UploadError):
    """A removal refused because the file belongs to a read-only folder (the bundled corpus)."""

    def __init__(self, source: str) -> None:
        super().__init__(
            f"{source!r} belongs to the bundled corpus, which is read-only here; only files of the library "
            "(uploads) can be deleted"
        )
        self.source = source


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder: no separators, no '..', no control characters."""
    base = unicodedata.normalize("NFC", Path(str(name).replace("\\", "/")).name)
    base = re.sub(r"[\x00-\x1f\x7f/]", "", base).strip().lstrip(".")
    if not base or base in {".", ".."}:
        raise UploadError(f"{name!r} is not a usable file name")
    return base[:200]


class Engine:
    def __init__(
        self,
        index_dir: Path | None = None,
        library_dir: Path | None = None,
        model: str | None = None,
        device: str = "auto",
        read_only_dirs: Sequence[Path] | None = None,
    ):
        """``library_dir``: the writable library (default ``$JIANGGAO_LIBRARY_DIR`` or ``data/library``).
        ``read_only_dirs``: folders indexed beside it but never written; by default the bundled corpus when the
        library is the default one, none when a library is given (it is then the whole collection)."""
        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.library_dir = Path(library_dir) if library_dir else default_library_dir()
        if read_only_dirs is None:
            read_only_dirs = [DEFAULT_CORPUS] if library_dir is None else []
        self.read_only_dirs = [Path(p) for p in read_only_dirs]
        self.model = model
        self.device = device
        self._encoder = None
        self._retriever: Retriever | None = None
        self._write_lock = threading.RLock()
        self._pin = threading.local()  # the index version a thread reads inside ``pinned()``

    # -- index lifecycle ---------------------------------------------------------------------------------------
    @property
    def encoder(self):
        if self._encoder is None:
            from jianggao.indexer.embedding import Encoder

            self._encoder = Encoder(self.model, device=self.device)
        return self._encoder

    def sources(self) -> list[Path]:
        """The folders the index covers: the read-only ones, then the library once it exists (or when it is the
        only one, so that a missing library is reported rather than silently indexing nothing)."""
        paths = list(self.read_only_dirs)
        if self.library_dir.is_dir() or not paths:
            paths.append(self.library_dir)
        return paths

    def _protected(self) -> list[Path]:
        """Folders the app never writes to: the read-only ones and the bundled corpus, wherever they are named."""
        return [p.resolve() for p in (*self.read_only_dirs, DEFAULT_CORPUS)]

    def has_index(self) -> bool:
        return (self.index_dir / "CURRENT").exists()

    def ensure_index(self, progress: bool = False):
        """Build the index if there is none (or update it if the library changed); returns the build report."""
        with self._write_lock:
            report = self._build(progress=progress)
            return report

    def _build(self, progress: bool = False):
        from jianggao.indexer.build import build_index

        report = build_index(self.sources(), self.index_dir, encoder=self.encoder, progress=progress)
        if not report.nothing_to_do or self._retriever is None:
            self._reload()
        return report

    def _reload(self) -> None:
        from jianggao.indexer.store import Store
        from jianggao.qa.answer import carry_over_cache

        store = Store.load(self.index_dir, expect_model=self.encoder.name)
        if self._retriever is not None:  # keep the answers' sentence vectors: otherwise all asks are cold again
            carry_over_cache(self._retriever.store, store)
        self._retriever = Retriever(store, self.encoder)  # one reference swap: readers see old or new

    @contextlib.contextmanager
    def pinned(self) -> Iterator[Retriever]:
        """Within this block the calling thread reads one index version, even if an upload or removal switches
        to a new one meanwhile: a UI handler that answers and then renders the cited speeches finds them all in
        the version that answered. Nested blocks keep the outer version."""
        outer = getattr(self._pin, "retriever", None)
        if outer is not None:
            yield outer
            return
        self._pin.retriever = self.retriever
        try:
            yield self._pin.retriever
        finally:
            self._pin.retriever = None

    @property
    def retriever(self) -> Retriever:
        pinned = getattr(self._pin, "retriever", None)
        if pinned is not None:
            return pinned
        if self._retriever is None:
            with self._write_lock:
                if self._retriever is None:
                    if self.has_index():
                        self._reload()
                    else:
                        self._build()
        assert self._retriever is not None
        return self._retriever

    @property
    def store(self):
        return self.retriever.store

    # -- reading -----------------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, mode: Mode = "hybrid", filters: Filters | None = None) -> list[Hit]:
        return self.retriever.search(query, k=k, mode=mode, filters=filters)

    def search_batch(
        self, queries: Sequence[str], k: int = 10, mode: Mode = "hybrid", filters: Filters | None = None
    ) -> list[list[Hit]]:
        return self.retriever.search_batch(queries, k=k, mode=mode, filters=filters)

    def ask(self, question: str, k: int = 8, mode: Mode = "hybrid", filters: Filters | None = None, llm=None):
        """An Answer with citations (jianggao.qa.answer). ``llm``: a jianggao.qa.llm.ChatClient; by default one is made from
        $JIANGGAO_LLM_URL / _MODEL / _KEY when that is set, else the answer is extractive."""
        return self.ask_batch([question], k=k, mode=mode, filters=filters, llm=llm)[0]

    def ask_batch(self, questions: Sequence[str], k: int = 8, mode: Mode = "hybrid",
                  filters: Filters | None = None, llm=None):
        from jianggao.qa.answer import ask_batch
        from jianggao.qa.llm import make_client

        problem = None
        if llm is None:
            try:
                llm = make_client()
            except ValueError as e:  # a malformed $JIANGGAO_LLM_URL: answer anyway, and say why not generated
                log.warning("LLM endpoint not used: %s", e)
                problem = f"生成式回答未启用：{e}"
        answers = ask_batch(self.retriever, questions, k=k, mode=mode, filters=filters, llm=llm)
        if problem:
            for a in answers:
                a.warnings.append(problem)
        return answers

    def similar(self, text: str | None = None, chunk_id: str | None = None, k: int = 10, mode: Mode = "hybrid",
                filters: Filters | None = None) -> list[Hit]:
        """Passages like a pasted text or an indexed passage, copies grouped (jianggao.qa.similar)."""
        from jianggao.qa.similar import similar

        return similar(self.retriever, text=text, chunk_id=chunk_id, k=k, mode=mode, filters=filters)

    def compare(self, topic: str, max_speeches: int = 10, passages_per_speech: int = 3, mode: Mode = "hybrid",
                filters: Filters | None = None):
        """A Comparison of how the speeches treat ``topic`` (jianggao.qa.compare)."""
        from jianggao.qa.compare import compare

        return compare(self.retriever, topic, max_speeches=max_speeches, passages_per_speech=passages_per_speech,
                       mode=mode, filters=filters)

    def speeches(self):
        return self.store.speeches

    def speech(self, speech_id: str):
        return self.store.speech_by_id(speech_id)

    # -- writing -----------------------------------------------------------------------------------------------
    def add_files(
        self, files: Sequence[tuple[str, bytes | Path]], progress: Callable[[float, str], None] | None = None
    ):
        """Copy uploaded files (original name, content or temp path) into the library, then re-index.

        Names are reduced to a bare file name inside ``library/uploads``: nothing can be written outside it.
        """
        if not files:
            raise UploadError("no files were uploaded")
        if len(files) > MAX_UPLOAD_FILES:
            raise UploadError(f"{len(files)} files at once; upload at most {MAX_UPLOAD_FILES}")
        staged: list[tuple[Path, bytes | Path]] = []
        target_dir = (self.library_dir / UPLOAD_DIR).resolve()
        if any(target_dir == p or p in target_dir.parents for p in self._protected()):
            raise UploadError(
                f"the library {self.library_dir} is inside the bundled corpus, which is read-only; "
                "choose another library folder (--library DIR or $JIANGGAO_LIBRARY_DIR)"
            )
        for name, content in files:
            clean = safe_name(name)
            if Path(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
                raise UploadError(
                    f"{clean}: unsupported file type; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
                )
            size = len(content) if isinstance(content, bytes) else Path(content).stat().st_size
            if size > MAX_UPLOAD_BYTES:
                # MB of 2**20 bytes, as the web UI states the limit.
                raise UploadError(
                    f"{clean}: {size / 2**20:.1f} MB is over the {MAX_UPLOAD_BYTES // 2**20} MB limit; "
                    "split it into smaller files"
                )
            if size == 0:
                raise UploadError(f"{clean}: the file is empty")
            dest = (target_dir / clean).resolve()
            if dest.parent != target_dir:
                raise UploadError(f"{name!r} would be written outside the library")
            staged.append((dest, content))
        with self._write_lock:
            target_dir.mkdir(parents=True, exist_ok=True)
            for dest, content in staged:
                tmp = dest.with_name(f".{dest.name}.part")
                if isinstance(content, bytes):
                    tmp.write_bytes(content)
                else:
                    shutil.copyfile(content, tmp)
                tmp.replace(dest)
            if progress:
                progress(0.2, "正在建立索引…")
            report = self._build()
            if progress:
                progress(1.0, "完成")
            return report

    def remove_source(self, source: str):
        """Delete one library file (by its ``source`` name) and drop its speeches from the index.

        Files of the read-only folders (the bundled corpus) are refused with :class:`ReadOnlySourceError`."""
        with self._write_lock:
            for folder in self.read_only_dirs:
                base = folder.resolve()
                candidate = (base / source).resolve()
                if base in candidate.parents and candidate.is_file():
                    raise ReadOnlySourceError(source)
            root = self.library_dir.resolve()
            path = (root / source).resolve()
            if root not in path.parents or not path.is_file():
                raise UploadError(f"{source!r} is not a file of the library")
            if any(p == path or p in path.parents for p in self._protected()):
                raise ReadOnlySourceError(source)
            path.unlink()
            return self._build()
