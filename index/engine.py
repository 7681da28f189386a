"""Build the index from plan files, and search it: the engine behind every front end.

A query process loads nothing but the document list and the plans' small vocabulary; items
and postings are read from SQLite on demand, so start-up costs the same at 250 or 1M items.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import tempfile
from itertools import islice
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from index.corpus import BuildResult, Summary, given_metadata, read_plan
from index.errors import DuplicateDocument, EmptyCorpus, InputError, NoSuchDocument, StaleIndex
from index.models import Hit, Item
from index.rank import BM25, NUMPY_ABOVE, Counted, Postings, PostingsBuilder, Ranges, Scorer, idf
from index.lexicon import fingerprint
from index.segment import Segmenter, normalize, vocabulary_text
from index.store import ItemRows, Store, item_rows

if TYPE_CHECKING:
    from index.corrections import Corrections

POSTINGS_CACHE = 48 * 2**20  # bytes of postings a long-running process keeps in memory
PARALLEL_ABOVE = 5_000  # items to segment before a second process pays for its start-up
SURVEY_PARALLEL_ABOVE = 8  # files to read before reading them on all cores pays
AHEAD = 2  # jobs per worker process submitted before the first result is taken
SPOOL_PREFIX = "policyqa-ingest-"  # + pid: pass one's parsed plans, in the temporary folder, until stored
LONGEST_WORD = 50  # jieba keeps every prefix of a dictionary word: memory grows with its square


def harvest(items: Iterable[Item]) -> set[str]:
    """Words for the tokenizer's dictionary from the items: the units' names (of a sensible length)."""
    return _dictionary_words(name for item in items for u in item.units.members for name in (u.name, u.normalized))


def _dictionary_words(names: Iterable[str]) -> set[str]:
    """The unit names jieba is given as words: those of a sensible length."""
    return {name for name in names if len(name) <= LONGEST_WORD}


def search_text(item: Item) -> str:
    """What of an item is searched, normalized: its task and its requirement, each on its own (a
    synonym never joins the end of one to the start of the other; reading the item's deadline has
    normalized its requirement already, see segment.normalize)."""
    return f"{normalize(item.task)} {normalize(item.text)}"


# --- building ------------------------------------------------------------------------------------
#
# Two passes, each on all cores when there is enough work, inside one write transaction. The first
# reads every plan file: worker processes parse them and make their rows, which this process stores
# as they come (the report, the duplicate check and the unit names, which jieba must know before it
# cuts any text, are gathered meanwhile); each plan's searched text is spooled to a temporary file.
# The second cuts the spooled texts (and those of the stored plans kept) into tokens in the workers
# and counts them here into the postings. No file is parsed twice, memory holds one plan's items at a
# time, and the rows cross from a worker to the writer once.

_worker: Segmenter | None = None
_known: set[str] = set()  # the words whose frequency this worker has given already (once is enough)


def _start_worker(extra: list[str] | None) -> None:
    """A worker process: no cycle collection (see _collector_paused), and the segmenter of pass two."""
    gc.disable()
    _load_segmenter(extra)


def _load_segmenter(extra: list[str] | None) -> None:
    """For pass two (extra: the unit names), the full dictionary loaded once per process."""
    global _worker
    if extra is not None:
        _worker = Segmenter(extra)
        _known.clear()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while an index is built, then as it was.

    What lives on while plans are read and cut is caches (the parsers' remembered cells, jieba's
    dictionary) growing with every plan; the collector's full passes walked all of them again and
    again, a quarter of the time a plan took to read, to find next to nothing: the items and rows
    made here hold no reference cycles, and are freed as soon as nothing refers to them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Read(NamedTuple):
    """What pass one gives of a plan file: its report, its unit names and its rows."""

    summary: Summary
    names: set[str]
    rows: ItemRows


def _read(job: tuple[Path, dict, Path]) -> _Read | InputError:
    """Pass one for a file: what it gives, or the error that stops it; the text it searches of each
    item is spooled (pickled) to the job's third path for pass two."""
    path, given, spool = job
    try:
        parsed = read_plan(path, given)
    except InputError as exc:
        return exc
    spool.write_bytes(pickle.dumps([search_text(item) for item in parsed.items], protocol=pickle.HIGHEST_PROTOCOL))
    return _Read(parsed.summary(), harvest(parsed.items), item_rows(parsed.items))


Job = tuple[int, Path, str]  # (first item id, spooled texts, "") of a plan just read, or (0, index, document id) of a stored one


