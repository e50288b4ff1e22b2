"""Meaning-based ranking for the catalogue search (catalog.search.hybrid_search): the query's vector
against the vectors the matcher already stores for every demand and supply.

A demand's vector is its need view (engine.need_text, encoded as a query), a supply's is its lead
view (engine.lead_text, as a passage): the rows `matching.index` writes to the Embedding cache. The
vectors are read into one matrix per kind and kept in process memory; a cheap signature (row count,
latest edit, latest cached vector) tells when to re-read. Rows with no stored vector yet are simply
absent here, so they rank by keywords only. The ranker registers itself with catalog.search
(catalog must not import matching: matching imports catalog).
"""

import logging
import threading
import time

import numpy as np
from django.db.models import Max

from catalog import search as catalog_search
from catalog.models import Demand, Supply
from matching import embeddings, engine
from matching.models import Embedding

logger = logging.getLogger(__name__)

# How many semantic candidates one query yields at most: the fused list is bounded, the rest of a
# long keyword result keeps its keyword order behind it.
SEMANTIC_LIMIT = 200
# A semantic-only hit must stand out from the catalogue: its similarity at least FLOOR_Z robust
# standard deviations above the median similarity of the query to every item, and at least
# ABSOLUTE_FLOOR.
# e5 similarities are all high (0.7–0.9), so the z-score is what separates meaning from noise;
# nonsense queries have a flat profile and yield nothing.
FLOOR_Z = 2.5
ABSOLUTE_FLOOR = 0.80
# A similarity this high is a hit whatever the rest looks like (a catalogue where most rows are
# about the query has a high median: the relative bar alone would then refuse them all).
CERTAIN = 0.88
STATS_SAMPLE = 5000
SIGNATURE_TTL = 5.0  # seconds between two signature checks in one process


def _text_of(kind_key):
    if kind_key == "demands":
        return Demand, "query", engine.need_text
    return Supply, "passage", engine.lead_text


class KindVectors:
    """The stored vectors of one kind: ids (sorted) and an (n, dim) float32 matrix."""

    def __init__(self, kind_key, model_name):
        self.kind_key = kind_key
        self.model_name = model_name
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, 1), dtype=np.float32)
        self.stamps = {}  # id → updated_at of the text the vector belongs to
        self.signature = None
        self.checked_at = 0.0
        self.sample = None  # row positions the floor's statistics are taken from (None: all rows)

    def _signature(self):
        model, _kind, _text = _text_of(self.kind_key)
        agg = model.objects.aggregate(n=Max("pk"), at=Max("updated_at"))
        count = model.objects.count()
        last_vector = Embedding.objects.filter(model_name=self.model_name).aggregate(m=Max("pk"))["m"]
        return (count, agg["n"], agg["at"], last_vector)

    def refresh(self, *, dim):
        now = time.monotonic()
        if self.signature is not None and now - self.checked_at < SIGNATURE_TTL:
            return self
        signature = self._signature()
        self.checked_at = now
        if signature == self.signature:
            return self
        model, kind, text = _text_of(self.kind_key)
        current = dict(model.objects.values_list("pk", "updated_at"))
        keep = {pk for pk, ts in self.stamps.items() if current.get(pk) == ts}
        vectors = {pk: self.matrix[i] for i, pk in enumerate(self.ids.tolist()) if pk in keep}
        todo = [pk for pk in current if pk not in keep]
        stamps = {pk: self.stamps[pk] for pk in keep}
        for start in range(0, len(todo), 2000):
            chunk = todo[start : start + 2000]
            rows = model.objects.filter(pk__in=chunk).values_list("pk", "title", "description", "updated_at")
            hash_of = {}
            for pk, title, description, updated_at in rows:
                digest = embeddings.text_hash(embeddings.prepare_text(text(title, description)), kind)
                hash_of.setdefault(digest, []).append((pk, updated_at))
            hashes = list(hash_of)
            for h_start in range(0, len(hashes), 500):
                found = Embedding.objects.filter(
                    model_name=self.model_name, dim=dim, text_hash__in=hashes[h_start : h_start + 500]
                ).values_list("text_hash", "vector")
                for digest, blob in found:
                    vector = np.frombuffer(bytes(blob), dtype=np.float32, count=dim)
                    for pk, updated_at in hash_of[digest]:
                        vectors[pk] = vector
                        stamps[pk] = updated_at
        ids = sorted(vectors)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.vstack([vectors[pk] for pk in ids]) if ids else np.zeros((0, dim), dtype=np.float32)
        self.stamps = stamps
        self.signature = signature
        n = len(ids)
        self.sample = np.random.default_rng(0).choice(n, STATS_SAMPLE, replace=False) if n > STATS_SAMPLE else None
        return self


_lock = threading.Lock()
_vectors = {}


def kind_vectors(kind_key):
    """The (refreshed) stored vectors of `kind_key` for the configured model."""
    backend = embeddings.get_backend()
    with _lock:
        state = _vectors.get(kind_key)
        if state is None or state.model_name != backend.name:
            state = _vectors[kind_key] = KindVectors(kind_key, backend.name)
        return state.refresh(dim=backend.dim)


_seen = {"at": None, "any": False}


def _any_vectors():
    """Whether the Embedding cache holds anything (asked at most every SIGNATURE_TTL seconds)."""
    now = time.monotonic()
    if _seen["at"] is None or now - _seen["at"] >= SIGNATURE_TTL:
        _seen["any"] = Embedding.objects.exists()
        _seen["at"] = now
    return _seen["any"]


def reset():
    """Forget the in-process vectors (tests, benchmark)."""
    with _lock:
        _vectors.clear()
        _seen["at"] = None


def semantic_ranking(kind_key, q):
    """[(id, similarity)] best first: rows whose meaning is close to `q`, above the floor.

    Empty when no row of the kind has a stored vector yet (nothing is encoded then, not even the
    query) or when the model cannot be loaded (embeddings.ModelUnavailable): keywords rank alone.
    """
    if not _any_vectors():
        return []  # the matcher has not run: keywords alone, and no model is loaded for nothing
    try:
        state = kind_vectors(kind_key)
        if not len(state.ids):
            return []
        query = embeddings.encode_query_cached(q)
    except embeddings.ModelUnavailable as exc:
        # Search still answers by keywords; the matcher's pages report the setting to fix.
        logger.warning("semantic search off: %s", exc)
        return []
    sims = state.matrix @ query
    # Median and MAD rather than mean and std: the relevant tail itself must not raise the bar.
    # A fixed sample of rows is enough for both (two medians over 100k rows cost ~20 ms).
    sample = sims[state.sample] if state.sample is not None else sims
    median = float(np.median(sample))
    spread = 1.4826 * float(np.median(np.abs(sample - median)))
    floor = max(min(median + FLOOR_Z * spread, CERTAIN), ABSOLUTE_FLOOR)
    limit = SEMANTIC_LIMIT
    above = np.flatnonzero(sims >= floor)
    if len(above) > limit:
        above = above[np.argpartition(-sims[above], limit - 1)[:limit]]
    order = above[np.argsort(-sims[above], kind="stable")]
    return [(int(state.ids[i]), float(sims[i])) for i in order]


catalog_search.register_semantic_ranker(semantic_ranking)
