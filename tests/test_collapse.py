"""collapse: a stack of linear dense layers is the one layer W = W[L] ... W[1], b folded in."""

from __future__ import annotations

import numpy as np
import pytest

from visualdl.engine import Dense, Dropout, Sequential, mlp
from visualdl.engine.collapse import collapse


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_collapsed_layer_is_the_product_and_computes_the_same(seed: int, output: str) -> None:
    rng = np.random.default_rng(seed)
    deep = mlp([3, 5, 4, 6, 2], hidden="identity", output=output, seed=seed)
    params = {k: rng.normal(size=v.shape) for k, v in deep.params.items()}  # non-zero biases
    deep.set_params(params)
    one = collapse(deep)
    W = np.linalg.multi_dot([params["W4"], params["W3"], params["W2"], params["W1"]])
    b = (
        params["W4"] @ params["W3"] @ params["W2"] @ params["b1"]
        + params["W4"] @ params["W3"] @ params["b2"]
        + params["W4"] @ params["b3"]
        + params["b4"]
    )
    np.testing.assert_allclose(one.W, W, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(one.b, b, rtol=1e-12, atol=1e-12)
    assert one.g.name == output and one.shape == (2, 3)
    X = rng.normal(size=(3, 11))
    np.testing.assert_allclose(one.forward(X), deep.forward(X), rtol=1e-12, atol=1e-12)


def test_one_layer_collapses_to_itself_and_a_list_works() -> None:
    layer = Dense(2, 3, "tanh", rng=0)
    one = collapse([layer])
    np.testing.assert_array_equal(one.W, layer.W)
    assert one.g.name == "tanh"


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (mlp([2, 4, 1], hidden="relu", seed=0), "collapse: Dense layer 1 has activation 'relu'"),
        (
            Sequential(
                [Dense(2, 3, "identity", rng=0), Dropout(0.5), Dense(3, 1, "sigmoid", rng=1)]
            ),
            "collapse: layer 1 is a Dropout",
        ),
        ([], "collapse: expected a Sequential or a list of Dense layers"),
        ("net", "collapse: expected a Sequential"),
    ],
)
def test_a_model_that_does_not_collapse_is_refused(model, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        collapse(model)