def _segment(job: Job) -> tuple[int, Counted, dict[str, int], int]:
    """Pass two for a plan: its first item id, its items' tokens counted, and the dictionary words its
    text needs that this worker has not given yet, with their frequencies; the dictionary's total."""
    assert _worker is not None
    first, path, doc = job
    if doc:
        stored = Store(path)
        pairs = stored.items_of(doc)
        stored.close()
        first, texts = pairs[0][0], [search_text(item) for _, item in pairs]
    else:
        texts = pickle.loads(path.read_bytes())
        path.unlink()  # read once: the spool shrinks as the plans are counted
    numbers, seen = _worker.index(texts)
    fresh = (seen | _worker.listed) - _known
    _known.update(fresh)
    return first, Counted.of_numbers(numbers, _worker.terms), _worker.frequencies(fresh), _worker.total


def _map(function, jobs: list, workers: int, extra: list[str] | None = None,  # noqa: ANN001, ANN202
         started: Callable[[], None] = lambda: None):
    """function over jobs in order: in worker processes when workers > 1, else here. started() is
    called once the worker processes exist (no more are forked)."""
    if workers <= 1:
        _load_segmenter(extra)
        started()
        yield from map(function, jobs)
        return
    from concurrent.futures import Future, ProcessPoolExecutor  # here: only ingest forks, and its import costs a cold ask

    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(extra,)) as pool:
        # A few jobs ahead, not all (pool.map): when the caller is the slower side, finished plans
        # would otherwise pile up in this process (2.3 GB at 1M items).
        running: deque[Future] = deque()
        for job in jobs:
            running.append(pool.submit(function, job))
            if len(running) == 1:
                started()  # forking, the pool starts every process at its first job
            if len(running) >= AHEAD * workers:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def _read_all(
    store: Store, files: list[tuple[Path, dict]], cores: int, say: Callable[[str], None], spool: Path, everything: bool,
) -> tuple[BuildResult, list[Job], set[str]]:
    """Pass one: store every good plan (the index is emptied first when everything is rebuilt, once a
    plan could be read); the report, the pass-two jobs of the plans stored, and their unit names."""
    result, jobs, names = BuildResult(), [], set()
    taken: dict[str, Path] = {}
    workers = cores if len(files) > SURVEY_PARALLEL_ABOVE else 1
    reads = [(path, given, spool / f"{n}.pickle") for n, (path, given) in enumerate(files)]
    for (path, _, spooled), outcome in zip(reads, _map(_read, reads, workers)):
        say(f"reading {path}")
        if isinstance(outcome, InputError):
            result.errors.append(outcome)
            continue
        document = outcome.summary.document
        if document.id in taken:
            result.errors.append(DuplicateDocument(f"document id {document.id!r} already read from {taken[document.id]}", path))
            continue
        if everything and not taken:
            store.clear_index()
        elif not everything:
            store.remove_document(document.id)
        taken[document.id] = path
        result.summaries.append(outcome.summary)
        names |= outcome.names
        jobs.append((store.add_plan(document, outcome.rows), spooled, ""))
    return result, jobs, names


def build_index(
    store: Store,
    paths: Iterable[Path],
    everything: bool = True,
    progress: Callable[[str], None] | None = None,
    overrides: dict | None = None,
    remove: Iterable[str] = (),
    corrections: Corrections | None = None,
) -> BuildResult:
    """Parse plan files and store them, re-tokenizing the whole index in one transaction.

    With everything=True the index is rebuilt from these files alone; otherwise they are added,
    replacing documents with the same id and keeping the rest except those in remove (no paths:
    just re-tokenize). When no file can be read the index stays as it was. Staff corrections are
    applied to every plan read from its file.
    """
    say = progress or (lambda _: None)
    cores = os.cpu_count() or 1
    paths, remove = list(paths), set(remove)
    files = [(path, {**given, "corrections": corrections}) for path, given in given_metadata(paths, overrides)]
    _clear_stale_spools()
    with tempfile.TemporaryDirectory(prefix=f"{SPOOL_PREFIX}{os.getpid()}-") as spool, store.rebuilding(), \
            _collector_paused():
        kept = [] if everything else _kept(store, remove)
        result, jobs, names = _read_all(store, files, cores, say, Path(spool), everything)
        if paths and not jobs:
            return result  # no file could be read: the index stays as it was
        for doc in remove:
            store.remove_document(doc)
        replaced = {s.document.id for s in result.summaries}
        kept = [doc for doc in kept if doc not in replaced]
        names |= _dictionary_words(store.unit_spellings(kept))  # not every kept item read here: the workers read them
        jobs = [(0, store.path, doc) for doc in kept] + jobs  # the kept plans' items come first by id
        if jobs:
            _count_plans(store, jobs, names, result, cores, say, kept)
    return result


