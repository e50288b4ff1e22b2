"""Writes of the matching app: computing and storing match lists, feedback, 推荐对接 follow-ups.

A demand's list is always replaced whole inside one transaction (delete + insert under a lock
on the demand row), so a reader or an interrupted rematch never sees half a list.

Feedback is private to the demand side: Match rows hold the model's list (what the supply side,
other apps and exports read), and a demand with feedback also gets its AdjustedMatch list (有价值
boost, 不相关 removed), written in the same transaction.
"""

import dataclasses
import io
import json
import logging
import time
from collections import defaultdict
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import liaison_region_ids, user_acts_for_region
from audit.services import audit_record
from catalog.models import Demand, DemandList, Supply, SupplyMenu
from followups.models import Case
from followups.services import case_assign, case_open
from matching import engine, reasons, selectors
from matching import index as catalog_index
from matching.models import AdjustedMatch, Match, MatchFeedback
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

POSITIVE = (MatchFeedback.Verdict.USEFUL, MatchFeedback.Verdict.CONTACTED)

# Bounded feedback (issue #11): a 有价值 click lifts the marked supply by at most FEEDBACK_MAX_RAW on
# the raw scale (about one 类型 part: a few places, never to the top by itself), and lifts only the
# FEEDBACK_NEIGHBOURS supplies most similar to it by at most as much. Every other supply can only be
# overtaken by those, so it moves down by at most 1 + FEEDBACK_NEIGHBOURS places per click.
# A score raised by feedback never reaches 100.
FEEDBACK_MAX_RAW = 0.75
FEEDBACK_NEIGHBOURS = 2
FEEDBACK_SCORE_CEILING = 99.0


def _feedback_maps(demand_ids=None):
    """({demand: [useful supply ids]}, {demand: {irrelevant supply ids}})."""
    qs = MatchFeedback.objects.all()
    if demand_ids is not None:
        qs = qs.filter(demand_id__in=list(demand_ids))
    useful, irrelevant = defaultdict(list), defaultdict(set)
    for demand_id, supply_id, verdict in qs.values_list("demand_id", "supply_id", "verdict"):
        if verdict == MatchFeedback.Verdict.IRRELEVANT:
            irrelevant[demand_id].add(supply_id)
        else:
            useful[demand_id].append(supply_id)
    return useful, irrelevant


class Row(NamedTuple):
    """One match about to be written (plain values: building model instances costs more than scoring)."""

    demand_id: int
    supply_id: int
    rank: int
    score: float
    components: dict
    explanation: dict


def _rows_for(query, state, scores, *, k, exclude):
    idx = state.index
    order = engine.top_k(scores, idx, k, exclude_ids=exclude)
    rows = []
    for rank, n in enumerate(order, start=1):
        components = engine.components_at(scores, n)
        rows.append(
            Row(
                query.item.id,
                int(idx.ids[n]),
                rank,
                round(float(engine.to_display(components["raw"])), 2),
                components,
                engine.explain(query, idx, n, components),
            )
        )
    return rows


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# engine.components_at's keys, in its order. A dict of exactly these keys (floats, one bool) is
# written by formatting, which gives the same text as `_dumps` (json writes a float as its repr).
COMPONENT_KEYS = ("semantic", "lexical", "type_fit", "chain", "budget", "feedback", "deadline_open", "raw")
_COMPONENTS_FORMAT = "{" + ",".join(f'"{key}":%s' for key in COMPONENT_KEYS) + "}"


def _dumps_components(components):
    if tuple(components) != COMPONENT_KEYS:
        return _dumps(components)
    values = []
    for key in COMPONENT_KEYS:
        value = components[key]
        if value is True or value is False:
            values.append("true" if value else "false")
        elif type(value) is float and value == value and value not in (float("inf"), float("-inf")):
            values.append(repr(value))
        else:
            return _dumps(components)
    return _COMPONENTS_FORMAT % tuple(values)


