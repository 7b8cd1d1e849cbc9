"""Speech and passage metadata on disk, read by position or id: one SQLite file per segment.

Why SQLite (and not Python objects, JSONL, memory-mapped arrays or Arrow):

- The qa layer needs three lookups: a passage's text/offsets/speech id by position, a speech's title/meta/text by
  id, and a speech's passages in order. Positions map to a ``pos INTEGER PRIMARY KEY`` (the table's B-tree key),
  ids to a UNIQUE index, passages of a speech to an index on ``speech_row``: each lookup is a few page reads,
  and the pages are the operating system's cache, not the process's heap. Holding 1M ``Chunk`` objects (and
  ~70k ``Speech`` objects with their 5-20k-character texts) costs several GB of Python heap and ~30 s to load;
  opening a SQLite file costs nothing.
- Memory-mapped arrays serve positions well but not string ids or variable-length text without re-inventing an
  index; Arrow/Parquet would add a dependency for what ``sqlite3`` (standard library) does.
- A passage's text is not stored twice: it is ``substr`` of its speech's text (offsets are code points, which is
  what SQLite's ``substr`` counts). ``norm`` is stored only when it differs from ``text``.
- Segment files are written once and never changed (the library adds a segment per added batch), so readers
  open them read-only (``mode=ro``) and need no locking; one connection per thread.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from jianggao.indexer.types import Chunk, Speech

SCHEMA = """
CREATE TABLE speeches (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, head TEXT NOT NULL,
                       text TEXT NOT NULL, norm TEXT);
CREATE TABLE chunks (pos INTEGER PRIMARY KEY, speech_row INTEGER NOT NULL, ord INTEGER NOT NULL,
                     start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading TEXT NOT NULL, cid TEXT NOT NULL);
CREATE TABLE dups (pos INTEGER NOT NULL, other TEXT NOT NULL);
CREATE INDEX chunks_by_speech ON chunks (speech_row, pos);
CREATE INDEX chunks_by_cid ON chunks (cid);
CREATE INDEX dups_by_pos ON dups (pos);
CREATE INDEX speeches_in_order ON speeches (row, id, source);
CREATE TABLE names (gram TEXT NOT NULL, sid TEXT NOT NULL, PRIMARY KEY (gram, sid)) WITHOUT ROWID;
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
# ``speeches_in_order`` covers the (id, source) list read when a library is opened: without it that read walks the
# speeches table, whose pages hold the speeches' texts (~200 MB at a million passages). ``names``: the runs that
# name each speech (jianggao.indexer.speechnames), written with the segment so that opening a library reads
# nothing per speech; ``info`` says under which rules they were computed.
MAX_VARS = 900  # SQLite's bound-parameter limit is 999 in old builds

_CHUNK_SELECT = (
    'SELECT c.pos, s.id, c.ord, c.start, c."end", substr(s.text, c.start + 1, c."end" - c.start), '
    'substr(coalesce(s.norm, s.text), c.start + 1, c."end" - c.start), c.heading, c.cid '
    "FROM chunks c JOIN speeches s ON s.row = c.speech_row"
)


def _chunk(row: tuple) -> Chunk:
    _, sid, order, start, end, text, norm, heading, cid = row
    return Chunk(id=cid, speech_id=sid, order=order, start=start, end=end, text=text, norm=norm, heading=heading)


def _speech(row: tuple) -> Speech:
    head, text, norm = row
    d = json.loads(head)
    d["text"], d["norm"] = text, norm if norm is not None else text
    return Speech.from_json(d)


def write_segment(path: Path, speeches: Iterable[Speech], chunks: Iterable[Chunk],
                  duplicates: Iterable[Sequence[str]] | None = None,
                  names: Iterable[tuple[str, str]] | None = None) -> None:
    """Write a new segment file: ``chunks`` in position order (local positions 0..n-1), each of a speech in
    ``speeches``; ``duplicates[i]``: ids of the chunks elsewhere holding the same passage as chunk i; ``names``:
    the (run, speech id) rows of these speeches when already known (segments being merged), else computed."""
    with SegmentWriter(path) as w:
        w.add(speeches, chunks, duplicates, names)