def _clear_stale_spools() -> None:
    """Remove the spools of ingests that were killed (their process is gone) before they cleaned up."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*-*"):
        pid = folder.name.removeprefix(SPOOL_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    """True when a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process
    return True


def remove_documents(store: Store, ids: Iterable[str], progress: Callable[[str], None] | None = None) -> None:
    """Remove documents by id in one transaction, the others re-tokenized as if never added."""
    build_index(store, [], everything=False, progress=progress, remove=ids)


def _kept(store: Store, remove: set[str]) -> list[str]:
    """The stored documents an added plan may keep, in the order of their items' ids; the ones to
    remove must be there, and must not be all."""
    spans = store.document_ranges()
    unknown = sorted(remove - spans.keys())
    if unknown:
        raise NoSuchDocument(f"{store.path} holds no document {', '.join(unknown)} (see `policyqa items`)")
    kept = sorted(spans.keys() - remove, key=spans.__getitem__)
    if remove and not kept:
        raise EmptyCorpus(f"removing {', '.join(sorted(remove))} would leave {store.path} empty "
                          "(rebuild it from the corpus with `policyqa ingest` instead)")
    return kept


def _count_plans(
    store: Store, jobs: list[Job], names: set[str], result: BuildResult, cores: int,
    say: Callable[[str], None], kept: list[str],
) -> None:
    """Pass two: cut every plan's text into tokens (in worker processes when there is enough), count
    them into the postings, and write those and the meta."""
    size = store.size()
    reports = {doc: report for doc, report in store.reports().items() if doc in kept}
    reports |= {s.document.id: s.report() for s in result.summaries}
    builder, frequencies, total = PostingsBuilder(), {}, 0
    workers = cores if size > PARALLEL_ABOVE else 1
    documents = [*kept, *(s.document.id for s in result.summaries)]
    # the SQL indexes are made in a thread while the postings are counted, once the workers are forked
    # (a process forked while a thread runs SQLite can inherit its locks held, and hang)
    counting = _map(_segment, jobs, workers, sorted(names), started=store.items_stored)
    for done, (first, counted, found, total) in enumerate(counting, 1):
        builder.add_counted(first, counted)
        frequencies.update(found)
        say(f"indexed {documents[done - 1]} ({done}/{len(jobs)} plans)")
    store.finish_index(builder, {"vocabulary": vocabulary_text(frequencies, total), "fingerprint": fingerprint(),
                                 "reports": json.dumps(reports, ensure_ascii=False)})


# --- searching -----------------------------------------------------------------------------------


