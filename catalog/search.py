"""Chinese word search over demands and supplies: jieba tokens stored in `search_tokens`.

Documents are indexed in jieba's search mode (precise words plus their dictionary sub-words, so
"协作机器人" is also indexed as "机器人"); queries are cut in precise mode. Matching compares whole
tokens (" 机器人 " inside " … "), never raw substrings, so a query for "人" does not match every
text that happens to contain the character. Works the same on SQLite and PostgreSQL.
"""

import re
import tempfile
import threading

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import BigIntegerField, BooleanField, Case, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe

from catalog.kinds import kind_of

# Words that carry no meaning for search (function words, generic verbs of 需求 texts).
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 以及 或 或者 等 等等 在 是 为 对 把 被 将 从 向 于 之 其 并 并且 而 且 也 都 就 还 又 及其
    这 那 该 此 各 每 有 无 个 中 上 下 内 外 后 前 我们 我 你 他 她 它 他们 一个 一种 一些 进行 通过 可以
    能够 需要 要求 实现 相关 方面 主要 具有 用于 以上 以下 不 没有 如 如何 什么 以 所 由 给 让 使 用
    a an the of and or to in for on with by is are
    """.split()
)
# A token made only of punctuation, symbols or spaces (ASCII and full-width).
PUNCTUATION_RE = re.compile(r"^[\W_]+$", re.UNICODE)

TITLE_WEIGHT = 3  # a query word found in the title counts this much more than one in the description
_tokenizer = None
_lock = threading.Lock()


def industry_words():
    """Chain names, 环节 and keywords from the taxonomy: kept whole by the segmenter."""
    from catalog.taxonomy import CHAIN_ALIASES, CHAINS

    words = set()
    for name, _priority, _future, segments, keywords in CHAINS:
        words.update(part for part in name.split("/") if part)
        words.update(segments)
        words.update(keywords.split())
    words.update(CHAIN_ALIASES)
    return sorted(w for w in words if len(w) > 1)


def get_tokenizer():
    """A private jieba Tokenizer with the industry dictionary, built once on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(60)  # jieba prints its cache-building chatter otherwise
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                for word in industry_words():
                    tokenizer.add_word(word)
                _tokenizer = tokenizer
    return _tokenizer


def _clean(words):
    result = []
    for word in words:
        word = word.strip().lower()
        if not word or word in STOP_WORDS or PUNCTUATION_RE.match(word):
            continue
        result.append(word)
    return result


def tokens_for(text):
    """Index tokens of `text` (search mode: words and their sub-words), lower-cased, in order."""
    if not text:
        return []
    return _clean(get_tokenizer().cut_for_search(str(text)))


def query_tokens(q):
    """Distinct precise-mode tokens of a user query, in the order typed."""
    if not q:
        return []
    seen = []
    for token in _clean(get_tokenizer().cut(str(q)[:200])):
        if token not in seen:
            seen.append(token)
    return seen[:12]


def tokens_field(*texts):
    """The value stored in `search_tokens`: tokens separated by spaces, with a space at both ends."""
    tokens = []
    for text in texts:
        tokens.extend(tokens_for(text))
    return f" {' '.join(tokens)} " if tokens else ""


def index_object(obj):
    """Set `obj.search_tokens` from its title and description (caller saves)."""
    obj.search_tokens = tokens_field(obj.title, obj.description)
    return obj.search_tokens