def _insert_sql(model):
    return (
        f"INSERT INTO {model._meta.db_table} "
        "(demand_id, supply_id, rank, score, components, explanation, model_name, computed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )


INSERT_SQL = _insert_sql(Match)
ADJUSTED_INSERT_SQL = _insert_sql(AdjustedMatch)
INSERT_BATCH = 20_000


def _copy_text(value):
    """A value in PostgreSQL COPY text format (backslash, tab, newline and CR escaped)."""
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _insert(cursor, sql, rows_by_demand, existing, *, model_name, stamp):
    params = [
        (
            r.demand_id,
            r.supply_id,
            r.rank,
            r.score,
            _dumps_components(r.components),
            _dumps(r.explanation),
            model_name,
            stamp,
        )
        for d, rows in rows_by_demand.items()
        if d in existing
        for r in rows
    ]
    if not params:
        return 0
    if connection.vendor == "postgresql":
        # COPY is one round trip for the whole block; rows and values are the same as the INSERT's.
        table = sql.split()[2]
        columns = sql[sql.index("(") : sql.index(")") + 1]
        buffer = io.StringIO()
        buffer.writelines("\t".join(_copy_text(v) for v in row) + "\n" for row in params)
        buffer.seek(0)
        cursor.cursor.copy_expert(f"COPY {table} {columns} FROM STDIN", buffer)
        return len(params)
    # executemany skips the ORM's per-field preparation, which dominated a 500k-row rematch.
    for start in range(0, len(params), INSERT_BATCH):
        cursor.executemany(sql, params[start : start + INSERT_BATCH])
    return len(params)


def _replace_lists(rows_by_demand, *, model_name, now, adjusted_by_demand=None):
    """Replace the lists of these demands atomically; returns ({demand: old top-N supply ids}, deleted, inserted).

    `adjusted_by_demand` holds the feedback-adjusted lists of the demands that have feedback; every
    other demand of the block loses any adjusted list it had (its feedback is gone).
    """
    top_n = settings.MATCHING_RECOMMEND_TOP_N
    old_top = {}
    demand_ids = list(rows_by_demand)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        # Lock the demand rows: two workers refreshing one demand write one after the other.
        existing = set(Demand.objects.select_for_update().filter(pk__in=demand_ids).values_list("pk", flat=True))
        for demand_id, supply_id in Match.objects.filter(demand_id__in=demand_ids, rank__lte=top_n).values_list(
            "demand_id", "supply_id"
        ):
            old_top.setdefault(demand_id, set()).add(supply_id)
        deleted, _ = Match.objects.filter(demand_id__in=demand_ids).delete()
        AdjustedMatch.objects.filter(demand_id__in=demand_ids).delete()
        with connection.cursor() as cursor:
            inserted = _insert(cursor, INSERT_SQL, rows_by_demand, existing, model_name=model_name, stamp=stamp)
            _insert(cursor, ADJUSTED_INSERT_SQL, adjusted_by_demand or {}, existing, model_name=model_name, stamp=stamp)
    return old_top, deleted, inserted


def _recommend(rows_by_demand, old_top, irrelevant=None):
    """Notify both sides of matches that newly entered a demand's top-N at the recommend bar, and open
    a 推荐对接 case for those at the auto-case bar (off by default: no bar is precise enough).

    Works on the model's list (feedback must not reach the supply side), except that a pair the
    demand side marked 不相关 is never recommended.
    """
    top_n, threshold = settings.MATCHING_RECOMMEND_TOP_N, settings.MATCHING_RECOMMEND_THRESHOLD
    irrelevant = irrelevant or {}
    candidates = [
        row
        for d, rows in rows_by_demand.items()
        for row in rows
        if row.rank <= top_n
        and row.score >= threshold
        and row.supply_id not in old_top.get(d, set())
        and row.supply_id not in irrelevant.get(d, ())
    ]
    if not candidates:
        return 0
    from notifications.models import Notification
    from notifications.services import notify_organization

    demands = Demand.objects.select_related("organization", "region", "demand_list", "chain__parent").in_bulk(
        {r.demand_id for r in candidates}
    )
    supplies = Supply.objects.select_related("organization", "menu", "chain__parent").in_bulk(
        {r.supply_id for r in candidates}
    )
    opened = 0
    for row in candidates:
        demand, supply = demands.get(row.demand_id), supplies.get(row.supply_id)
        if demand is None or supply is None:
            continue
        # What both sides read in the notice: the plain reasons (matching.reasons), not raw score parts.
        plain = reasons.build(demand, supply, score=row.score, components=row.components, explanation=row.explanation)
        # Only published parties are recommended to each other; drafts and unverified orgs wait.
        if not (
            demand.organization.is_verified
            and demand.demand_list.status != DemandList.Status.DRAFT
            and supply.organization.is_verified
            and supply.menu.status == SupplyMenu.Status.PUBLISHED
        ):
            continue
        if demand.organization_id == supply.organization_id:
            continue
        auto_bar = settings.MATCHING_AUTO_CASE_THRESHOLD
        if auto_bar and row.score >= auto_bar:
            _, created = case_open(
                demand=demand,
                supply_org=supply.organization,
                supply=supply,
                origin="match",
                origin_ref=f"match:{demand.pk}:{supply.pk}",
                next_action="联系双方确认对接意向（智能匹配推荐）",
            )
            opened += int(created)
        key = f"match:{demand.pk}:{supply.pk}"
        notify_organization(
            organization=demand.organization,
            kind=Notification.Kind.MATCH,
            title=f"为需求「{demand.title}」推荐供给「{supply.title}」（{row.score:.0f}分）",
            body=plain.line(),
            url=reverse("matching:demand_matches", args=[demand.pk]),
            dedup_key=key,
        )
        enqueue(
            "webhooks.tasks.emit",
            "match.recommended",
            demand.organization_id,
            {
                "demand_id": demand.pk,
                "demand_title": demand.title,
                "supply_title": supply.title,
                "score": round(float(row.score)),
                "region_id": demand.region_id,
                "url": reverse("matching:demand_matches", args=[demand.pk]),
            },
        )
        notify_organization(
            organization=supply.organization,
            kind=Notification.Kind.MATCH,
            title=f"您的供给「{supply.title}」可对接需求「{demand.title}」（{row.score:.0f}分）",
            body=plain.line(),
            url=reverse("matching:supply_matches", args=[supply.pk]),
            dedup_key=key,
        )
    return opened


def bounded_feedback(index, useful_ids):
    """Per-supply feedback lift (raw scale) for the supplies marked 有价值: see FEEDBACK_MAX_RAW."""
    n = len(index)
    marked = [index.pos[int(i)] for i in useful_ids if int(i) in index.pos]
    if not marked or not n:
        return np.zeros(n, np.float32)
    # engine.feedback_boost: 0–3 z-units of similarity above the floor (a marked supply itself: ~3).
    boost = np.asarray(engine.feedback_boost(index, list(useful_ids)), dtype=np.float32)
    boost = np.minimum(boost, 3.0) / 3.0 * np.float32(FEEDBACK_MAX_RAW)
    keep = np.zeros(n, dtype=bool)
    keep[marked] = True
    others = np.where(~keep & (boost > 0))[0]
    if len(others):
        # Only the closest few neighbours of the marked supplies share the lift.
        limit = FEEDBACK_NEIGHBOURS * len(marked)
        keep[others[np.argsort(-boost[others], kind="stable")[:limit]]] = True
    # A marked supply gets the full lift even if the model sees it as unlike itself (tiny texts).
    boost[marked] = np.float32(FEEDBACK_MAX_RAW)
    return np.where(keep, boost, 0.0).astype(np.float32)


def _with_bounded_feedback(scores, index, useful_ids):
    if not useful_ids:
        return scores
    lift = bounded_feedback(index, useful_ids)
    return dataclasses.replace(scores, feedback=lift, raw=(scores.raw + lift).astype(np.float32))


def _ceiling(row):
    if row.components.get("feedback") and row.score > FEEDBACK_SCORE_CEILING:
        return row._replace(score=FEEDBACK_SCORE_CEILING)
    return row


def _compute_and_store(state, demand_ids, *, k=None, useful=None, irrelevant=None, recommend=True, writer=None):
    """Score these demands (in blocks: one GEMM each), store their lists. Returns row counts.

    `writer`: a `BlockWriter`; the lists are then written on its thread while the caller scores
    the next block, and a future of the counts is returned.
    """
    k = k or settings.MATCHING_TOP_K
    ids = [d for d in demand_ids if d in state.demands]
    if useful is None:
        useful, irrelevant = _feedback_maps(ids)
    now = timezone.now()
    rows_by_demand, adjusted_by_demand = {}, {}
    if ids and len(state.index):
        semantic = engine.semantic_block(state.demand_matrix(ids), state.index)
        for i, demand_id in enumerate(ids):
            query = state.demands[demand_id]
            # The model's list: no feedback, nothing excluded (the supply side reads it).
            scores = engine.score_demand(query, state.index, semantic=semantic[i])
            rows_by_demand[demand_id] = _rows_for(query, state, scores, k=k, exclude=())
            if useful.get(demand_id) or irrelevant.get(demand_id):
                # The demand's own list: the same bounded feedback boost as ever, 不相关 left out.
                own = _with_bounded_feedback(
                    engine.score_demand(query, state.index, semantic=semantic[i]),
                    state.index,
                    useful.get(demand_id, ()),
                )
                adjusted_by_demand[demand_id] = [
                    _ceiling(row) for row in _rows_for(query, state, own, k=k, exclude=irrelevant.get(demand_id, ()))
                ]
    else:
        rows_by_demand = {d: [] for d in ids}
    # Demands no longer matchable (closed, deleted) lose their list.
    gone = [d for d in demand_ids if d not in state.demands]
    store = {
        "gone": gone,
        "rows_by_demand": rows_by_demand,
        "adjusted_by_demand": adjusted_by_demand,
        "model_name": state.model_name,
        "now": now,
        "irrelevant": irrelevant,
        "recommend": recommend,
        "demands": len(ids),
    }
    if writer is not None:
        return writer.submit(_store, **store)
    return _store(**store)


def _store(*, gone, rows_by_demand, adjusted_by_demand, model_name, now, irrelevant, recommend, demands):
    """The write part of `_compute_and_store`."""
    deleted_gone = Match.objects.filter(demand_id__in=gone).delete()[0] if gone else 0
    if gone:
        AdjustedMatch.objects.filter(demand_id__in=gone).delete()
    old_top, deleted, inserted = (
        _replace_lists(rows_by_demand, model_name=model_name, now=now, adjusted_by_demand=adjusted_by_demand)
        if rows_by_demand
        else ({}, 0, 0)
    )
    opened = _recommend(rows_by_demand, old_top, irrelevant) if recommend else 0
    return {"demands": demands, "deleted": deleted + deleted_gone, "inserted": inserted, "cases_opened": opened}


class BlockWriter:
    """Writes blocks of lists on one background thread (its own database connection), at most
    `depth` blocks behind the scoring; `close()` waits for every write and re-raises the first error.

    Used on PostgreSQL outside a transaction (a second connection would not see the caller's
    uncommitted rows), where the server does the COPY's work in its own process. On SQLite the
    writes are Python holding the GIL like the scoring: measured, overlapping gave no gain
    (docs/matching.md「性能」), so SQLite writes each block before scoring the next.
    """

    def __init__(self, depth=2):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="match-writer")
        self.pending = []
        self.depth = depth

    @staticmethod
    def usable():
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def submit(self, fn, **kwargs):
        while len(self.pending) >= self.depth:
            self.pending.pop(0).result()
        future = self.pool.submit(fn, **kwargs)
        self.pending.append(future)
        return future

    def close(self):
        from django.db import connections

        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.submit(connections.close_all).result()
            self.pool.shutdown()


