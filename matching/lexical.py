"""Chinese lexical signal: jieba with an industry dictionary and synonym groups, and BM25.

Both sides are cut the same way; a word that belongs to a synonym group also emits the group's
canonical word, so 「吊臂」 meets 「臂架」 and 「针卡」 meets 「探针卡」. The BM25 index is an
inverted index in numpy arrays (one bincount per query), updatable one document at a time.
"""

import math
import re
import tempfile
import threading
from collections import Counter
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
SYN_PREFIX = "≈"  # canonical synonym tokens never collide with real words

STOP_WORDS = frozenset(
    """
    的 了 和 与 及 以及 或 或者 等 等等 在 是 为 对 把 被 将 从 向 于 之 其 并 并且 而 且 也 都 就 还 又 及其
    这 那 该 此 各 每 有 无 个 中 上 下 内 外 后 前 我们 我 你 他 她 它 他们 一个 一种 一些 进行 通过 可以
    能够 需要 要求 实现 相关 方面 主要 具有 用于 以上 以下 不 没有 如 如何 什么 以 所 由 给 让 使 用 可 能
    希望 公司 我们 企业 目前 现在 现有 问题 情况 提供 已 已经 拟 要 想 找到 一 二 三 多 少 很 较 更 最 年 月 天
    a an the of and or to in for on with by is are
    """.split()
)
WORD_RE = re.compile(r"[0-9a-z\u4e00-\u9fff]", re.IGNORECASE)

_lock = threading.Lock()
_tokenizer = None
_synonyms = None


def _read_lines(name):
    path = DATA_DIR / name
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def synonym_map():
    """word → canonical word of its group (loaded once)."""
    global _synonyms
    if _synonyms is None:
        mapping = {}
        for line in _read_lines("synonyms.txt"):
            words = line.split()
            for word in words:
                mapping.setdefault(word.lower(), words[0].lower())
        _synonyms = mapping
    return _synonyms


def dictionary_words():
    """Words the segmenter must keep whole: taxonomy chains/环节/keywords, technical terms, synonyms."""
    from catalog.taxonomy import CHAIN_ALIASES, CHAINS

    words = set(_read_lines("industry_terms.txt"))
    for name, _priority, _future, segments, keywords in CHAINS:
        words.update(part for part in name.split("/") if part)
        words.update(segments)
        words.update(keywords.split())
    words.update(CHAIN_ALIASES)
    for line in _read_lines("synonyms.txt"):
        words.update(line.split())
    return sorted(w for w in words if len(w) > 1)


def get_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(60)
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                for word in dictionary_words():
                    tokenizer.add_word(word, freq=20000)
                _tokenizer = tokenizer
    return _tokenizer


def tokenize(text, *, max_chars=4000):
    """Content words of `text` (lower-cased, precise mode) plus canonical synonym tokens."""
    text = str(text or "")[:max_chars].lower()
    if not text.strip():
        return []
    synonyms = synonym_map()
    out = []
    for word in get_tokenizer().cut(text):
        word = word.strip()
        if not word or word in STOP_WORDS or not WORD_RE.search(word):
            continue
        out.append(word)
        canonical = synonyms.get(word)
        if canonical is not None:
            out.append(SYN_PREFIX + canonical)
    # Phrases like 「还能不能用」 span several jieba words: look them up in the raw text too.
    for phrase, canonical in synonyms.items():
        if len(phrase) >= 4 and phrase in text:
            out.append(SYN_PREFIX + canonical)
    return out


def display_terms(tokens):
    """Tokens fit to show a person (no synonym markers, no single characters or bare numbers)."""
    return [t for t in tokens if not t.startswith(SYN_PREFIX) and len(t) > 1 and not t.isdigit()]