class Engine:
    """Documents, the query segmenter, and searches over the stored postings."""

    def __init__(self, store: Store, segmenter: Segmenter | None = None, ranker: str = "postings") -> None:
        """ranker: "postings" (stored, fast at any size) or "rank-bm25" (the reference, in memory)."""
        self.store = store
        self.ranker = ranker
        meta = store.meta()
        self.built = meta.get("built", "")
        self.documents = {d.id: d for d in store.documents()}
        if not self.documents:
            raise EmptyCorpus(f"the index {store.path} holds no documents (run `policyqa ingest`)")
        if meta.get("fingerprint") != fingerprint():
            raise StaleIndex(f"the word lists changed since {store.path} was built (run `policyqa ingest`)")
        self.size = int(meta["size"])
        self.segmenter = segmenter or Segmenter.from_vocabulary(meta["vocabulary"])
        self.doc_ranges: dict[str, tuple[int, int]] = {d: (lo, hi) for d, (lo, hi) in json.loads(meta["doc_ranges"]).items()}
        self.part_ranges: list[tuple[str, str, int, int]] = [tuple(p) for p in json.loads(meta["part_ranges"])]
        self._df: dict[str, int] = {}
        self._cache: OrderedDict[str, Postings] = OrderedDict()
        self._cached = 0
        self._scorer: Scorer | None = None
        self._reference = _Reference(store) if ranker == "rank-bm25" else None
        if self.size > NUMPY_ABOVE:
            import numpy  # noqa: F401 - warm the large-postings path at start-up, not on the first question

    def stale(self) -> bool:
        """True when the index was rebuilt (by another process, say) since this engine was opened."""
        return self.store.replaced() or self.store.built() != self.built

    def reopen(self) -> Engine:
        """A fresh engine over the same database and ranker."""
        return Engine(Store(self.store.path), ranker=self.ranker)

    @classmethod
    def open(cls, db: str | Path, ranker: str = "postings") -> Engine:
        """Load the engine from a database file."""
        return cls(Store(db), ranker=ranker)

    def item(self, doc: str, number: str) -> Item | None:
        """One item by document and number as printed, or None."""
        return self.store.item(doc, number)

    def numbered(self, number: str, scope: Ranges | None = None) -> list[Item]:
        """Items printed with this number, inside the scope, in index order."""
        return self.store.items_numbered(number, scope)

    def of_unit(self, name: str, scope: Ranges | None = None) -> list[Item]:
        """Items naming the unit (as written or normalized), inside the scope, in index order."""
        return self.store.items_of_unit(name, scope)

    def due_items(self, scope: Ranges | None = None) -> list[Item]:
        """Items with a due date, inside the scope, in index order."""
        return self.store.items_due(scope)

    def unit_names(self) -> list[str]:
        """Every distinct unit name, as normalized."""
        return self.store.unit_names()

    def search(self, tokens: list[str], k: int = 10, scope: Ranges | None = None) -> list[Hit]:
        """The k best items for query tokens (only inside the scope's id ranges, when given)."""
        counts = Counter(tokens)
        found = self._postings(counts)
        if self._reference is not None:
            top = self._reference.top(tokens, k, scope)
        else:
            top = self.scorer.top([(counts[t], found[t]) for t in counts if t in found], k, scope)
        items = self.store.items_by_id([i for i, _ in top])
        return [Hit(items[i], score, tuple(sorted(t for t, p in found.items() if p.holds(i)))) for i, score in top]

    @property
    def scorer(self) -> Scorer:
        """The stored-postings scorer, its item lengths read on first use."""
        if self._scorer is None:
            self._scorer = Scorer(self.size, *self.store.lengths())
        return self._scorer

    def _postings(self, terms: Iterable[str]) -> dict[str, Postings]:
        """Postings of terms (in their order), the most recently used kept in memory up to POSTINGS_CACHE bytes."""
        terms = list(dict.fromkeys(terms))
        missing = [t for t in terms if t not in self._cache]
        for term, postings in self.store.postings(missing).items():
            self._cache[term] = postings
            self._cached += postings.nbytes
        for term in terms:
            if term in self._cache:
                self._cache.move_to_end(term)
        found = {t: self._cache[t] for t in terms if t in self._cache}
        while self._cached > POSTINGS_CACHE and len(self._cache) > 1:
            _, postings = self._cache.popitem(last=False)
            self._cached -= postings.nbytes
        self._df.update({t: p.df for t, p in found.items()})
        return found

    def idf(self, token: str) -> float:
        """How rare a token is in the index (an unseen one counts as the rarest)."""
        if token not in self._df:
            self._postings([token])
        return idf(self.size, self._df.get(token, 0))

    def coverage(self, tokens: list[str], hit: Hit) -> float:
        """Share of the query's weight (idf) that the hit's item contains."""
        query = set(tokens)
        total = sum(self.idf(t) for t in query)
        return sum(self.idf(t) for t in hit.matched_terms) / total if total else 0.0

    def contains_phrase(self, phrase: str, outside: Ranges) -> bool:
        """True when an item outside these id ranges has the phrase in its (normalized) text."""
        tokens = self.segmenter.tokens(phrase)
        found = self._postings(tokens)
        if not tokens or len(found) < len(set(tokens)):
            return False
        rarest = min(found.values(), key=lambda p: p.df)
        candidates = (i for i, _ in rarest.pairs() if not any(lo <= i <= hi for lo, hi in outside))
        found = self.store.items_by_id(list(islice(candidates, PHRASE_CANDIDATES)))
        return any(phrase in normalize(item.text) for item in found.values())


class _Reference:
    """rank-bm25 over every stored item's tokens, scored the way the postings are."""

    def __init__(self, store: Store) -> None:
        bags = store.all_tokens()
        self.ids = list(bags)
        self.bm25 = BM25(list(bags.values()))

    def top(self, tokens: list[str], k: int, scope: Ranges | None) -> list[tuple[int, float]]:
        """The k best (item id, score), ties to the lower id."""
        scored = [(i, s) for i, s in zip(self.ids, self.bm25.scores(tokens)) if s > 0]
        if scope is not None:
            scored = [(i, s) for i, s in scored if any(lo <= i <= hi for lo, hi in scope)]
        return sorted(scored, key=lambda pair: (-pair[1], pair[0]))[:k]


PHRASE_CANDIDATES = 500  # items read to confirm a phrase; the rarest term's postings are tried first