class SegmentWriter:
    """Write a segment file in batches (a library of millions of passages is never all in memory), then
    publish it with one rename when the ``with`` block ends without error."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f"{self.path} exists; segments are written once")
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.tmp.unlink(missing_ok=True)
        self.con = sqlite3.connect(self.tmp)
        self.con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        self.row_of: dict[str, int] = {}
        self.n_chunks = 0
        from jianggao.indexer.speechnames import RULES

        self.con.execute("INSERT INTO info VALUES ('names_rules', ?)", (RULES,))

    def add(self, speeches: Iterable[Speech], chunks: Iterable[Chunk],
            duplicates: Iterable[Sequence[str]] | None = None,
            names: Iterable[tuple[str, str]] | None = None) -> None:
        rows = []
        speeches = list(speeches)
        for s in speeches:
            if s.id in self.row_of:
                raise ValueError(f"speech id {s.id!r} given twice")
            self.row_of[s.id] = len(self.row_of)
            head = s.to_json()
            del head["text"], head["norm"]
            rows.append((self.row_of[s.id], s.id, s.source, json.dumps(head, ensure_ascii=False), s.text,
                         None if s.norm == s.text else s.norm))
        self.con.executemany("INSERT INTO speeches VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.con.executemany("INSERT OR IGNORE INTO names VALUES (?, ?)",
                             _name_rows(speeches) if names is None else names)
        first = self.n_chunks
        batch = [(first + i, self.row_of[c.speech_id], c.order, c.start, c.end, c.heading, c.id)
                 for i, c in enumerate(chunks)]
        self.con.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        self.n_chunks += len(batch)
        if duplicates is not None:
            self.con.executemany("INSERT INTO dups VALUES (?, ?)",
                                 ((first + i, o) for i, others in enumerate(duplicates) for o in others))

    def __enter__(self) -> "SegmentWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.con.close()
            self.tmp.unlink(missing_ok=True)
            return
        # The counts, so that opening the segment does not count a million rows.
        self.con.executemany("INSERT INTO info VALUES (?, ?)",
                             [("n_chunks", str(self.n_chunks)), ("n_speeches", str(len(self.row_of)))])
        self.con.commit()
        self.con.close()
        # Durable before it is published: the caller fsyncs the folder and then points a version at it.
        with open(self.tmp, "rb+") as f:
            os.fsync(f.fileno())
        self.tmp.replace(self.path)


def _name_rows(speeches: Iterable[Speech]) -> Iterator[tuple[str, str]]:
    from jianggao.indexer.speechnames import naming_runs, speech_identity

    for s in speeches:
        for g in naming_runs(speech_identity(s)):
            yield g, s.id


class MetaSegment:
    """Read-only access to one segment file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"metadata segment {self.path} is missing")
        self._local = threading.local()
        con = self._con()
        try:
            info = dict(con.execute("SELECT key, value FROM info WHERE key IN ('n_chunks', 'n_speeches')"))
        except sqlite3.OperationalError:  # written before the info table
            info = {}
        self.n_chunks = int(info["n_chunks"]) if "n_chunks" in info else \
            con.execute("SELECT count(*) FROM chunks").fetchone()[0]
        self.n_speeches = int(info["n_speeches"]) if "n_speeches" in info else \
            con.execute("SELECT count(*) FROM speeches").fetchone()[0]

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.con = con
        return con

    def chunks(self, positions: Sequence[int]) -> list[Chunk]:
        """Chunks at these local positions, in the order given."""
        con = self._con()
        found: dict[int, Chunk] = {}
        uniq = list(dict.fromkeys(int(p) for p in positions))
        for a in range(0, len(uniq), MAX_VARS):
            part = uniq[a:a + MAX_VARS]
            q = f"{_CHUNK_SELECT} WHERE c.pos IN ({','.join('?' * len(part))})"
            for row in con.execute(q, part):
                found[row[0]] = _chunk(row)
        try:
            return [found[int(p)] for p in positions]
        except KeyError as e:
            raise IndexError(f"no chunk at position {e.args[0]} of {self.path}") from None

    def iter_chunks(self) -> Iterator[Chunk]:
        for row in self._con().execute(f"{_CHUNK_SELECT} ORDER BY c.pos"):
            yield _chunk(row)

    def speech(self, speech_id: str) -> Speech | None:
        row = self._con().execute("SELECT head, text, norm FROM speeches WHERE id = ?", (speech_id,)).fetchone()
        return _speech(row) if row else None

    def has_speech(self, speech_id: str) -> bool:
        return self._con().execute("SELECT 1 FROM speeches WHERE id = ?", (speech_id,)).fetchone() is not None

    def iter_speeches(self) -> Iterator[Speech]:
        for row in self._con().execute("SELECT head, text, norm FROM speeches ORDER BY row"):
            yield _speech(row)

    def speech_ids(self) -> list[tuple[str, str]]:
        """(id, source) of every speech, in order. Read once per opened segment (the file never changes) and
        kept: every new version of the library (an upload) lists the live speeches of all its segments again."""
        ids = getattr(self, "_speech_ids", None)
        if ids is None:
            ids = self._speech_ids = list(self._con().execute("SELECT id, source FROM speeches ORDER BY row"))
        return list(ids)

    def titles(self) -> dict[str, str]:
        """Speech id -> title, read once per opened segment and kept (an added batch's titles are told apart
        from the library's: jianggao.indexer.identity.disambiguate_titles)."""
        titles = getattr(self, "_titles", None)
        if titles is None:
            rows = self._con().execute("SELECT id, json_extract(head, '$.title') FROM speeches ORDER BY row")
            titles = self._titles = {sid: title or "" for sid, title in rows}
        return dict(titles)

    def ids_by_row(self) -> list[str]:
        """Speech id of each speech row (~50k short strings at 1M passages)."""
        ids = getattr(self, "_ids_by_row", None)
        if ids is None:
            ids = self._ids_by_row = [sid for sid, _ in self.speech_ids()]
        return ids

    def speech_ids_at(self, positions: Sequence[int]) -> list[str]:
        """The speech id of the chunk at each of these local positions (one query; no text read)."""
        con, ids = self._con(), self.ids_by_row()
        row_of: dict[int, int] = {}
        uniq = list(dict.fromkeys(int(p) for p in positions))
        for a in range(0, len(uniq), MAX_VARS):
            part = uniq[a:a + MAX_VARS]
            row_of.update(con.execute(f"SELECT pos, speech_row FROM chunks WHERE pos IN ({','.join('?' * len(part))})",
                                      part))
        return [ids[row_of[int(p)]] for p in positions]

    @property
    def has_names(self) -> bool:
        """Whether this segment stores its speeches' naming runs under the current rules."""
        from jianggao.indexer.speechnames import RULES

        try:
            row = self._con().execute("SELECT value FROM info WHERE key = 'names_rules'").fetchone()
        except sqlite3.OperationalError:  # a segment written before names were stored
            return False
        return row is not None and row[0] == RULES

    def name_counts(self, grams: Sequence[str]) -> dict[str, int]:
        """How many speeches of this segment each gram names (grams naming none left out); an index-only count."""
        con, out = self._con(), {}
        for a in range(0, len(grams), MAX_VARS):
            part = list(grams[a:a + MAX_VARS])
            out.update(con.execute(f"SELECT gram, count(*) FROM names WHERE gram IN ({','.join('?' * len(part))}) "
                                   "GROUP BY gram", part))
        return out

    def name_rows(self) -> Iterator[tuple[str, str]]:
        """Every stored (run, speech id) row (copied when segments are merged, instead of POS-tagging again)."""
        yield from self._con().execute("SELECT gram, sid FROM names")

    def name_holders(self, grams: Sequence[str]) -> dict[str, list[str]]:
        """The ids of the speeches of this segment each gram names."""
        con, out = self._con(), {}
        for a in range(0, len(grams), MAX_VARS):
            part = list(grams[a:a + MAX_VARS])
            for g, sid in con.execute(f"SELECT gram, sid FROM names WHERE gram IN ({','.join('?' * len(part))})",
                                      part):
                out.setdefault(g, []).append(sid)
        return out

    def positions_of(self, speech_id: str) -> list[int]:
        return [r[0] for r in self._con().execute(
            "SELECT c.pos FROM chunks c JOIN speeches s ON s.row = c.speech_row WHERE s.id = ? ORDER BY c.pos",
            (speech_id,))]

    def position_of_chunk(self, chunk_id: str) -> int | None:
        row = self._con().execute("SELECT pos FROM chunks WHERE cid = ?", (chunk_id,)).fetchone()
        return row[0] if row else None

    def duplicates(self) -> dict[int, list[str]]:
        """Local position -> ids of the chunks holding the same passage (read once per opened segment)."""
        cached = getattr(self, "_duplicates", None)
        if cached is None:
            cached = self._duplicates = {}
            for pos, other in self._con().execute("SELECT pos, other FROM dups ORDER BY pos, rowid"):
                cached.setdefault(pos, []).append(other)
        return {pos: list(others) for pos, others in cached.items()}

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None
