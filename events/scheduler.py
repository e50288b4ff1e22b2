"""1:1 meeting scheduler: put accepted pairs into (time slot, table) cells.

Pure Python (no Django) so the benchmark and property tests can drive it directly.

Problem: slots 0..S-1, T identical tables per slot, and pairs p with a set of *parties*
(the two organisations, plus any person who attends for both) and the slots allowed by every
party's availability. A schedule picks at most one slot per pair such that

* no party is in two meetings in the same slot (no double booking of an org or a person),
* at most T meetings share a slot (one table each),
* every pair sits in one of its allowed slots.

Objective (lexicographic, as one weighted sum): first the number of meetings, then the sum
of their scores — weight(p) = BIG + round(10·score) with BIG larger than every possible score
total, so one more meeting always beats any score gain.

Tables are identical, so the model only chooses slots; tables are numbered afterwards inside
each slot (highest score at table 1). That removes table symmetry from the search without
losing any solution.

`solve()` runs CP-SAT (OR-Tools) with a time limit, warm-started with the greedy answer and
never returns anything worse than greedy; if OR-Tools is missing or finds nothing in time it
returns the greedy schedule. CP-SAT's proven bound tells whether the answer is optimal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

SCORE_SCALE = 10  # score 0–100 → integer weight 0–1000


@dataclass(frozen=True)
class Pair:
    key: object  # caller's id (MeetingRequest pk)
    parties: frozenset  # hashable resources that may not be double-booked
    score: float = 0.0
    allowed_slots: frozenset | None = None  # None = every slot


@dataclass
class Problem:
    n_slots: int
    n_tables: int
    pairs: list

    def allowed(self, pair):
        slots = range(self.n_slots)
        if pair.allowed_slots is None:
            return list(slots)
        return sorted(s for s in pair.allowed_slots if 0 <= s < self.n_slots)

    def big(self):
        return SCORE_SCALE * 100 * max(1, len(self.pairs)) + 1

    def weight(self, pair):
        return self.big() + score_weight(pair.score)


def score_weight(score):
    return int(round(max(0.0, min(100.0, float(score or 0))) * SCORE_SCALE))


@dataclass
class Schedule:
    assignments: dict = field(default_factory=dict)  # pair key → (slot, table) with table from 1
    solver: str = "greedy"
    status: str = "FEASIBLE"  # OPTIMAL when proven, FEASIBLE otherwise
    objective: int = 0
    bound: int | None = None  # CP-SAT's best bound on the objective
    seconds: float = 0.0
    baseline: Schedule | None = None  # the greedy schedule solve() started from

    @property
    def count(self):
        return len(self.assignments)

    @property
    def is_optimal(self):
        return self.status == "OPTIMAL"

    def score_total(self, problem):
        by_key = {p.key: p for p in problem.pairs}
        return sum(by_key[k].score for k in self.assignments)

    def summary(self, problem):
        baseline = self.baseline or self
        return {
            "greedy_scheduled": baseline.count,
            "greedy_score_total": round(baseline.score_total(problem), 2),
            "solver": self.solver,
            "status": self.status,
            "scheduled": self.count,
            "requested": len(problem.pairs),
            "score_total": round(self.score_total(problem), 2),
            "objective": self.objective,
            "bound": self.bound,
            "seconds": round(self.seconds, 3),
        }


def _number_tables(problem, slot_of):
    """Give each slot's meetings tables 1..k, best score first (stable by key order)."""
    by_key = {p.key: p for p in problem.pairs}
    per_slot = {}
    for key, slot in slot_of.items():
        per_slot.setdefault(slot, []).append(key)
    result = {}
    for slot, keys in per_slot.items():
        keys.sort(key=lambda k: (-by_key[k].score, str(k)))
        for table, key in enumerate(keys, start=1):
            result[key] = (slot, table)
    return result


def _objective(problem, keys):
    by_key = {p.key: p for p in problem.pairs}
    return sum(problem.weight(by_key[k]) for k in keys)


