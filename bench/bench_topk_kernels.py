"""What a one-query dense top-k costs in numpy for each storage of a 100k × 384 supply matrix
(issue #14: would a reduced-precision matrix beat brute-force float32?). Prints each kernel's
p50 beside float32 BLAS measured in the same run, with CPU time and the load average.

    .venv/bin/python bench/bench_topk_kernels.py [--rows 100000] [--repeat 30]

numpy has BLAS only for float32/float64: a float16 or int8 product runs numpy's generic loops, and
converting int8 codes back to float32 costs more than reading the float32 matrix.
"""

import argparse
import os
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    q = rng.standard_normal(args.dim).astype(np.float32)
    x16, q16 = x.astype(np.float16), q.astype(np.float16)
    x8 = (x * 30).clip(-127, 127).astype(np.int8)
    q32i = (q * 30).clip(-127, 127).astype(np.int32)
    quarter = np.ascontiguousarray(x[:, : args.dim // 4])
    bits = np.packbits(x > 0, axis=1).view(np.uint64)
    qbits = np.packbits(q > 0).view(np.uint64)

    def hamming():
        c = np.bitwise_count(bits ^ qbits)
        return c.sum(axis=1, dtype=np.uint16)

    kernels = [
        ("float32 BLAS GEMV (reference)", lambda: x @ q, args.repeat),
        (f"float32 BLAS on {args.dim // 4} of {args.dim} dims", lambda: quarter @ q[: args.dim // 4], args.repeat),
        ("float16 matmul (numpy loop)", lambda: x16 @ q16, 3),
        ("int8 codes, int32 matmul (numpy loop)", lambda: np.matmul(x8, q32i), 3),
        ("int8 → float32 conversion alone", lambda: x8.astype(np.float32), 3),
        ("binary codes: xor + popcount", hamming, args.repeat),
    ]
    print(f"{args.rows} × {args.dim}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    ref = None
    for label, fn, repeat in kernels:
        fn()
        walls, c0 = [], time.process_time()
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            walls.append(time.perf_counter() - t)
        p50 = float(np.median(walls)) * 1000
        ref = ref or p50
        cpu = (time.process_time() - c0) / repeat * 1000
        print(f"  {label:42s} p50 {p50:8.2f} ms  CPU {cpu:8.2f} ms  ratio {p50 / ref:6.2f}×")


if __name__ == "__main__":
    main()
