"""Benchmark: how long a memory each recurrent cell learns. The first-bit memory task
(:func:`visualdl.engine.sequence_data.memory_task`: the label is x_1, the other T - 1 steps
are noise) for the vanilla RNN, the GRU and the LSTM at several lengths T, each trained over
several seeds by :func:`visualdl.demos.sequences.memory` (the same training for every cell:
n_a = 8, 2000 sequences, 12 epochs of Adam, lr 0.005, batches of 64, clip_norm 1; the LSTM's
forget bias starts at 3). Prints the test accuracy of every run, how many seeds reach the
threshold, and the largest T each cell learns (>= 95% test accuracy on >= 3 of 5 seeds),
measured in one run.

    python benchmarks/memory.py [--T 5 10 20 35 50 75 100] [--seeds 5] [--cells rnn gru lstm]
"""

from __future__ import annotations

import argparse
import time

from visualdl.demos.sequences import memory

LEARNED = 0.95  # test accuracy that counts as learned


def sweep(cells: list[str], lengths: list[int], seeds: int, **kw) -> dict:
    """``{(cell, T): [test accuracy per seed]}``, printing each row as it is measured."""
    out = {}
    for cell in cells:
        for T in lengths:
            start = time.process_time()
            acc = [
                memory(cell, T, seed, **kw).last("sequences.memory_run").info["test_accuracy"]
                for seed in range(seeds)
            ]
            out[cell, T] = acc
            cpu = (time.process_time() - start) / seeds
            learned = sum(a >= LEARNED for a in acc)
            print(
                f"{cell:>5} {T:>4}  " + " ".join(f"{a:6.1%}" for a in acc) + f"  {learned}/{seeds}"
                f"  {cpu:5.1f} s CPU per run",
                flush=True,
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, nargs="+", default=[5, 10, 20, 35, 50, 75, 100])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cells", nargs="+", default=["rnn", "gru", "lstm"])
    parser.add_argument("--need", type=int, help="seeds that must learn (default: a majority)")
    args = parser.parse_args()
    args.need = args.need or args.seeds // 2 + 1

    wall = time.perf_counter()
    seeds = " ".join(f"{f'seed {s}':>6}" for s in range(args.seeds))
    print("first-bit memory task, test accuracy on 500 fresh sequences per run\n")
    print(f"{'cell':>5} {'T':>4}  {seeds}  >= {LEARNED:.0%}")
    acc = sweep(args.cells, args.T, args.seeds)
    print(
        f"\nlargest T learned (>= {LEARNED:.0%} test accuracy on >= {args.need} of {args.seeds} "
        "seeds):"
    )
    for cell in args.cells:
        ok = [T for T in args.T if sum(a >= LEARNED for a in acc[cell, T]) >= args.need]
        upto = next((T for T in args.T if T not in ok), None)
        every = {None: "every T", args.T[0]: "not the shortest"}.get(upto, f"every T below {upto}")
        largest = max(ok) if ok else "none"
        print(f"{cell:>5}: {largest}  (learned at T = {ok or 'none'}; {every})")
    print(f"\n{time.perf_counter() - wall:.0f} s wall in all")


if __name__ == "__main__":
    main()
