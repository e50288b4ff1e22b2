"""The catalogue as the matcher sees it: vectors (from the Embedding cache) and tokens of every
matchable demand and supply, kept in process memory and synced with the database by
(id, updated_at), so a refresh task re-encodes only the rows that changed.

Syncing does not read every (id, updated_at) pair: it looks at the ids the task names, at rows
whose updated_at is at or after its previous look (minus `SYNC_OVERLAP`, for transactions that
committed late) and at lists/menus changed since then, and compares the table counts (a deleted
row that no task named). A full comparison runs only when a count disagrees or every
`FULL_SYNC_SECONDS`, as a safety net for writes that bypass updated_at.
"""

import logging
import threading
import time
from datetime import timedelta

import numpy as np
from django.utils import timezone

from catalog.models import Demand, DemandList, Supply, SupplyMenu
from matching import embeddings, engine

logger = logging.getLogger(__name__)

# Rows stamped up to this long before the newest stamp seen are looked at again on every sync: a
# transaction that took its timestamp earlier but committed after the last sync is not missed.
SYNC_OVERLAP = timedelta(minutes=5)
FULL_SYNC_SECONDS = 600


def matchable_demands():
    """Every demand that is not closed (drafts and unverified organisations included)."""
    return Demand.objects.exclude(status=Demand.Status.CLOSED).exclude(demand_list__status=DemandList.Status.CLOSED)


def matchable_supplies():
    return Supply.objects.exclude(status=Supply.Status.CLOSED).exclude(menu__status=SupplyMenu.Status.CLOSED)


def _chain_root(chain):
    if chain is None:
        return ""
    return chain.parent.name if chain.parent_id else chain.name


def demand_item(demand):
    return engine.Item(
        id=demand.pk,
        title=demand.title,
        description=demand.description,
        chain=_chain_root(demand.chain),
        kind=demand.demand_type,
        money_wan=None if demand.budget_wan is None else float(demand.budget_wan),
        deadline=demand.deadline,
    )


def supply_item(supply):
    return engine.Item(
        id=supply.pk,
        title=supply.title,
        description=supply.description,
        chain=_chain_root(supply.chain),
        kind=supply.supply_type,
        money_wan=None if supply.price_wan is None else float(supply.price_wan),
    )


def encode_demands(items, **kw):
    return embeddings.encode([engine.need_text(i.title, i.description) for i in items], kind="query", **kw)


def encode_supplies(items, **kw):
    titles = embeddings.encode([i.title for i in items], kind="passage", **kw)
    leads = embeddings.encode([engine.lead_text(i.title, i.description) for i in items], kind="passage", **kw)
    return titles, leads


