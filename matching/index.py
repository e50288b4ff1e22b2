"""The catalogue as the matcher sees it: vectors (from the Embedding cache) and tokens of every
matchable demand and supply, kept in process memory and synced with the database by
(id, updated_at), so a refresh task re-encodes only the rows that changed.
"""

import logging
import threading
import time

import numpy as np

from catalog.models import Demand, DemandList, Supply, SupplyMenu
from matching import embeddings, engine

logger = logging.getLogger(__name__)


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
        self.built_at = time.time()
        logger.info(
            "matching index built: %d supplies, %d demands in %.1fs",
            len(s_items),
            len(d_items),
            time.perf_counter() - started,
        )
        return self

    def sync(self):
        """Apply rows created, edited, closed or deleted since the last look. Returns changed ids."""
        current_s = dict(matchable_supplies().values_list("pk", "updated_at"))
        current_d = dict(matchable_demands().values_list("pk", "updated_at"))
        gone_s = [pk for pk in self.supply_stamp if pk not in current_s]
        new_s = [pk for pk, ts in current_s.items() if self.supply_stamp.get(pk) != ts]
        gone_d = [pk for pk in self.demand_stamp if pk not in current_d]
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
        return {"supplies": set(new_s) | set(gone_s), "demands": set(new_d) | set(gone_d)}

    # -- convenience -------------------------------------------------------------------------
    def demand_matrix(self, ids):
        return np.vstack([self.demands[i].vector for i in ids]) if ids else np.zeros((0, 1), np.float32)


_lock = threading.RLock()
_state = None


def get_state(*, rebuild=False):
    """The process's catalogue state, synced with the database (built on first use)."""
    global _state
    with _lock:
        model_name = embeddings.get_backend().name
        if rebuild or _state is None or _state.model_name != model_name:
            _state = CatalogState(model_name).build()
        else:
            _state.sync()
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