def _merge(total, part):
    for key, value in part.items():
        total[key] = total.get(key, 0) + value
    return total


# --- public services ------------------------------------------------------------------------------


def match_rematch_all(*, progress=None, block=256, recommend=True):
    """Rebuild the index from the database and recompute every demand's list.

    Each block of demands is written in its own transaction: a run killed half-way leaves every
    demand with either its old or its new complete list, and rerunning completes the rest.
    """
    started = time.perf_counter()
    state = catalog_index.get_state(rebuild=True)
    demand_ids = sorted(state.demands)
    useful, irrelevant = _feedback_maps()
    totals = _rematch_blocks(
        state, demand_ids, useful=useful, irrelevant=irrelevant, recommend=recommend, block=block, progress=progress
    )
    # Lists of demands that are closed or gone.
    totals["deleted"] += Match.objects.exclude(demand_id__in=matchable_ids()).delete()[0]
    AdjustedMatch.objects.exclude(demand_id__in=matchable_ids()).delete()
    totals["seconds"] = round(time.perf_counter() - started, 2)
    totals["supplies"] = int(state.index.alive.sum()) if state.index is not None else 0
    return totals


def _rematch_blocks(state, demand_ids, *, useful, irrelevant, recommend=True, block=256, k=None, progress=None):
    """Score and store these demands block by block; on PostgreSQL the writes overlap the next
    block's scoring (`BlockWriter.usable`)."""
    totals = {"demands": 0, "deleted": 0, "inserted": 0, "cases_opened": 0}
    writer = BlockWriter() if BlockWriter.usable() else None
    futures = []
    try:
        for start in range(0, len(demand_ids), block):
            chunk = demand_ids[start : start + block]
            part = _compute_and_store(
                state, chunk, k=k, useful=useful, irrelevant=irrelevant, recommend=recommend, writer=writer
            )
            if writer is None:
                _merge(totals, part)
            else:
                futures.append(part)
            if progress:
                progress(min(start + block, len(demand_ids)), len(demand_ids))
    finally:
        if writer is not None:
            writer.close()
    for future in futures:
        _merge(totals, future.result())
    return totals


