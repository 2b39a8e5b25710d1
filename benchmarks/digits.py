"""Benchmark: the LeNet-style CNN on scikit-learn's 8x8 digits vs logistic regression (the
engine's softmax layer with no hidden layer), both on the same fixed split. Prints training
time and test accuracy measured in one run.

    python benchmarks/digits.py [--epochs 30] [--batch-size 32] [--lr 0.003] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from visualdl.demos.digits import softmax_regression, train_digits


def logistic_regression(epochs: int, seed: int) -> tuple[float, float]:
    """The figure's own baseline (:func:`visualdl.demos.digits.softmax_regression`): (test
    accuracy, seconds, the split's loading included)."""
    start = time.perf_counter()
    accuracy = softmax_regression(epochs, seed)
    return accuracy, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    lr_acc, lr_s = logistic_regression(100, args.seed)
    print(
        f"logistic regression (softmax, no hidden layer), 100 epochs: "
        f"{lr_acc:.2%} test, {lr_s:.1f} s"
    )
    _, history, acc = train_digits(args.epochs, args.batch_size, args.lr, "adam", args.seed)
    print(
        f"LeNet-style CNN, {args.epochs} epochs, batch {args.batch_size}, Adam lr {args.lr}: "
        f"{acc['test']:.2%} test ({acc['train']:.2%} train), {acc['seconds']:.1f} s training, "
        f"final cost {history['cost'][-1]:.4f}"
    )


if __name__ == "__main__":
    main()
