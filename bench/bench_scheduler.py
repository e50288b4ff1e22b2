"""Greedy vs CP-SAT on seeded 对接会 instances: how far is greedy from the proven optimum?

Run: .venv/bin/python bench/bench_scheduler.py [--seeds 5] [--time-limit 30]

Each instance looks like a busy 对接会 afternoon: demand-side orgs (cities/parks) with many
requests, supply-side firms, a few people attending for two organisations, availability
windows that cut the afternoon, and scores 30–100. Printed per instance: meetings and score
total for greedy and CP-SAT, CP-SAT status and bound (OPTIMAL = the bound proves it), and the
gap in meetings and in score.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from events.scheduler import Pair, Problem, cp_sat, greedy, violations  # noqa: E402


def instance(seed, *, demand_orgs=12, supply_orgs=40, pairs=220, slots=9, tables=10, shared_people=4):
    rng = random.Random(seed)
    windows = {}
    orgs = [f"d{i}" for i in range(demand_orgs)] + [f"s{i}" for i in range(supply_orgs)]
    for org in orgs:
        if rng.random() < 0.35:  # a third of the orgs only stay part of the afternoon
            start = rng.randrange(0, slots - 3)
            windows[org] = frozenset(range(start, min(slots, start + rng.randint(3, 6))))
    people = {}
    for k in range(shared_people):  # one person representing two supply orgs
        a, b = rng.sample(range(supply_orgs), 2)
        people.setdefault(f"s{a}", set()).add(f"p{k}")
        people.setdefault(f"s{b}", set()).add(f"p{k}")
    seen = set()
    result = []
    # Demand orgs are popular: a few of them get most requests (skewed like real events).
    weights = [1.0 / (i + 1) ** 0.6 for i in range(demand_orgs)]
    while len(result) < pairs:
        d = f"d{rng.choices(range(demand_orgs), weights)[0]}"
        s = f"s{rng.randrange(supply_orgs)}"
        if (d, s) in seen:
            continue
        seen.add((d, s))
        allowed = None
        for org in (d, s):
            if org in windows:
                allowed = windows[org] if allowed is None else allowed & windows[org]
        parties = frozenset({f"org:{d}", f"org:{s}"} | {f"person:{p}" for p in people.get(s, ())})
        result.append(
            Pair(key=len(result), parties=parties, score=round(rng.uniform(30, 100), 1), allowed_slots=allowed)
        )
    return Problem(n_slots=slots, n_tables=tables, pairs=result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--tables", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=220)
    parser.add_argument("--slots", type=int, default=9)
    parser.add_argument("--demand-orgs", type=int, default=12)
    parser.add_argument("--supply-orgs", type=int, default=40)
    args = parser.parse_args()
    print(
        f"{'seed':>4} {'pairs':>5} | {'greedy n':>8} {'score':>8} | {'cp-sat n':>8} {'score':>8} {'status':>8} "
        f"{'proven':>6} {'max n':>5} {'sec':>6} | {'gap n':>5} {'gap score':>9} {'gap %score':>10}"
    )
    totals = {"g": 0, "c": 0, "ub": 0, "proven": 0}
    for seed in range(args.seeds):
        problem = instance(
            seed,
            tables=args.tables,
            pairs=args.pairs,
            slots=args.slots,
            demand_orgs=args.demand_orgs,
            supply_orgs=args.supply_orgs,
        )
        g = greedy(problem)
        c = cp_sat(problem, time_limit=args.time_limit, hint=g)
        assert not violations(problem, g), violations(problem, g)
        assert c is not None and not violations(problem, c), "CP-SAT found no valid schedule"
        proven = c.status == "OPTIMAL" and c.bound == c.objective
        gap_score = 100.0 * (c.score_total(problem) - g.score_total(problem)) / max(1e-9, c.score_total(problem))
        max_n = c.bound // problem.big()  # CP-SAT's bound caps the number of meetings any plan can hold
        totals["g"] += g.count
        totals["c"] += c.count
        totals["ub"] += max_n
        totals["proven"] += proven
        print(
            f"{seed:>4} {len(problem.pairs):>5} | {g.count:>8} {g.score_total(problem):>8.1f} | {c.count:>8} "
            f"{c.score_total(problem):>8.1f} {c.status:>8} {str(proven):>6} {max_n:>5} {c.seconds:>6.2f} | "
            f"{c.count - g.count:>5} {c.score_total(problem) - g.score_total(problem):>9.1f} {gap_score:>9.2f}%"
        )
    print(
        f"total meetings: greedy {totals['g']}, CP-SAT {totals['c']}, upper bound {totals['ub']}; "
        f"optimality proven on {totals['proven']}/{args.seeds} instances; "
        f"greedy reaches {100.0 * totals['g'] / max(1, totals['c']):.1f}% of CP-SAT's count "
        f"and at least {100.0 * totals['g'] / max(1, totals['ub']):.1f}% of the optimum"
    )


if __name__ == "__main__":
    main()