def match_lists_compute(*, k):
    """Every matchable demand's best `k` supplies, computed now and not stored (exports beyond the
    stored list length): the model's lists, like the stored Match rows (feedback is private to each
    demand side). Yields (demand_id, [Row, ...])."""
    state = catalog_index.get_state()
    ids = sorted(state.demands)
    for start in range(0, len(ids), 256):
        chunk = ids[start : start + 256]
        semantic = engine.semantic_block(state.demand_matrix(chunk), state.index) if len(state.index) else None
        for i, demand_id in enumerate(chunk):
            if semantic is None:
                yield demand_id, []
                continue
            query = state.demands[demand_id]
            scores = engine.score_demand(query, state.index, semantic=semantic[i])
            yield demand_id, _rows_for(query, state, scores, k=k, exclude=())


def matchable_ids():
    return catalog_index.matchable_demands().values("pk")


def match_demand_refresh(*, demand_id):
    """Recompute one demand's list (after it was created, edited or closed). Idempotent."""
    state = catalog_index.get_state()
    return _compute_and_store(state, [demand_id])


def affected_demands(state, supply_id):
    """Demands whose list may change because this supply changed: the ones listing it now, and
    the ones where its new score would enter (list not full, or above the current last entry).

    A demand's list is full when it has a row at rank `MATCHING_TOP_K` (ranks run 1…n), whose
    score is the list's lowest. The exact pair score is computed only where an upper bound of it
    (the dense part plus the largest possible lexical, type and chain parts; budget and deadline
    parts are ≤ 0) reaches that lowest score.
    """
    affected = set(Match.objects.filter(supply_id=supply_id).values_list("demand_id", flat=True))
    n = state.index.pos.get(int(supply_id))
    if n is None or not state.index.alive[n] or not state.demands:
        return affected
    ids, matrix = state.all_demands()
    semantic = (matrix @ state.index.combined[n] - state.index.offset) * 0.5
    k = settings.MATCHING_TOP_K
    lowest = dict(Match.objects.filter(rank=k).values_list("demand_id", "score"))
    bound = engine.to_display(
        semantic + engine.W_LEX * 1.0 + engine.W_TYPE * float(engine.TYPE_MATRIX.max()) + engine.W_CHAIN * 1.0
    )
    for i, demand_id in enumerate(ids):
        floor = lowest.get(demand_id)
        if floor is None:
            affected.add(demand_id)  # list not full
            continue
        if bound[i] + 1e-6 < floor:
            continue
        raw = engine.pair_raw(state.demands[demand_id], state.index, n, semantic[i])
        if engine.to_display(raw) >= floor:
            affected.add(demand_id)
    return affected