def _keyword_parts(tokens):
    """(Q matching any query word, integer relevance expression) for `tokens`."""
    match_any = Q()
    score_parts = []
    for token in tokens:
        word = Q(search_tokens__contains=f" {token} ")
        match_any |= word
        score_parts.append(
            Case(
                When(word & Q(title__icontains=token), then=Value(1 + TITLE_WEIGHT)),
                When(word, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    rank = score_parts[0]
    for part in score_parts[1:]:
        rank = rank + part
    return match_any, Coalesce(rank, Value(0))


def _default_order(queryset):
    return list(queryset.query.order_by or queryset.model._meta.ordering)


def search(queryset, q):
    """Rows of `queryset` whose words match `q`, best first (annotated with `search_rank`).

    Every query word found among the row's tokens scores 1, plus TITLE_WEIGHT when the title
    contains it too; rows matching no word are left out. An empty query returns the queryset
    unchanged.
    """
    tokens = query_tokens(q)
    if not tokens:
        return queryset
    match_any, rank = _keyword_parts(tokens)
    return queryset.filter(match_any).annotate(search_rank=rank).order_by("-search_rank", *_default_order(queryset))


# --- hybrid: keywords + meaning ------------------------------------------------------------------
# The meaning side lives in matching (it owns the vectors, and matching imports catalog, so catalog
# cannot import it): matching.search registers its ranker here when the app loads.

RRF_K = 60  # reciprocal-rank fusion constant (Cormack et al.): 1/(k + rank) from each list
KEYWORD_FUSION_LIMIT = 200  # keyword ranks that take part in the fusion; later hits keep keyword order
_semantic_ranker = None


def register_semantic_ranker(ranker):
    """`ranker(kind_key, q)` → [(id, similarity)] best first, already cut at its floor ([] = none)."""
    global _semantic_ranker
    _semantic_ranker = ranker


def _position_in(ids, vendor):
    """The row's place in `ids` (0-based; len(ids) when absent) as an SQL expression.

    PostgreSQL gets one array parameter (array_position); a CASE with hundreds of WHENs cost
    ~0.1 s per request just to compile in Django at 100k rows. Other databases (SQLite in tests)
    get the CASE.
    """
    if vendor == "postgresql":
        position = Func(
            Value(ids, output_field=ArrayField(BigIntegerField())),
            Cast(F("pk"), BigIntegerField()),
            function="array_position",
            output_field=IntegerField(),
        )
        return Coalesce(position - 1, Value(len(ids)))
    return Case(
        *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)],
        default=Value(len(ids)),
        output_field=IntegerField(),
    )


def hybrid_search(queryset, q):
    """`search`, with rows close in meaning to `q` fused in (reciprocal-rank fusion), best first.

    Every keyword hit stays in the result; rows found by meaning alone join it when the ranker
    returns them (they passed its floor, so nonsense finds nothing) and `queryset` holds them, so
    permission and filters still apply. Rows are annotated with `search_rank` (keyword score),
    `keyword_hit` (False for meaning-only hits: nothing to highlight) and `fused_rank`. Without a
    ranker, stored vectors or model, this is `search` exactly.
    """
    tokens = query_tokens(q)
    if not tokens:
        return queryset
    match_any, rank = _keyword_parts(tokens)
    order = _default_order(queryset)
    keyword = queryset.filter(match_any).annotate(search_rank=rank, keyword_hit=Value(True))
    semantic = _semantic_ranker(kind_of(queryset.model).key, q) if _semantic_ranker else []
    if not semantic:
        return keyword.order_by("-search_rank", *order)
    # Only meaning hits this queryset holds take part (ranks counted among them).
    held = set(queryset.filter(pk__in=[pk for pk, _sim in semantic]).values_list("pk", flat=True))
    semantic_ids = [pk for pk, _sim in semantic if pk in held]
    keyword_ids = list(keyword.order_by("-search_rank", *order).values_list("pk", flat=True)[:KEYWORD_FUSION_LIMIT])
    fused = {}
    for ranked in (keyword_ids, semantic_ids):
        for position, pk in enumerate(ranked, start=1):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (RRF_K + position)
    best = sorted(fused, key=lambda pk: -fused[pk])
    fused_rank = _position_in(best, connections[queryset.db].vendor)
    return (
        queryset.filter(match_any | Q(pk__in=semantic_ids))
        .annotate(
            search_rank=rank,
            keyword_hit=Case(When(match_any, then=Value(True)), default=Value(False), output_field=BooleanField()),
            fused_rank=fused_rank,
        )
        .order_by("fused_rank", "-search_rank", *order)
    )


def highlight(text, q):
    """HTML for `text` with the query's words wrapped in <mark class="hit"> (text is escaped)."""
    text = "" if text is None else str(text)
    tokens = sorted(query_tokens(q), key=len, reverse=True) if q else []
    if not tokens:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE)
    parts = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f'<mark class="hit">{escape(match.group(0))}</mark>')
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