class BM25Index:
    """Okapi BM25 over token lists; scores a query against every document with one bincount."""

    def __init__(self, docs, *, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.n_docs = len(docs)
        self.doc_tokens = [Counter(d) for d in docs]
        self.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(self.doc_len.mean()) if self.n_docs and self.doc_len.sum() else 1.0
        df = Counter()
        for counts in self.doc_tokens:
            df.update(counts.keys())
        self.df = df
        self._postings = {}
        buckets = {}
        for idx, counts in enumerate(self.doc_tokens):
            for term in counts:
                buckets.setdefault(term, []).append(idx)
        for term, idxs in buckets.items():
            self._postings[term] = self._build_posting(term, idxs)

    def idf(self, term):
        n = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - n + 0.5) / (n + 0.5))

    def idf_cached(self, term):
        """idf memoised per document frequency (explanations sort many terms)."""
        n = self.df.get(term, 0)
        cache = self.__dict__.setdefault("_idf_by_df", {})
        value = cache.get(n)
        if value is None:
            value = cache[n] = math.log(1 + (self.n_docs - n + 0.5) / (n + 0.5))
        return value

    def _weight(self, tf, dl):
        return tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * dl / self.avgdl))

    def _build_posting(self, term, idxs):
        idx = np.asarray(idxs, dtype=np.int32)
        tf = np.array([self.doc_tokens[i][term] for i in idxs], dtype=np.float32)
        return idx, self._weight(tf, self.doc_len[idx]).astype(np.float32)

    # Words in more than half the documents carry almost no information (idf < ln 2) but have the
    # longest postings; skipping them keeps a query over 100k documents to a few milliseconds.
    MAX_DF_SHARE = 0.5

    def _terms(self, query_tokens):
        limit = self.MAX_DF_SHARE * self.n_docs
        return [t for t in set(query_tokens) if self.df.get(t, 0) <= limit or self.n_docs < 20]

    def max_score(self, query_tokens):
        """What a document matching every query word would score (normaliser for `share`)."""
        return sum(self.idf(t) for t in self._terms(query_tokens)) * (self.k1 + 1) or 1.0

    def scores(self, query_tokens):
        """BM25 of the query against every document, as a float32 array."""
        parts_idx, parts_w = [], []
        for term in self._terms(query_tokens):
            posting = self._postings.get(term)
            if posting is None:
                continue
            parts_idx.append(posting[0])
            parts_w.append(posting[1] * self.idf(term))
        if not parts_idx:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.bincount(np.concatenate(parts_idx), weights=np.concatenate(parts_w), minlength=self.n_docs).astype(
            np.float32
        )

    def share(self, query_tokens):
        """BM25 divided by the query's maximum: the share of the query's information matched, 0–1."""
        return self.scores(query_tokens) / np.float32(self.max_score(query_tokens))

    def pair_share(self, query_tokens, doc_tokens):
        """Share for one (query, document) pair; the document need not be in the index."""
        counts = Counter(doc_tokens)
        dl = len(doc_tokens)
        total = sum(self.idf(t) * self._weight(counts[t], dl) for t in self._terms(query_tokens) if t in counts)
        return total / self.max_score(query_tokens)

    def replace(self, idx, tokens):
        """Put new tokens for document `idx` (idx == n_docs appends); df follows, the average length is kept as built."""
        old = self.doc_tokens[idx] if idx < self.n_docs else Counter()
        new = Counter(tokens)
        if idx == self.n_docs:
            self.doc_tokens.append(new)
            self.doc_len = np.append(self.doc_len, np.float32(len(tokens)))
            self.n_docs += 1
        else:
            self.doc_tokens[idx] = new
            self.doc_len[idx] = len(tokens)
        for term in set(old) | set(new):
            self.df[term] += (term in new) - (term in old)
        self.__dict__.pop("_idf_by_df", None)
        for term in set(old) | set(new):
            posting = self._postings.get(term)
            idxs = [] if posting is None else [i for i in posting[0].tolist() if i != idx]
            if term in new:
                idxs.append(idx)
            if idxs:
                self._postings[term] = self._build_posting(term, sorted(idxs))
            else:
                self._postings.pop(term, None)