def match_supply_refresh(*, supply_id):
    """A supply was created, edited, closed or deleted: update only the lists it affects."""
    state = catalog_index.get_state(supply_ids=[int(supply_id)])
    demands = affected_demands(state, supply_id)
    result = (
        _compute_and_store(state, sorted(demands))
        if demands
        else {"demands": 0, "deleted": 0, "inserted": 0, "cases_opened": 0}
    )
    result["affected_demands"] = len(demands)
    return result


def match_items_refresh(*, demand_ids=(), supply_ids=()):
    """After an import: the new/changed demands, plus every demand the new supplies affect."""
    state = catalog_index.get_state(supply_ids=[int(i) for i in supply_ids], demand_ids=[int(i) for i in demand_ids])
    targets = set(int(d) for d in demand_ids)
    if len(supply_ids) > 50:
        # A large supply import can reach any list: re-rank all demands (one GEMM per 256).
        targets |= set(state.demands) | set(Match.objects.values_list("demand_id", flat=True).distinct())
    else:
        for supply_id in supply_ids:
            targets |= affected_demands(state, int(supply_id))
    result = (
        _compute_and_store(state, sorted(targets))
        if targets
        else {"demands": 0, "deleted": 0, "inserted": 0, "cases_opened": 0}
    )
    result["affected_demands"] = len(targets)
    return result


