"""The 1:1 scheduler on random and hand-made instances (pure Python, no database)."""

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.scheduler import Pair, Problem, cp_sat, greedy, solve, violations


def random_problem(rng, *, orgs=10, pairs=25, slots=6, tables=3):
    windows = {}
    for org in range(orgs):
        if rng.random() < 0.4:
            start = rng.randrange(slots)
            windows[org] = frozenset(range(start, min(slots, start + rng.randint(1, 4))))
    person_of = {org: f"p{org}" for org in range(orgs)}
    if orgs >= 3:  # one person attends for two organisations
        a, b = rng.sample(range(orgs), 2)
        person_of[b] = person_of[a]
    seen, result = set(), []
    for _ in range(pairs * 3):
        if len(result) >= pairs:
            break
        a, b = rng.sample(range(orgs), 2)
        key = frozenset((a, b))
        if key in seen:
            continue
        seen.add(key)
        allowed = None
        for org in (a, b):
            if org in windows:
                allowed = windows[org] if allowed is None else allowed & windows[org]
        parties = frozenset({f"org:{a}", f"org:{b}", f"person:{person_of[a]}", f"person:{person_of[b]}"})
        result.append(
            Pair(key=len(result), parties=parties, score=rng.choice([rng.uniform(0, 100), 50.0]), allowed_slots=allowed)
        )
    return Problem(n_slots=slots, n_tables=tables, pairs=result)


def assert_valid(problem, schedule):
    assert violations(problem, schedule) == []
    keys = {p.key for p in problem.pairs}
    assert set(schedule.assignments) <= keys
    per_slot = {}
    for key, (slot, table) in schedule.assignments.items():
        pair = next(p for p in problem.pairs if p.key == key)
        assert slot in problem.allowed(pair)
        assert 1 <= table <= problem.n_tables
        per_slot.setdefault(slot, []).append(pair)
    for pairs in per_slot.values():
        assert len(pairs) <= problem.n_tables
        parties = [party for pair in pairs for party in pair.parties]
        assert len(parties) == len(set(parties)), "an org or a person is double-booked"


@pytest.mark.parametrize("seed", range(25))
def test_random_instances_are_valid_and_cp_sat_is_at_least_greedy(seed):
    rng = random.Random(seed)
    problem = random_problem(
        rng, orgs=rng.randint(3, 14), pairs=rng.randint(1, 40), slots=rng.randint(1, 8), tables=rng.randint(1, 5)
    )
    g = greedy(problem)
    c = cp_sat(problem, time_limit=10, hint=g)
    best = solve(problem, time_limit=10)
    for schedule in (g, c, best):
        assert_valid(problem, schedule)
    assert c.objective >= g.objective
    assert c.count >= g.count
    assert c.status == "OPTIMAL" and c.bound == c.objective  # small instances: CP-SAT proves optimality
    assert best.objective == c.objective


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    orgs=st.integers(2, 8),
    pairs=st.integers(0, 15),
    slots=st.integers(1, 5),
    tables=st.integers(1, 4),
)
def test_property_no_double_booking_capacity_availability(seed, orgs, pairs, slots, tables):
    problem = random_problem(random.Random(seed), orgs=orgs, pairs=pairs, slots=slots, tables=tables)
    schedule = solve(problem, time_limit=5)
    assert_valid(problem, schedule)
    assert schedule.objective >= greedy(problem).objective


def brute_force_count_and_score(problem):
    """Exhaustive optimum for tiny instances: best (count, score-weight) over every assignment."""
    best = (0, 0)
    options = [[None] + problem.allowed(p) for p in problem.pairs]
    for choice in itertools.product(*options):
        used, ok = {}, True
        for pair, slot in zip(problem.pairs, choice, strict=True):
            if slot is None:
                continue
            bucket = used.setdefault(slot, [])
            if len(bucket) >= problem.n_tables or any(pair.parties & other.parties for other in bucket):
                ok = False
                break
            bucket.append(pair)
        if ok:
            chosen = [p for p, s in zip(problem.pairs, choice, strict=True) if s is not None]
            best = max(best, (len(chosen), sum(round(p.score * 10) for p in chosen)))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_cp_sat_matches_exhaustive_optimum_on_tiny_instances(seed):
    rng = random.Random(1000 + seed)
    problem = random_problem(rng, orgs=5, pairs=6, slots=3, tables=2)
    schedule = solve(problem, time_limit=5)
    count, weight = brute_force_count_and_score(problem)
    assert schedule.count == count
    assert sum(round(p.score * 10) for p in problem.pairs if p.key in schedule.assignments) == weight


def test_greedy_is_suboptimal_where_cp_sat_is_not():
    # A meets B (score 90) or C (80); D meets only A (70) and must be in slot 0; one table.
    # Greedy puts A–B in slot 0, then A–D has no slot: 2 meetings. The optimum fits all three.
    pairs = [
        Pair("AB", frozenset({"A", "B"}), 90),
        Pair("AD", frozenset({"A", "D"}), 70, frozenset({0})),
        Pair("CE", frozenset({"C", "E"}), 60),
    ]
    problem = Problem(n_slots=2, n_tables=1, pairs=pairs)
    g = greedy(problem)
    best = solve(problem)
    assert g.count == 2
    assert best.count == 2
    problem = Problem(n_slots=3, n_tables=1, pairs=pairs)
    g, best = greedy(problem), solve(problem)
    assert set(g.assignments) == {"AB", "CE"}  # greedy takes slot 0 for A–B and loses A–D
    assert best.count == 3 and best.is_optimal
    assert best.assignments["AD"][0] == 0


def test_higher_score_wins_when_only_one_fits():
    pairs = [Pair("low", frozenset({"A", "B"}), 40), Pair("high", frozenset({"A", "C"}), 95)]
    schedule = solve(Problem(n_slots=1, n_tables=5, pairs=pairs))
    assert set(schedule.assignments) == {"high"}


def test_count_beats_score():
    # One 100-score meeting versus two 10-score meetings that exclude it: two meetings win.
    pairs = [
        Pair("star", frozenset({"A", "B"}), 100),
        Pair("x", frozenset({"A", "C"}), 10),
        Pair("y", frozenset({"B", "D"}), 10),
    ]
    problem = Problem(n_slots=1, n_tables=3, pairs=pairs)
    schedule = solve(problem)
    assert set(schedule.assignments) == {"x", "y"}


def test_tables_numbered_from_one_best_score_first():
    pairs = [Pair(i, frozenset({f"a{i}", f"b{i}"}), score) for i, score in enumerate([30, 90, 60])]
    schedule = solve(Problem(n_slots=1, n_tables=3, pairs=pairs))
    assert schedule.assignments == {1: (0, 1), 2: (0, 2), 0: (0, 3)}


def test_violations_reports_double_booking():
    pairs = [Pair(1, frozenset({"A", "B"})), Pair(2, frozenset({"A", "C"}))]
    problem = Problem(n_slots=1, n_tables=2, pairs=pairs)
    from events.scheduler import Schedule

    bad = Schedule(assignments={1: (0, 1), 2: (0, 2)})
    assert any("double-booked" in v for v in violations(problem, bad))


def test_empty_problem():
    assert solve(Problem(n_slots=3, n_tables=2, pairs=[])).count == 0
    assert solve(Problem(n_slots=0, n_tables=2, pairs=[Pair(1, frozenset({"A", "B"}))])).count == 0
