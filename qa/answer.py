"""Answers to questions, built from retrieved passages, with citations a reader can check.

Pipeline (``ask_batch``; ``ask(q)`` is ``ask_batch([q])[0]``):

1. Retrieve. The top ``k`` passages of the chosen mode, and in hybrid mode also the top ``k`` of the dense
   and of the keyword list on their own: rank fusion can bury a passage that only one list finds (a
   paraphrase the model matches but BM25 does not, or the reverse), and reading a few more passages is cheap.
2. Split the speeches around those passages into sentences (``jianggao.indexer.chunking.split_sentences``). Offsets
   are into the *speech* text, so every citation is exactly ``speech.text[start:end]``.
3. Score every sentence against the question (``score_sentences``, pure): cosine of the sentence embedding
   with the question embedding, cosine of its passage (the context), the IDF-weighted share of the
   question's words it contains (alone and with its neighbours), and its passage's retrieval rank as a small
   prior. All sentences of a batch are embedded in one encoder call, and cached per index.
4. Keep the best sentence and those nearly as good from elsewhere (at most ``MAX_CITATIONS``); a short
   sentence grows to its neighbours in the same paragraph so that each excerpt carries a whole fact
   (``excerpt_range``). The answer is the excerpts in reading order, each followed by its marker [n].
5. Decide whether the evidence answers the question at all (``answer_confidence``); when it does not, the
   answer is a refusal (``answerable=False`` and a message) with the closest passages, never an invented one.

With an LLM client (``jianggao.qa.llm``) the answer text of step 4 is written by the model from the same passages;
any failure of the endpoint falls back to the extractive answer with a warning in ``Answer.warnings``.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

import numpy as np

from jianggao.indexer.chunking import Span, split_sentences
from jianggao.qa.retrieval import Filters, Hit, Mode, validate_query

if TYPE_CHECKING:
    from jianggao.qa.llm import ChatClient
    from jianggao.qa.retrieval import Retriever

log = logging.getLogger(__name__)

REFUSAL_MESSAGE = "资料中没有找到足够依据回答这个问题。下面列出最接近的段落，供参考。"
NO_PASSAGES_MESSAGE = "资料中没有找到与这个问题相关的内容。"
LLM_FALLBACK_WARNING = "生成式回答不可用（{reason}），已改用原文摘录回答。"
LLM_NO_CITATION_WARNING = "生成式回答没有引用任何资料，已改用原文摘录回答。"

DEFAULT_K = 8
MAX_CITATIONS = 3
# A sentence shorter than this grows to its neighbour(s) in the same paragraph: a clause such as
# "其中华通公司109辆" is only checkable, and readable, with the sentence around it.
MIN_EXCERPT_CHARS = 40
MAX_EXCERPT_CHARS = 300
# Another sentence becomes a citation too when it scores within this margin of the best one: with a small
# embedding model the sentence that holds the answer is often second or third by a hair.
CITATION_MARGIN = 0.1

# Sentence score weights (see score_sentences), chosen on the dev set from a broad plateau rather than a
# sharp optimum: the sentence's own cosine leads; context, word overlap and retrieval rank break ties.
W_SENTENCE = 1.0
W_PASSAGE = 0.25
W_LEXICAL = 0.25
W_WINDOW = 0.25
W_PRIOR = 0.02
W_TYPE = 0.5

# Sentence vectors kept per index, so that asking again near the same passages costs no model time.
SENTENCE_CACHE_SIZE = 50_000

# Question words carry no content: the sentence that answers "多少" does not contain "多少".
_QUESTION_WORDS = frozenset(
    "多少 多少钱 多大 多久 多长 多高 几 几个 几次 几年 几天 什么 什么样 怎么 怎么样 怎样 如何 为什么 为何 是否 谁 "
    "哪 哪些 哪个 哪里 哪儿 何时 何地 何处 吗 呢 请问".split()
)
_QUESTION_PREFIX = re.compile(r"^(?:哪|几(?!乎)|第几)")
# Expected answer types (classic QA): a question asking "how many", "where", "who" or "when" is answered
# only by text holding a figure, a place, a person or a date that the question does not already give.
_ASKS_TIME = re.compile(r"什么时候|何时|哪一?年|哪一?天|哪个月|几月|几号|几日")
_ASKS_PLACE = re.compile(r"哪(?:座|个|一个|一)?(?:城市|省|市|县|区|镇|村|地方|国家|地区|里|儿)|什么地方|在哪")
_ASKS_PERSON = re.compile(r"谁|叫什么|全名|名字|姓名|哪位")
_HOW_MANY = re.compile(r"(?:多少|几(?!乎))([个名人户所条辆件家项天年元次位台套种类批座张期倍吨亩篇届场支份]?)")
_MONEY_WORDS = re.compile(r"钱|资金|投资|投入|销售额|收入|经费|费用|金额|产值|补助|补贴|奖金|救助金|预算")
# Classifiers that answer for one another (几家 -> 11个, 多少人 -> 9491名).
_UNIT_ALIASES = {"人": "人名位", "名": "名人位", "位": "位名人", "家": "家个所", "个": "个家所项", "所": "所个家",
                 "种": "种类项个", "类": "类种项个", "项": "项个种类"}
_NUMBER = r"(?:[0-9][0-9.,]*|[零一二两三四五六七八九十百千万亿]+)[多余]?(?:万|亿|千|百)?"
# Any figure: digits, or a Chinese numeral with a classifier; a lone 一 is left out (一个, 一次 are idioms).
_ANY_FIGURE = re.compile(r"[0-9]|(?:[二两三四五六七八九十百千万亿]|[一二两三四五六七八九十百千万亿]{2,})"
                         r"[个名人户所条辆件家项天年元次位万亿]")
_DATE = re.compile(r"[0-9x]+\s*年|[0-9一二三四五六七八九十]+\s*月|[0-9一二三四五六七八九十]+\s*[日号]|[今去前明]年|上半年|下半年")
# Answer kinds that also rank sentences (W_TYPE). Names are only checked on the chosen excerpts: jieba's POS
# tags are too noisy (施策 tagged as a person) to rank hundreds of sentences by, which would favour any
# sentence that happens to hold a name.
RANKED_KINDS = ("quantity", "time")
_PLACE_TAGS = frozenset({"ns"})
_PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
# Names of places and organisations: one the corpus never mentions (even without its 省/市/县... suffix)
# means the question is about something the library does not cover.
_NAME_TAGS = frozenset({"ns", "nt"})
_ANY_NAME_TAGS = frozenset({"ns", "nt", "nr", "nrfg", "nrt", "nz"})
# A name found in at most this share of the passages identifies the question's subject (a county, a company);
# common words that jieba tags as names (幼儿园, 师生) are far more frequent.
KEY_NAME_MAX_SHARE = 0.01
_ADMIN_SUFFIX = re.compile(r"(?:省|市|县|区|镇|乡|村|旗|州)$")
_COLONS = "：:"
_END_PUNCT = "。；;，,：:！!？?…"


# -- result types --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Citation:
    n: int  # the marker number in the answer text, from 1
    speech_id: str
    title: str
    source: str
    text: str  # the exact excerpt: speech.text[start:end]
    start: int  # offsets into the speech's displayed text
    end: int
    chunk_id: str  # the indexed passage the excerpt was found in
    paragraph_start: int  # the paragraph (line) around the excerpt, for showing it in context
    paragraph_end: int
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answerable: bool
    answer: str  # text with inline markers [n]; "" when refused
    citations: list[Citation] = field(default_factory=list)
    message: str = ""  # why there is no answer (Chinese, for the user); "" when answered
    closest: list[Hit] = field(default_factory=list)  # the top passages: the fallback shown when refused
    confidence: float = 0.0  # the evidence score that ANSWER_THRESHOLD applies to
    warnings: list[str] = field(default_factory=list)
    generated: bool = False  # written by an LLM from the passages rather than extracted

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answerable": self.answerable,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "message": self.message,
            "closest": [h.to_json() for h in self.closest],
            "confidence": round(float(self.confidence), 4),
            "warnings": list(self.warnings),
            "generated": self.generated,
        }


class Layout(NamedTuple):
    """A speech cut into sentences and paragraphs (lines); offsets into its text."""

    sentences: list[Span]
    paragraphs: list[Span]
    para_of: list[int]  # for each sentence, the index of its paragraph


class Candidate(NamedTuple):
    """A sentence near a retrieved passage, as the scorer sees it."""

    speech_id: str
    index: int  # position in the speech's sentence list
    chunk: int  # store position of the best-ranked retrieved passage holding it
    rank: int  # that passage's best retrieval rank, from 1


class SentenceFeatures(NamedTuple):
    """Per-candidate features, one array entry per sentence."""

    dense: np.ndarray  # cosine(sentence, question)
    passage: np.ndarray  # cosine(passage, question)
    lexical: np.ndarray  # weighted share of the question's words found in the sentence
    window: np.ndarray  # ... in the sentence with its two neighbours
    rank: np.ndarray  # retrieval rank of the passage, from 1
    answer_type: np.ndarray  # does the sentence hold the kind of figure the question asks for (type_match)


class Excerpt(NamedTuple):
    speech_id: str
    first: int  # sentence range [first, last) in the speech's layout
    last: int
    chunk: int
    score: float


# -- pure core -----------------------------------------------------------------------------------------------
def layout_of(text: str) -> Layout:
    """Sentences and paragraphs (lines, newline excluded) of a speech text."""
    sentences = split_sentences(text)
    paragraphs: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        paragraphs.append(Span(pos, pos + len(line)))
        pos += len(line) + 1
    return Layout(sentences, paragraphs, [paragraph_of(paragraphs, s.start) for s in sentences])


def paragraph_of(paragraphs: Sequence[Span], pos: int) -> int:
    """Index of the paragraph that holds offset ``pos`` (paragraphs sorted and disjoint)."""
    lo, hi = 0, len(paragraphs) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if paragraphs[mid].start <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def content_terms(tokens: Sequence[str]) -> list[str]:
    """Distinct question tokens that carry content (question words dropped), in order."""
    return [t for t in dict.fromkeys(tokens) if t not in _QUESTION_WORDS and not _QUESTION_PREFIX.match(t)]


def idf(df: int, n_docs: int) -> float:
    """BM25's idf: rare words weigh more, and a word the corpus lacks weighs most."""
    return math.log((n_docs - df + 0.5) / (df + 0.5) + 1.0)