# --- feedback -----------------------------------------------------------------------------------

FEEDBACK_DENIED = "只有需求发布单位成员、负责该地区的对接专员或平台管理员可以反馈匹配结果。"


def _own_list(demand):
    """The demand side's list as it stands: [(supply_id, raw, feedback lift)], best first."""
    model = AdjustedMatch if AdjustedMatch.objects.filter(demand=demand).exists() else Match
    hidden = set(
        MatchFeedback.objects.filter(demand=demand, verdict=MatchFeedback.Verdict.IRRELEVANT).values_list(
            "supply_id", flat=True
        )
    )
    rows = model.objects.filter(demand=demand).order_by("rank").values_list("supply_id", "components", "score")
    return [
        (supply_id, float((c or {}).get("raw", score)), float((c or {}).get("feedback") or 0.0))
        for supply_id, c, score in rows
        if supply_id not in hidden
    ]


def _useful_effect(demand, supply_id):
    """(place before, place after) of a supply marked 有价值 in the demand's own list.

    The re-rank runs in the background; the place after is what the bounded lift gives the marked
    supply against the list as it stands (its neighbours' smaller lifts can shift it by one or two).
    """
    rows = _own_list(demand)
    position = next((i for i, row in enumerate(rows) if row[0] == supply_id), None)
    if position is None:
        return None, None
    _, raw, lift = rows[position]
    new_raw = raw - lift + FEEDBACK_MAX_RAW
    after = 1 + sum(1 for sid, r, _lift in rows if sid != supply_id and r > new_raw)
    return position + 1, after


@transaction.atomic
def feedback_record(*, demand, supply, user, verdict):
    """Store the demand side's verdict on a pair (the latest counts) and re-rank the demand's own list.

    Only the demand's organisation, liaison staff covering the demand's region and platform admins
    may give feedback; it changes the demand's AdjustedMatch list only, never the Match rows the
    supply side reads. The returned feedback carries `place_before`/`place_after` (1-based places
    in the demand's own list; None when the supply is not in it) for a 有价值 verdict.
    """
    if verdict not in MatchFeedback.Verdict.values:
        raise ValidationError({"verdict": ["反馈类型无效：请选择 有价值、不相关 或 已联系。"]})
    if not selectors.can_give_feedback(user, demand):
        raise PermissionDenied(FEEDBACK_DENIED)
    before = MatchFeedback.objects.filter(demand=demand, supply=supply).values_list("verdict", flat=True).first()
    place_before = place_after = None
    if verdict == MatchFeedback.Verdict.USEFUL and before != verdict:
        place_before, place_after = _useful_effect(demand, supply.pk)
    feedback, _ = MatchFeedback.objects.select_for_update().update_or_create(
        demand=demand, supply=supply, defaults={"user": user, "verdict": verdict}
    )
    if before != verdict:
        audit_record(
            actor=user,
            obj=feedback,
            action="update" if before else "create",
            changes={"verdict": {"before": before, "after": verdict}},
        )
    if verdict == MatchFeedback.Verdict.IRRELEVANT:
        # Hidden from the demand's own list at once; the re-rank below fills the gap.
        AdjustedMatch.objects.filter(demand=demand, supply=supply).delete()
    enqueue("matching.tasks.refresh_demand", demand.pk)
    feedback.place_before, feedback.place_after = place_before, place_after
    return feedback


