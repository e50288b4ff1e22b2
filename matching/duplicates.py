"""Near-duplicate rows at intake, by meaning: an import row against the vectors the matcher already
stored for the catalogue (rows are encoded in memory only; nothing is written). Registered with
catalog.importing when the app loads (catalog sits below matching and cannot import it)."""

import numpy as np

from catalog.importing import register_neighbour_finder
from catalog.kinds import DEMAND
from matching import embeddings, engine
from matching.models import Embedding


def _item_text(kind_key, title, description):
    # The same text the matcher encodes and stores for the item (matching.index), so stored vectors are reused.
    return engine.need_text(title, description) if kind_key == DEMAND.key else engine.lead_text(title, description)


def semantic_neighbours(kind_key, rows, items, *, threshold):
    """{row number: (item id, similarity)}: each import row's most similar stored item at or above
    `threshold`; {} when the model or the stored vectors are unavailable (the title check still runs)."""
    if not Embedding.objects.exists():
        return {}
    try:
        backend = embeddings.get_backend()
    except Exception:  # model missing or misconfigured: the title check still runs
        return {}
    kind = "query" if kind_key == DEMAND.key else "passage"
    hashes = {
        item["id"]: embeddings.text_hash(
            embeddings.prepare_text(_item_text(kind_key, item["title"], item["description"])), kind
        )
        for item in items
    }
    stored = {}
    unique = list(set(hashes.values()))
    for start in range(0, len(unique), 500):
        for emb in Embedding.objects.filter(
            model_name=backend.name, dim=backend.dim, text_hash__in=unique[start : start + 500]
        ).only("text_hash", "dim", "vector"):
            stored[emb.text_hash] = emb.as_array()
    ids = [pk for pk, h in hashes.items() if h in stored]
    if not ids:
        return {}
    try:
        # Rows are encoded in memory only: intake writes nothing but the catalogue rows.
        vectors = embeddings.encode(
            [_item_text(kind_key, r.title, r.description) for r in rows],
            kind=kind,
            backend=backend,
            use_db=False,
            memory={},
        )
    except Exception:
        return {}
    matrix = np.stack([stored[hashes[pk]] for pk in ids])
    similarity = vectors @ matrix.T
    found = {}
    for position, row in enumerate(rows):
        best = int(np.argmax(similarity[position]))
        if similarity[position, best] >= threshold:
            found[row.number] = (ids[best], float(similarity[position, best]))
    return found


register_neighbour_finder(semantic_neighbours)