def coverage(text: str, weights: dict[str, float]) -> float:
    """Weighted share of the terms that occur in ``text`` (as substrings: immune to how jieba happened to cut
    the sentence); 0 when there are no terms."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in text) / total


class Expected(NamedTuple):
    """What kind of answer a question asks for."""

    kind: str | None  # "quantity" | "time" | "place" | "person"; None: no particular kind
    units: str = ""  # quantity: classifiers the figure should carry ("" = any figure)
    known: frozenset[str] = frozenset()  # names the question itself gives (the answer must bring another)


def expected_answer(question: str, tag=None) -> Expected:
    """The answer type of a (normalised) question. ``tag``: text -> [(word, POS flag)], needed for names."""
    if _ASKS_TIME.search(question):
        return Expected("time")
    if _ASKS_PLACE.search(question) or _ASKS_PERSON.search(question):
        kind = "place" if _ASKS_PLACE.search(question) else "person"
        tags = _PLACE_TAGS if kind == "place" else _PERSON_TAGS
        known = frozenset(w for w, f in (tag or _pos_tag)(question) if f in tags)
        return Expected(kind, known=known)
    found = _HOW_MANY.findall(question)
    if not found:
        return Expected(None)
    units = "".join(_UNIT_ALIASES.get(u, u) for u in found if u)
    if not units and _MONEY_WORDS.search(question):  # "总投资是多少": an amount of money
        units = "元"
    return Expected("quantity", units)


def type_match(text: str, expected: Expected, tag=None) -> float:
    """How well ``text`` (normalised) fits the expected answer: 1 when it holds an answer of that kind (a
    figure with one of the classifiers asked for, a date, a place or person the question does not name),
    0.5 for a figure of another kind, 0 otherwise. 0 for every text when no kind is expected."""
    kind = expected.kind
    if kind is None:
        return 0.0
    if kind == "time":
        return 1.0 if _DATE.search(text) else 0.0
    if kind in ("place", "person"):
        tags = _PLACE_TAGS if kind == "place" else _PERSON_TAGS
        names = {w for w, f in (tag or _pos_tag)(text) if f in tags and len(w) >= 2}
        return 1.0 if names - expected.known else 0.0
    if expected.units and re.search(f"{_NUMBER}[{re.escape(expected.units)}]", text):
        return 1.0
    if _ANY_FIGURE.search(text):
        return 0.5 if expected.units else 1.0
    return 0.0


class QuestionNames(NamedTuple):
    key: list[str]  # rare names (as the corpus spells them) that identify what the question is about
    unknown: list[str]  # places and organisations the corpus never mentions


def question_names(question: str, df, n_docs: int, tag=None) -> QuestionNames:
    """The names (jieba POS: places, persons, organisations, other proper nouns) in a normalised question.
    A name the corpus lacks is looked up again without its administrative suffix (商州区 -> 商州). ``df``:
    terms -> {term: number of passages containing it}."""
    names = list(dict.fromkeys(w for w, f in (tag or _pos_tag)(question) if f in _ANY_NAME_TAGS and len(w) >= 2))
    if not names:
        return QuestionNames([], [])
    flags = {w: f for w, f in (tag or _pos_tag)(question)}
    stems = {w: _ADMIN_SUFFIX.sub("", w) for w in names}
    counts = df(list(dict.fromkeys([*names, *(x for x in stems.values() if len(x) >= 2)])))
    key, unknown = [], []
    rare = max(2, int(KEY_NAME_MAX_SHARE * n_docs))
    for w in names:
        form = w if counts.get(w, 0) else stems[w] if len(stems[w]) >= 2 and counts.get(stems[w], 0) else None
        if form is None:
            if flags.get(w) in _NAME_TAGS:
                unknown.append(w)
        elif counts[form] <= rare:
            key.append(form)
    return QuestionNames(key, unknown)


def score_sentences(f: SentenceFeatures) -> np.ndarray:
    """One relevance score per sentence: a weighted sum of its features (higher is better)."""
    return (
        W_SENTENCE * f.dense
        + W_PASSAGE * f.passage
        + W_LEXICAL * f.lexical
        + W_WINDOW * f.window
        + W_PRIOR / np.sqrt(np.maximum(f.rank, 1))
        + W_TYPE * f.answer_type
    )


def excerpt_range(
    text: str,
    layout: Layout,
    i: int,
    scores: dict[int, float] | None = None,
    min_chars: int = MIN_EXCERPT_CHARS,
    max_chars: int = MAX_EXCERPT_CHARS,
) -> tuple[int, int]:
    """Sentences [a, b) of the excerpt around sentence ``i`` of ``text``: the sentence alone, or grown within
    its paragraph while shorter than ``min_chars`` (towards the better-scoring neighbour, the next one on a
    tie), and always past a last sentence ending in a colon, which announces what follows. Growing stops
    before the excerpt would pass ``max_chars``."""
    sents, para = layout.sentences, layout.para_of
    scores = scores or {}
    a, b = i, i + 1

    def span_len(x: int, y: int) -> int:
        return sents[y - 1].end - sents[x].start

    def same_paragraph(j: int) -> bool:
        return 0 <= j < len(sents) and para[j] == para[i]

    while span_len(a, b) < min_chars:
        options = []
        if same_paragraph(b) and span_len(a, b + 1) <= max_chars:
            options.append((scores.get(b, 0.0), 1))
        if same_paragraph(a - 1) and span_len(a - 1, b) <= max_chars:
            options.append((scores.get(a - 1, 0.0), 0))
        if not options:
            break
        if max(options)[1] == 1:
            b += 1
        else:
            a -= 1
    # A sentence ending in a colon announces what follows, usually on the next line ("以下几点：\n一是…"):
    # take that too, even across the paragraph break.
    while b < len(sents) and text[sents[b - 1].end - 1] in _COLONS and span_len(a, b + 1) <= max_chars:
        b += 1
    return a, b


def select_excerpts(
    ranked: Sequence[tuple[Candidate, float]],
    layouts: dict[str, Layout],
    texts: dict[str, str],
    max_citations: int = MAX_CITATIONS,
    margin: float = CITATION_MARGIN,
) -> list[Excerpt]:
    """The excerpts to cite, from candidates sorted best first: the best one, then others scoring within
    ``margin`` of it, skipping any that overlap or touch an excerpt already taken. In reading order: speeches
    in the order of their best excerpt, and by position within a speech."""
    if not ranked:
        return []
    best = ranked[0][1]
    scores_by_speech: dict[str, dict[int, float]] = {}
    for cand, s in ranked:
        scores_by_speech.setdefault(cand.speech_id, {})[cand.index] = s
    taken: list[Excerpt] = []
    for cand, s in ranked:
        if len(taken) >= max_citations or s < best - margin:
            break
        if any(e.speech_id == cand.speech_id and e.first - 1 <= cand.index <= e.last for e in taken):
            continue  # inside or right next to an excerpt already taken: it adds nothing new
        a, b = excerpt_range(texts[cand.speech_id], layouts[cand.speech_id], cand.index,
                             scores_by_speech[cand.speech_id])
        if any(e.speech_id == cand.speech_id and a < e.last and e.first < b for e in taken):
            continue
        taken.append(Excerpt(cand.speech_id, a, b, cand.chunk, float(s)))
    order = list(dict.fromkeys(e.speech_id for e in taken))
    return sorted(taken, key=lambda e: (order.index(e.speech_id), e.first))


def with_marker(excerpt: str, n: int) -> str:
    """The excerpt as a sentence of the answer: its marker before the closing punctuation, which becomes 。
    (a clause cut at ；or ，reads as a full stop in a list of excerpts)."""
    body = " ".join(excerpt.split())  # no line breaks inside the answer text
    end = len(body)
    while end > 0 and body[end - 1] in _END_PUNCT:
        end -= 1
    closing = body[end:]
    stop = "。" if not closing or closing[-1] not in "！!？?…" else closing
    return f"{body[:end]}[{n}]{stop}"


def answer_confidence(best_score: float, match: float | None, names: float | None = None,
                      n_unknown_names: int = 0) -> float:
    """How well the evidence answers the question, from generic features (no per-question rules): the best
    sentence score, lowered when the best excerpt holds no answer of the kind asked for (``match``: its
    type_match; None when no kind is expected), when its speech does not mention the rare names the question
    is about (``names``: the share it mentions; None when the question has none), and when the question
    names a place or organisation the corpus never mentions."""
    conf = best_score
    if match is not None:
        conf -= TYPE_PENALTY * (1.0 - match)
    if names is not None:
        conf -= NAME_PENALTY * (1.0 - names)
    return conf - UNKNOWN_NAME_PENALTY * min(n_unknown_names, 1)


# An excerpt with a figure of the wrong kind (match 0.5) costs 1.0, one with no answer of the kind asked for 2.0:
# enough to push even a strong sentence score (~2) below the threshold.
TYPE_PENALTY = 2.0
NAME_PENALTY = 2.0
UNKNOWN_NAME_PENALTY = 2.0
# Answers whose confidence is below this are refused. Calibrated on the dev set (25 answerable, 5 unanswerable
# questions): answerable questions' confidence runs from 1.07 up, unanswerable ones' stays under 0.9 once the
# answer-type penalty applies; 0.95 sits in that gap. Trade-off on dev: 0.96 answered / 1.0 refused here,
# 1.0 / 0.6 at 0.0, 0.76 / 1.0 at 1.25 (scripts/calibrate_ask.py prints the whole sweep).
ANSWER_THRESHOLD = 0.95


# -- part-of-speech tags (names) -----------------------------------------------------------------------------
def _pos_tag(text: str) -> list[tuple[str, str]]:
    """jieba's (word, POS flag) pairs for ``text``, from the project's shared tokenizer with the domain dictionary
    (``jianggao.indexer.segment``; never jieba's process-wide one)."""
    from jianggao.indexer.segment import pos_tagger

    return [(p.word, p.flag) for p in pos_tagger().cut(text)]


# -- per-index caches ----------------------------------------------------------------------------------------
class _IndexCache:
    """What answering derives from one loaded store and keeps: speech layouts, sentence vectors, word df."""

    def __init__(self, store):
        self.store = store
        self.layouts: dict[str, Layout] = {}
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.df: dict[str, int] = {}
        self._chunk_pos: dict[str, int] | None = None
        self.lock = threading.Lock()
        # One embedding call at a time: concurrent questions about the same passages (many users after a
        # restart or an upload) wait for it and reuse its vectors instead of each computing them again.
        self._encoding = threading.Lock()

    def layout(self, speech_id: str) -> Layout:
        lay = self.layouts.get(speech_id)
        if lay is None:
            lay = layout_of(self.store.speech_by_id(speech_id).text)
            with self.lock:
                self.layouts[speech_id] = lay
        return lay

    def chunk_positions(self) -> dict[str, int]:
        pos = self._chunk_pos
        if pos is None:
            pos = self._chunk_pos = {c.id: i for i, c in enumerate(self.store.chunks)}
        return pos

    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        """How many passages contain each term (as a substring of the normalised text)."""
        todo = [t for t in terms if t not in self.df]
        if todo:
            norms = [c.norm for c in self.store.chunks]
            found = {t: sum(1 for n in norms if t in n) for t in todo}
            with self.lock:
                self.df.update(found)
        return {t: self.df[t] for t in terms}

    def encode(self, encoder, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` (normalised sentences), embedding only those not cached, in one call."""
        with self.lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            with self._encoding:
                with self.lock:
                    missing = [t for t in missing if t not in self.vectors]  # embedded while we waited
                if missing:
                    fresh = encoder.encode(missing)
                    with self.lock:
                        for t, v in zip(missing, fresh):
                            self.vectors[t] = v
                        while len(self.vectors) > SENTENCE_CACHE_SIZE:
                            self.vectors.popitem(last=False)
        with self.lock:
            out = []
            for t in texts:
                v = self.vectors.get(t)
                if v is None:  # evicted meanwhile by a huge batch: embed it again
                    v = encoder.encode([t])[0]
                else:
                    self.vectors.move_to_end(t)
                out.append(v)
        if not out:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack(out).astype(np.float32, copy=False)


_caches: "weakref.WeakKeyDictionary[Any, _IndexCache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(store) -> _IndexCache:
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = _IndexCache(store)
        return cache


def carry_over_cache(old_store, new_store) -> None:
    """Give ``new_store`` the sentence vectors cached for ``old_store`` (same model): they depend only on the
    text, and after an upload most sentences are unchanged; without them every question is slow again."""
    if old_store is new_store or old_store.manifest.model != new_store.manifest.model:
        return
    with _caches_lock:
        old = _caches.get(old_store)
    if old is None:
        return
    new = _cache_for(new_store)
    with old.lock:
        vectors = list(old.vectors.items())
    with new.lock:
        for t, v in vectors:
            new.vectors.setdefault(t, v)


# -- the pipeline --------------------------------------------------------------------------------------------
class _Evidence(NamedTuple):
    """What ask_batch found for one question before deciding how to answer."""

    ranked: list[tuple[Candidate, float]]  # candidate sentences, best first, with their scores
    weights: dict[str, float]  # the question's content terms -> idf
    closest: list[Hit]  # the top-k passages of the chosen mode
    expected: Expected  # the kind of answer the question asks for
    names: QuestionNames  # the names it mentions: rare ones in the corpus, and unknown ones


def ask(
    retriever: "Retriever", question: str, k: int = DEFAULT_K, mode: Mode = "hybrid",
    filters: Filters | None = None, llm: "ChatClient | None" = None,
) -> Answer:
    """Answer one question from the index; see the module docstring."""
    return ask_batch(retriever, [question], k=k, mode=mode, filters=filters, llm=llm)[0]


def ask_batch(
    retriever: "Retriever", questions: Sequence[str], k: int = DEFAULT_K, mode: Mode = "hybrid",
    filters: Filters | None = None, llm: "ChatClient | None" = None,
) -> list[Answer]:
    """Answer several questions: one encoder call for the questions and one for all candidate sentences."""
    from jianggao.indexer.options import check_option
    from jianggao.qa.retrieval import MODES

    if isinstance(questions, str):
        raise TypeError("ask_batch takes a list of questions, not one string: wrap it as [question]")
    check_option("mode", mode, MODES)
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    qs = [validate_query(q) for q in questions]
    if not qs:
        return []
    evidence = _gather(retriever, qs, k, mode, filters)
    answers = [_extractive(retriever, q, ev) for q, ev in zip(qs, evidence)]
    if llm is not None:
        answers = [_generative(retriever, llm, a, ev) if a.answerable else a for a, ev in zip(answers, evidence)]
    return answers


def _gather(retriever: "Retriever", qs: list[str], k: int, mode: Mode, filters: Filters | None) -> list[_Evidence]:
    from jianggao.indexer.lexical import tokenize
    from jianggao.qa.query import normalize_query

    store = retriever.store
    cache = _cache_for(store)
    qvec = retriever.encode_queries(qs)
    closest, pools = _pools(retriever, cache, qs, qvec, k, mode, filters)
    cands = [_candidates(cache, store, pool) for pool in pools]
    norms = {sid: store.speech_by_id(sid).norm for sid in {c.speech_id for cs in cands for c in cs}}

    def sentence_norm(c: Candidate) -> str:
        span = cache.layout(c.speech_id).sentences[c.index]
        return norms[c.speech_id][span.start:span.end]

    def window_norm(c: Candidate) -> str:
        sents = cache.layout(c.speech_id).sentences
        return norms[c.speech_id][sents[max(0, c.index - 1)].start:sents[min(len(sents) - 1, c.index + 1)].end]

    flat = [sentence_norm(c) for cs in cands for c in cs]
    vectors = cache.encode(retriever.encoder, flat) if flat else np.zeros((0, qvec.shape[1]), np.float32)
    expected = [expected_answer(normalize_query(q)) for q in qs]
    out: list[_Evidence] = []
    offset = 0
    n_docs = len(store.chunks)
    for qi, (q, cs) in enumerate(zip(qs, cands)):
        terms = content_terms(tokenize(q))
        df = cache.doc_freq(terms)
        weights = {t: idf(df[t], n_docs) for t in terms}
        names = question_names(normalize_query(q), cache.doc_freq, n_docs)
        if not cs:
            out.append(_Evidence([], weights, closest[qi], expected[qi], names))
            continue
        sv = vectors[offset: offset + len(cs)]
        offset += len(cs)
        feats = SentenceFeatures(
            dense=sv @ qvec[qi],
            passage=store.vectors[[c.chunk for c in cs]] @ qvec[qi],
            lexical=np.array([coverage(sentence_norm(c), weights) for c in cs]),
            window=np.array([coverage(window_norm(c), weights) for c in cs]),
            rank=np.array([c.rank for c in cs], dtype=np.float64),
            answer_type=np.array([type_match(sentence_norm(c), expected[qi]) if expected[qi].kind in RANKED_KINDS
                                  else 0.0 for c in cs]),
        )
        scores = score_sentences(feats)
        order = np.lexsort((np.arange(len(cs)), -scores))  # best first; ties in pool order, deterministic
        out.append(_Evidence([(cs[i], float(scores[i])) for i in order], weights, closest[qi], expected[qi], names))
    return out


def _pools(retriever: "Retriever", cache: _IndexCache, qs: list[str], qvec: np.ndarray, k: int, mode: Mode,
           filters: Filters | None) -> tuple[list[list[Hit]], list[dict[int, int]]]:
    """Per question, the top-k hits of ``mode`` and the passages to read: store position -> best rank over
    the lists consulted (in hybrid mode also the dense and the keyword list alone)."""
    lists: list[Mode] = [mode] if mode != "hybrid" else ["hybrid", "dense", "keyword"]
    pos = cache.chunk_positions()
    closest: list[list[Hit]] = []
    pools: list[dict[int, int]] = [{} for _ in qs]
    for name in lists:
        ranked = retriever.ranked_batch(qs, mode=name, filters=filters, query_vectors=qvec)
        for qi, r in enumerate(ranked):
            hits = retriever.hits_from_ranked(r, k)
            if name == mode:
                closest.append(hits)
            for h in hits:
                d = pos[h.chunk_id]
                pools[qi][d] = min(h.rank, pools[qi].get(d, h.rank))
    return closest, pools


def _candidates(cache: _IndexCache, store, pool: dict[int, int]) -> list[Candidate]:
    """The sentences overlapping the pooled passages, each once (with its best-ranked passage)."""
    import bisect

    best: dict[tuple[str, int], Candidate] = {}
    for d, rank in sorted(pool.items(), key=lambda kv: (kv[1], kv[0])):
        c = store.chunks[d]
        sents = cache.layout(c.speech_id).sentences
        i = max(0, bisect.bisect_right([s.end for s in sents], c.start))
        while i < len(sents) and sents[i].start < c.end:
            key = (c.speech_id, i)
            if key not in best:
                best[key] = Candidate(c.speech_id, i, d, rank)
            i += 1
    return list(best.values())


def _extractive(retriever: "Retriever", question: str, ev: _Evidence) -> Answer:
    store = retriever.store
    cache = _cache_for(store)
    if not ev.ranked:
        return Answer(question, False, "", message=NO_PASSAGES_MESSAGE, closest=ev.closest)
    speech_ids = {c.speech_id for c, _ in ev.ranked}
    layouts = {sid: cache.layout(sid) for sid in speech_ids}
    texts = {sid: store.speech_by_id(sid).text for sid in speech_ids}
    excerpts = select_excerpts(ev.ranked, layouts, texts)
    citations = [_citation(store, layouts[e.speech_id], e, n) for n, e in enumerate(excerpts, 1)]
    norms = [store.speech_by_id(c.speech_id).norm[c.start:c.end] for c in citations]
    # The answer must be in the best excerpt: a figure of the right kind in a runner-up excerpt from another
    # passage (say, a count of vehicles of some other company) does not answer the question.
    best = max(range(len(citations)), key=lambda i: citations[i].score)
    match = type_match(norms[best], ev.expected) if ev.expected.kind else None
    # ... and it must come from a speech that mentions what the question is about.
    speech_norm = store.speech_by_id(citations[best].speech_id).norm
    names = coverage(speech_norm, {t: 1.0 for t in ev.names.key}) if ev.names.key else None
    conf = answer_confidence(ev.ranked[0][1], match, names, len(ev.names.unknown))
    if conf < ANSWER_THRESHOLD:
        return Answer(question, False, "", message=REFUSAL_MESSAGE, closest=ev.closest, confidence=conf)
    text = "".join(with_marker(c.text, c.n) for c in citations)
    return Answer(question, True, text, citations, closest=ev.closest, confidence=conf)


def _citation(store, layout: Layout, e: Excerpt, n: int) -> Citation:
    sp = store.speech_by_id(e.speech_id)
    start, end = layout.sentences[e.first].start, layout.sentences[e.last - 1].end
    par = layout.paragraphs[layout.para_of[e.first]]
    par_end = layout.paragraphs[layout.para_of[e.last - 1]].end
    return Citation(n, sp.id, sp.title, sp.source, sp.text[start:end], start, end, store.chunks[e.chunk].id,
                    par.start, par_end, round(e.score, 4))


def _generative(retriever: "Retriever", llm: "ChatClient", extractive: Answer, ev: _Evidence) -> Answer:
    """The answer written by the LLM from the closest passages; the extractive one, with a warning, when the
    endpoint fails or cites nothing."""
    from jianggao.qa.llm import LLMError, SourcePassage, clean_markers

    hits = ev.closest
    if not hits:
        return extractive
    passages = [SourcePassage(i, h.title, h.text) for i, h in enumerate(hits, 1)]
    try:
        raw = llm.answer(extractive.question, passages)
    except LLMError as e:
        log.warning("LLM answer failed, falling back to the extractive answer: %s", e)
        extractive.warnings.append(LLM_FALLBACK_WARNING.format(reason=str(e)))
        return extractive
    text, used = clean_markers(raw, range(1, len(hits) + 1))
    if not used:
        log.warning("the LLM answer cites no passage; using the extractive answer")
        extractive.warnings.append(LLM_NO_CITATION_WARNING)
        return extractive
    renumber = {old: new for new, old in enumerate(used, 1)}
    # clean_markers left only valid [n] markers; number them 1, 2, ... in order of first use.
    text = re.sub(r"\[(\d{1,3})\]", lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", text)
    cache = _cache_for(retriever.store)
    citations = []
    for old in used:
        h = hits[old - 1]
        lay = cache.layout(h.speech_id)
        citations.append(Citation(
            renumber[old], h.speech_id, h.title, h.source, h.text, h.start, h.end, h.chunk_id,
            lay.paragraphs[paragraph_of(lay.paragraphs, h.start)].start,
            lay.paragraphs[paragraph_of(lay.paragraphs, max(h.start, h.end - 1))].end,
            round(float(h.score), 4),
        ))
    return Answer(extractive.question, True, text, citations, closest=hits, confidence=extractive.confidence,
                  warnings=extractive.warnings, generated=True)