@transaction.atomic
def feedback_remove(*, demand, supply, user):
    """Take back the demand side's verdict on a pair (撤销): same people as may give it; audited.

    A pair un-hidden from 不相关 is back in the demand's own list at once (at its model place)
    until the background re-rank places it again. Returns the verdict that was removed.
    """
    if not selectors.can_give_feedback(user, demand):
        raise PermissionDenied(FEEDBACK_DENIED)
    feedback = MatchFeedback.objects.select_for_update().filter(demand=demand, supply=supply).first()
    if feedback is None:
        raise ValidationError({"verdict": ["该供给没有反馈，无需撤销。"]})
    verdict = feedback.verdict
    audit_record(actor=user, obj=feedback, action="delete", changes={"verdict": {"before": verdict, "after": None}})
    feedback.delete()
    if not MatchFeedback.objects.filter(demand=demand).exists():
        # No feedback left: the demand's own list is the model's list again.
        AdjustedMatch.objects.filter(demand=demand).delete()
    elif not AdjustedMatch.objects.filter(demand=demand, supply=supply).exists():
        model_row = Match.objects.filter(demand=demand, supply=supply).first()
        if model_row is not None and AdjustedMatch.objects.filter(demand=demand).exists():
            AdjustedMatch.objects.create(
                demand=demand,
                supply=supply,
                rank=model_row.rank,
                score=model_row.score,
                components=model_row.components,
                explanation=model_row.explanation,
                model_name=model_row.model_name,
                computed_at=model_row.computed_at,
            )
    enqueue("matching.tasks.refresh_demand", demand.pk)
    return verdict


# --- liaison queue: matches into 对接项目 --------------------------------------------------------


@transaction.atomic
def match_case_open(*, demand, supply, user, owner=None):
    """转为对接项目 / 指派 from the liaison queue: open (or reuse) the pair's case, optionally owned by
    `owner` (a colleague covering the demand's region). Returns (case, created).

    Only staff acting for the demand's region may do it (followups enforces its own rules too).
    """
    if not user_acts_for_region(user, demand.region_id):
        raise PermissionDenied("该需求不在您负责的地区，不能转为对接项目或指派。")
    if owner is not None and not (
        getattr(owner, "is_liaison", False) and (owner.is_platform_admin or liaison_region_ids(owner))
    ):
        raise ValidationError({"owner": ["请选择负责该地区的对接专员。"]})
    if owner is not None and not user_acts_for_region(owner, demand.region_id):
        raise ValidationError(
            {"owner": [f"{owner.get_full_name() or owner.username} 不负责该需求所在地区，不能指派。"]}
        )
    if demand.organization_id == supply.organization_id:
        raise ValidationError({"supply": ["需求和供给属于同一单位，无需转为对接项目。"]})
    case, created = case_open(
        demand=demand,
        supply_org=supply.organization,
        supply=supply,
        origin=Case.Origin.MATCH,
        origin_ref=f"match:{demand.pk}:{supply.pk}",
        next_action="联系双方确认对接意向（智能匹配推荐）",
        actor=user,
    )
    if owner is not None and case.owner_id != owner.pk:
        case = case_assign(case=case, actor=user, owner=owner)
    return case, created
