"""One exception tree for the core; the edges translate it into messages.

    PolicyQAError
    ├── InputError            a plan file that cannot be used (carries path and line)
    │   ├── BadEncoding       not UTF-8 and not GB18030
    │   ├── EmptyDocument     nothing but whitespace
    │   ├── UnknownLayout     no recognizable items
    │   ├── DuplicateDocument a second document with an id already seen
    │   └── FetchError        a web address that gave no plan file (carries the address)
    ├── CatalogError          corpus/catalog.toml is malformed
    ├── CorrectionsError      corpus/corrections.toml is malformed
    ├── DataError             a word list under index/data/ is malformed (file and line)
    ├── EmptyCorpus           an index with no documents
    ├── StaleIndex            an index built with other word lists (re-ingest)
    ├── NoSuchDocument        a document id the index does not hold
    └── IndexProblem          the index file cannot be used as asked (names it and the way out)
        ├── IndexCorrupt      damaged, truncated or not a policyqa index (`policyqa ingest --rebuild`)
        ├── IndexLocked       another writer held the write lock past the wait limit
        ├── IndexReadOnly     a write to an index that can only be read
        ├── IndexMissing      no index where one must be read, and none can be made
        └── DiskFull          the disk filled during a write (nothing was changed)
"""

from __future__ import annotations

from pathlib import Path


class PolicyQAError(Exception):
    """Base of every error the core raises on purpose."""


class InputError(PolicyQAError):
    """A plan file that cannot be used; says which file and, when known, which line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        where = self.path or ""
        if where and line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class BadEncoding(InputError):
    """The file is neither UTF-8 nor GB18030."""


class EmptyDocument(InputError):
    """The file holds nothing but whitespace."""


class UnknownLayout(InputError):
    """No numbered items could be found in the file."""


class DuplicateDocument(InputError):
    """Two files claim the same document id."""


class FetchError(InputError):
    """A web address that could not be fetched, or whose page holds no plan."""


class CatalogError(PolicyQAError):
    """The catalog file is malformed."""


class CorrectionsError(PolicyQAError):
    """The staff corrections file is malformed; the message names the file and the item."""


class DataError(PolicyQAError):
    """A word list under index/data/ is malformed; the message names the file and line."""


class EmptyCorpus(PolicyQAError):
    """The index holds no documents (run `policyqa ingest` first)."""


class StaleIndex(PolicyQAError):
    """The index was built with other word lists (terms, synonyms, stopwords): re-ingest."""


class NoSuchDocument(PolicyQAError):
    """A document id the index does not hold."""


class IndexProblem(PolicyQAError):
    """The index file cannot be used as asked; the message names the file and the way out."""


class IndexCorrupt(IndexProblem):
    """The file is damaged, truncated, or not a policyqa index."""


class IndexLocked(IndexProblem):
    """Another process held the write lock longer than the wait limit."""


class IndexReadOnly(IndexProblem):
    """A write was asked of an index that can only be read."""


class IndexMissing(IndexProblem):
    """No index where one must be read, and none can be created there."""


class DiskFull(IndexProblem):
    """The disk filled up during a write; the transaction was rolled back."""