class CatalogState:
    """Supply index + demand queries for one embedding model."""

    def __init__(self, model_name):
        self.model_name = model_name
        self.index = None
        self.demands = {}  # id → DemandQuery
        self.supply_stamp = {}  # id → updated_at
        self.demand_stamp = {}
        self.built_at = None

    # -- loading --------------------------------------------------------------------------
    def build(self):
        started = time.perf_counter()
        looked_at = timezone.now()
        supplies = list(matchable_supplies().select_related("chain__parent").order_by("pk"))
        demands = list(matchable_demands().select_related("chain__parent").order_by("pk"))
        s_items = [supply_item(s) for s in supplies]
        d_items = [demand_item(d) for d in demands]
        titles, leads = encode_supplies(s_items)
        need = encode_demands(d_items)
        dim = embeddings.get_backend().dim
        titles = titles.reshape(len(s_items), dim)
        leads = leads.reshape(len(s_items), dim)
        need = need.reshape(len(d_items), dim)
        calibration = engine.estimate_calibration(need, titles, leads, self.model_name)
        self.index = engine.SupplyIndex(s_items, titles, leads, calibration)
        self.demands = {it.id: engine.make_demand_query(it, v) for it, v in zip(d_items, need, strict=True)}
        # Pseudo-relevance feedback against the catalogue as built (engine.expand_query).
        engine.expand_queries(self.demands.values(), self.index)
        self.supply_stamp = {s.pk: s.updated_at for s in supplies}
        self.demand_stamp = {d.pk: d.updated_at for d in demands}
        self._reset_marks(looked_at)
        self.built_at = time.time()
        logger.info(
            "matching index built: %d supplies, %d demands in %.1fs",
            len(s_items),
            len(d_items),
            time.perf_counter() - started,
        )
        return self

    def _reset_marks(self, started=None):
        """After a full look begun at `started`: where the next incremental sync starts looking,
        and the ids it compares with the tables."""
        self._demand_matrix = None
        self.mark = started or timezone.now()
        # Every row of the two tables (closed ones too). Rows created later are seen by their stamp,
        # so a table holding fewer rows than the ids known has lost one that no task named.
        self.all_ids = {
            Supply: set(Supply.objects.values_list("pk", flat=True)),
            Demand: set(Demand.objects.values_list("pk", flat=True)),
        }
        self.full_synced_at = time.monotonic()

    def _known(self, model, looked_at):
        """Record which of these ids exist; True when the table's row count is the number of ids known."""
        known = self.all_ids[model]
        existing = set(model.objects.filter(pk__in=looked_at).values_list("pk", flat=True)) if looked_at else set()
        known |= existing
        known -= set(looked_at) - existing
        return model.objects.count() == len(known)

    def sync(self, *, supply_ids=None, demand_ids=None, full=None):
        """Apply rows created, edited, closed or deleted since the last look. Returns changed ids.

        `supply_ids`/`demand_ids`: rows the caller knows changed (a task's arguments). Without
        `full`, only those, rows stamped (or whose menu/list was) since the last look minus
        `SYNC_OVERLAP`, and each table's row count are read; a table holding another number of rows
        than the ids the state knows (a row deleted without a task naming it) or `FULL_SYNC_SECONDS` since
        the last full look falls back to comparing every (id, updated_at) pair.
        """
        if full is None:
            full = self.mark is None or time.monotonic() - self.full_synced_at > FULL_SYNC_SECONDS
        started = timezone.now()
        if full:
            current_s = dict(matchable_supplies().values_list("pk", "updated_at"))
            current_d = dict(matchable_demands().values_list("pk", "updated_at"))
            look_s, look_d = set(self.supply_stamp) | set(current_s), set(self.demand_stamp) | set(current_d)
        else:
            since = self.mark - SYNC_OVERLAP
            # Two plain reads per table (no join): the rows stamped since, and the rows of the
            # menus/lists stamped since (closing a menu closes its supplies without saving them).
            look_s = set(supply_ids or ()) | set(
                Supply.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
            )
            menus = list(SupplyMenu.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
            if menus:
                look_s |= set(Supply.objects.filter(menu_id__in=menus).values_list("pk", flat=True))
            look_d = set(demand_ids or ()) | set(
                Demand.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
            )
            lists = list(DemandList.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
            if lists:
                look_d |= set(Demand.objects.filter(demand_list_id__in=lists).values_list("pk", flat=True))
            current_s = (
                dict(matchable_supplies().filter(pk__in=look_s).values_list("pk", "updated_at")) if look_s else {}
            )
            current_d = (
                dict(matchable_demands().filter(pk__in=look_d).values_list("pk", "updated_at")) if look_d else {}
            )
        changed = self._apply(look_s, current_s, look_d, current_d)
        if full:
            self._reset_marks(started)
            return changed
        if not (self._known(Supply, look_s) and self._known(Demand, look_d)):
            # Rows appeared or vanished that no stamp or id explains: compare everything once.
            more = self.sync(full=True)
            return {key: changed[key] | more[key] for key in changed}
        self.mark = started
        return changed

    def _apply(self, look_s, current_s, look_d, current_d):
        gone_s = [pk for pk in look_s if pk in self.supply_stamp and pk not in current_s]
        new_s = [pk for pk, ts in current_s.items() if self.supply_stamp.get(pk) != ts]
        gone_d = [pk for pk in look_d if pk in self.demand_stamp and pk not in current_d]
        new_d = [pk for pk, ts in current_d.items() if self.demand_stamp.get(pk) != ts]
        for pk in gone_s:
            self.index.remove(pk)
            self.supply_stamp.pop(pk, None)
        for pk in gone_d:
            self.demands.pop(pk, None)
            self.demand_stamp.pop(pk, None)
        if new_s:
            rows = list(Supply.objects.filter(pk__in=new_s).select_related("chain__parent"))
            items = [supply_item(s) for s in rows]
            titles, leads = encode_supplies(items)
            for item, title_vec, lead_vec, row in zip(items, titles, leads, rows, strict=True):
                self.index.upsert(item, title_vec, lead_vec)
                self.supply_stamp[row.pk] = row.updated_at
        if new_d:
            rows = list(Demand.objects.filter(pk__in=new_d).select_related("chain__parent"))
            items = [demand_item(d) for d in rows]
            need = encode_demands(items)
            for item, v, row in zip(items, need, rows, strict=True):
                self.demands[item.id] = engine.make_demand_query(item, v)
                self.demand_stamp[row.pk] = row.updated_at
            engine.expand_queries([self.demands[i.id] for i in items], self.index)
        if new_d or gone_d:
            self._demand_matrix = None
        return {"supplies": set(new_s) | set(gone_s), "demands": set(new_d) | set(gone_d)}

    # -- convenience -------------------------------------------------------------------------
    def demand_matrix(self, ids):
        return np.vstack([self.demands[i].vector for i in ids]) if ids else np.zeros((0, 1), np.float32)

    def all_demands(self):
        """(ids, matrix of their vectors) of every demand, kept until a demand changes."""
        if getattr(self, "_demand_matrix", None) is None:
            ids = list(self.demands)
            self._demand_matrix = (ids, self.demand_matrix(ids))
        return self._demand_matrix


_lock = threading.RLock()
_state = None


def get_state(*, rebuild=False, supply_ids=None, demand_ids=None):
    """The process's catalogue state, synced with the database (built on first use).

    `supply_ids`/`demand_ids`: rows the caller knows changed (see `CatalogState.sync`).
    """
    global _state
    with _lock:
        model_name = embeddings.get_backend().name
        if rebuild or _state is None or _state.model_name != model_name:
            _state = CatalogState(model_name).build()
        else:
            _state.sync(supply_ids=supply_ids, demand_ids=demand_ids)
        return _state


def reset_state():
    """Forget the in-process state (tests, or after a bulk change made by another process)."""
    global _state
    with _lock:
        _state = None


def brute_force_top_k(matrix, vector, k):
    """Reference dense top-k: one matrix-vector product and a partial sort (used by the benchmark)."""
    sims = matrix @ vector
    part = np.argpartition(-sims, k - 1)[:k]
    return part[np.argsort(-sims[part])]