def greedy(problem):
    """Highest score first, each pair into the earliest slot that still fits it."""
    started = time.perf_counter()
    busy = {}  # slot → set of parties
    used = [0] * problem.n_slots
    slot_of = {}
    for pair in sorted(problem.pairs, key=lambda p: (-p.score, str(p.key))):
        for slot in problem.allowed(pair):
            if used[slot] >= problem.n_tables:
                continue
            taken = busy.setdefault(slot, set())
            if taken & pair.parties:
                continue
            taken |= pair.parties
            used[slot] += 1
            slot_of[pair.key] = slot
            break
    return Schedule(
        assignments=_number_tables(problem, slot_of),
        solver="greedy",
        status="FEASIBLE",
        objective=_objective(problem, slot_of),
        seconds=time.perf_counter() - started,
    )


def cp_sat(problem, *, time_limit=10.0, workers=2, hint=None):
    """Exact model in CP-SAT. Returns None when OR-Tools is missing or finds no solution in time."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:  # pragma: no cover - ortools is in requirements
        return None
    started = time.perf_counter()
    model = cp_model.CpModel()
    x = {}
    for i, pair in enumerate(problem.pairs):
        for slot in problem.allowed(pair):
            x[i, slot] = model.NewBoolVar(f"x_{i}_{slot}")
        choices = [x[i, s] for s in problem.allowed(pair)]
        if choices:
            model.AddAtMostOne(choices)
    by_slot = {}
    by_party_slot = {}
    for (i, slot), var in x.items():
        by_slot.setdefault(slot, []).append(var)
        for party in problem.pairs[i].parties:
            by_party_slot.setdefault((party, slot), []).append(var)
    for vars_ in by_slot.values():
        if len(vars_) > problem.n_tables:
            model.Add(sum(vars_) <= problem.n_tables)
    for vars_ in by_party_slot.values():
        if len(vars_) > 1:
            model.AddAtMostOne(vars_)
    model.Maximize(sum(problem.weight(problem.pairs[i]) * var for (i, _), var in x.items()))
    if hint:
        index = {p.key: i for i, p in enumerate(problem.pairs)}
        for key, (slot, _table) in hint.assignments.items():
            if (index[key], slot) in x:
                model.AddHint(x[index[key], slot], 1)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_search_workers = int(workers)
    solver.parameters.random_seed = 0
    code = solver.Solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    slot_of = {problem.pairs[i].key: slot for (i, slot), var in x.items() if solver.BooleanValue(var)}
    return Schedule(
        assignments=_number_tables(problem, slot_of),
        solver="cp-sat",
        status="OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE",
        objective=_objective(problem, slot_of),
        bound=int(round(solver.BestObjectiveBound())),
        seconds=time.perf_counter() - started,
    )


def solve(problem, *, time_limit=10.0, workers=2):
    """Best schedule we can prove or find: CP-SAT warm-started by greedy, never worse than greedy."""
    base = greedy(problem)
    if not problem.pairs or problem.n_slots <= 0 or problem.n_tables <= 0:
        return base
    exact = cp_sat(problem, time_limit=time_limit, workers=workers, hint=base)
    if exact is None:
        base.solver = "greedy（CP-SAT 未在时限内给出解）"
        return base
    if exact.objective < base.objective:  # only possible when stopped by the time limit
        base.bound = exact.bound
        return base
    exact.baseline = base
    return exact


def violations(problem, schedule):
    """Every rule the schedule breaks, as readable strings (empty list = valid)."""
    problems = []
    by_key = {p.key: p for p in problem.pairs}
    cells = set()
    per_slot = {}
    for key, (slot, table) in schedule.assignments.items():
        pair = by_key.get(key)
        if pair is None:
            problems.append(f"unknown pair {key!r}")
            continue
        if slot not in problem.allowed(pair):
            problems.append(f"pair {key!r} in slot {slot} outside its availability")
        if not 1 <= table <= problem.n_tables:
            problems.append(f"pair {key!r} at table {table} (only {problem.n_tables})")
        if (slot, table) in cells:
            problems.append(f"two meetings at slot {slot} table {table}")
        cells.add((slot, table))
        per_slot.setdefault(slot, []).append(pair)
    for slot, pairs in per_slot.items():
        if len(pairs) > problem.n_tables:
            problems.append(f"slot {slot} has {len(pairs)} meetings for {problem.n_tables} tables")
        seen = set()
        for pair in pairs:
            clash = seen & pair.parties
            if clash:
                problems.append(f"{sorted(map(str, clash))} double-booked in slot {slot}")
            seen |= pair.parties
    return problems
