"""Ranked full-text search over the catalogue: titles, descriptions, keywords, table and column names.

The catalogue is a few kilobytes of metadata held in code, so it is searched in process: the query never reaches SQL,
and each term is matched as literal text (no wildcards: `%` and `_` are characters like any other, markup is text).
A dataset matches when every term occurs in it; it ranks by where the terms occur (title above keywords above table
and column names above descriptions) and how (a whole word above the start of a word above inside a word).
"""

from __future__ import annotations

from dataclasses import dataclass

from socialdata.catalogue.description import CatalogueEntry, catalogue_entries
from socialdata.errors import UserError

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

# How much a match counts, by where it is.
TITLE, KEYWORD, NAME, TEXT = 8, 5, 4, 1


@dataclass(frozen=True)
class _Field:
    text: str
    weight: int
    column: str | None = None  # set when the text describes a column


@dataclass(frozen=True)
class SearchHit:
    entry: CatalogueEntry
    score: int
    # The columns whose name or description matched a term, in the dataset's order.
    columns: tuple[str, ...]


def terms_of(query: str) -> tuple[str, ...]:
    """The query's words, casefolded; a UserError when it is too long to be a search."""
    if len(query) > MAX_QUERY_LENGTH:
        raise UserError(f"a search is at most {MAX_QUERY_LENGTH} characters, not {len(query)}", where="q")
    words = tuple(dict.fromkeys(query.casefold().split()))
    if len(words) > MAX_TERMS:
        raise UserError(f"a search is at most {MAX_TERMS} words, not {len(words)}", where="q")
    return words


def _fields(entry: CatalogueEntry) -> tuple[_Field, ...]:
    dataset = entry.dataset
    fields = [
        _Field(dataset.title, TITLE),
        _Field(dataset.id, NAME),
        _Field(dataset.description, TEXT),
        *(_Field(keyword, KEYWORD) for keyword in entry.description.keywords),
    ]
    for column in dataset.fields:
        fields += [_Field(column.name, NAME, column.name), _Field(column.description, TEXT, column.name)]
    return tuple(_Field(f.text.casefold(), f.weight, f.column) for f in fields)


def _strength(term: str, text: str) -> int:
    """3 for a whole word, 2 for the start of a word, 1 for inside a word, 0 when absent (literal match)."""
    best = 0
    start = text.find(term)
    while start != -1 and best < 3:
        end = start + len(term)
        opens = start == 0 or not text[start - 1].isalnum()
        closes = end == len(text) or not text[end].isalnum()
        best = max(best, 3 if opens and closes else 2 if opens else 1)
        start = text.find(term, start + 1)
    return best


def _score(entry: CatalogueEntry, terms: tuple[str, ...]) -> SearchHit | None:
    fields = _fields(entry)
    score = 0
    columns: set[str] = set()
    for term in terms:
        found = [(f, _strength(term, f.text)) for f in fields]
        matched = [(f, strength) for f, strength in found if strength]
        if not matched:
            return None
        score += sum(f.weight * strength for f, strength in matched)
        columns.update(f.column for f, _ in matched if f.column is not None)
    in_order = tuple(name for name in entry.dataset.field_names() if name in columns)
    return SearchHit(entry, score, in_order)


def search_catalogue(query: str) -> tuple[SearchHit, ...]:
    """Datasets matching every word of the query, best first; every dataset (unscored) for an empty query."""
    terms = terms_of(query)
    entries = catalogue_entries()
    if not terms:
        return tuple(SearchHit(entry, 0, ()) for entry in entries)
    hits = [hit for entry in entries if (hit := _score(entry, terms)) is not None]
    order = {entry.id: i for i, entry in enumerate(entries)}
    return tuple(sorted(hits, key=lambda hit: (-hit.score, order[hit.entry.id])))
