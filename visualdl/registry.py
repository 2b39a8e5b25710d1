"""The names ``visualdl list``, ``render`` and ``gallery`` know, without importing Manim.

A scene entry names its module (under ``visualdl.scenes``) and Scene class; a figure entry
names its gallery module (under ``visualdl.gallery``), which has ``make(out) -> list[Path]``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHAPTERS", "DEFAULT_SCENES", "ENTRIES", "Entry", "figures", "get", "scenes"]


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # "scene" or "figure"
    module: str
    title: str
    scene_class: str = ""
    chapter: str = ""  # one of CHAPTERS


#: The chapters of the notes, in order: the gallery page groups its entries under them.
NN = "Neural networks: forward, backward, the chain rule"
TRAIN = "Training well: initialization, regularization, optimizers, batch norm"
CNN = "Convolutional networks"
RNN = "Sequence models: RNN, LSTM and GRU"
ATTN = "Attention and the Transformer"
CHAPTERS = (NN, TRAIN, CNN, RNN, ATTN)


ENTRIES: dict[str, Entry] = {
    e.name: e
    for e in [
        Entry(
            "mlp-forward-backward",
            "scene",
            "visualdl.scenes.mlp_forward_backward",
            "Forward and backward pass of a 2-3-1 network on XOR, one update",
            "MLPForwardBackward",
            chapter=NN,
        ),
        Entry(
            "chain-rule",
            "scene",
            "visualdl.scenes.chain_rule",
            "Logistic regression as a computational graph: the chain rule builds dL/dw",
            "ChainRule",
            chapter=NN,
        ),
        Entry(
            "optimizer-trajectories",
            "scene",
            "visualdl.scenes.optimizer_trajectories",
            "Optimizers race on a loss surface: moving dots with fading trails",
            "OptimizerTrajectories",
            chapter=TRAIN,
        ),
        Entry(
            "momentum",
            "scene",
            "visualdl.scenes.momentum",
            "Momentum: the velocity as an average of gradients damps a narrow valley's zig-zag",
            "Momentum",
            chapter=TRAIN,
        ),
        Entry(
            "conv-sliding",
            "scene",
            "visualdl.scenes.conv_sliding",
            "Convolution: the kernel slides, products and sums fill the output; padding, stride, "
            "channels",
            "ConvSliding",
            chapter=CNN,
        ),
        Entry(
            "pooling",
            "scene",
            "visualdl.scenes.pooling",
            "Max vs average pooling, then the backward pass routing the gradients",
            "Pooling",
            chapter=CNN,
        ),
        Entry(
            "conv-transpose",
            "scene",
            "visualdl.scenes.conv_transpose",
            "Transposed convolution as a scatter-add of scaled kernels",
            "ConvTranspose",
            chapter=CNN,
        ),
        Entry(
            "xor-folding",
            "scene",
            "visualdl.scenes.xor_folding",
            "XOR: the hidden layer folds the plane until one straight line separates the classes",
            "XorFolding",
            chapter=NN,
        ),
        Entry(
            "dropout",
            "scene",
            "visualdl.scenes.dropout",
            "Inverted dropout: a new mask every step, the kept units scaled by 1/keep_prob",
            "Dropout",
            chapter=TRAIN,
        ),
        Entry(
            "conv-volume",
            "scene",
            "visualdl.scenes.conv_volume",
            "Convolution in 3-D: f x f x 3 kernels through an RGB volume stack into the output",
            "ConvVolume",
            chapter=CNN,
        ),
        Entry(
            "rnn-unroll",
            "scene",
            "visualdl.scenes.rnn_unroll",
            "The RNN cell copied along time: forward values, then BPTT with fading gradients",
            "RNNUnroll",
            chapter=RNN,
        ),
        Entry(
            "lstm-gates",
            "scene",
            "visualdl.scenes.lstm_gates",
            "LSTM gates as valves: the cell state multiplied by f, added to by i * c~, and back",
            "LSTMGates",
            chapter=RNN,
        ),
        Entry(
            "gru-gates",
            "scene",
            "visualdl.scenes.gru_gates",
            "GRU gates: the update gate mixes old state and candidate, the reset masks history",
            "GRUGates",
            chapter=RNN,
        ),
        Entry(
            "activations",
            "figure",
            "visualdl.gallery.activations",
            "Activation functions and their derivatives",
            chapter=NN,
        ),
        Entry(
            "xor-training",
            "figure",
            "visualdl.gallery.xor_training",
            "XOR decision boundary during training; the ln 2 plateau of 0.01 init vs He",
            chapter=NN,
        ),
        Entry(
            "gradient-check",
            "figure",
            "visualdl.gallery.gradient_check",
            "Gradient check: relative error per parameter",
            chapter=NN,
        ),
        Entry(
            "vectorization",
            "figure",
            "visualdl.gallery.vectorization",
            "Loop vs vectorized dot product over sizes",
            chapter=NN,
        ),
        Entry(
            "ewa",
            "figure",
            "visualdl.gallery.ewa",
            "Exponentially weighted averages, raw and bias-corrected",
            chapter=TRAIN,
        ),
        Entry(
            "lr-schedules",
            "figure",
            "visualdl.gallery.lr_schedules",
            "Learning-rate schedules side by side",
            chapter=TRAIN,
        ),
        Entry(
            "optimizer-race",
            "figure",
            "visualdl.gallery.optimizer_race",
            "Every optimizer on every test surface: paths and loss per step",
            chapter=TRAIN,
        ),
        Entry(
            "minibatch",
            "figure",
            "visualdl.gallery.minibatch",
            "Batch vs mini-batch vs stochastic gradient descent on real data",
            chapter=TRAIN,
        ),
        Entry(
            "adam-mistake",
            "figure",
            "visualdl.gallery.adam_mistake",
            "A common mistake: the notes' Adam corrects S with beta1",
            chapter=TRAIN,
        ),
        Entry(
            "edge-detection",
            "figure",
            "visualdl.gallery.edge_detection",
            "Edge detection: vertical, horizontal, Sobel and Scharr kernels on a 6x6 and a photo",
            chapter=CNN,
        ),
        Entry(
            "output-size",
            "figure",
            "visualdl.gallery.output_size",
            "Convolution output size over padding and stride",
            chapter=CNN,
        ),
        Entry(
            "architectures",
            "figure",
            "visualdl.gallery.architectures",
            "LeNet-5, AlexNet and VGG-16: shape chains and parameter counts",
            chapter=CNN,
        ),
        Entry(
            "inception-cost",
            "figure",
            "visualdl.gallery.inception_cost",
            "Inception's 1x1 bottleneck: multiplications direct vs bottleneck",
            chapter=CNN,
        ),
        Entry(
            "cnn-features",
            "figure",
            "visualdl.gallery.cnn_features",
            "Learned kernels and feature maps of a CNN trained on 8x8 digits",
            chapter=CNN,
        ),
        Entry(
            "batchnorm-histograms",
            "figure",
            "visualdl.gallery.batchnorm_histograms",
            "Activation histograms per layer with and without batch norm",
            chapter=TRAIN,
        ),
        Entry(
            "perceptron",
            "figure",
            "visualdl.gallery.perceptron",
            "The perceptron learning rule: lines found for AND and OR, none for XOR",
            chapter=NN,
        ),
        Entry(
            "linear-collapse",
            "figure",
            "visualdl.gallery.linear_collapse",
            "A deep linear network is one matrix: a straight boundary, bent only by tanh or ReLU",
            chapter=NN,
        ),
        Entry(
            "vanishing-gradients",
            "figure",
            "visualdl.gallery.vanishing_gradients",
            "Gradient norm per layer: vanishing in a deep plain network, kept by skip connections",
            chapter=TRAIN,
        ),
        Entry(
            "input-normalization",
            "figure",
            "visualdl.gallery.input_normalization",
            "Input normalization: elongated vs round cost contours, zig-zag vs direct descent",
            chapter=TRAIN,
        ),
        Entry(
            "lr-decay",
            "figure",
            "visualdl.gallery.lr_decay",
            "Learning-rate decay: a fixed rate rattles around the minimum, a decayed one settles",
            chapter=TRAIN,
        ),
        Entry(
            "hyperparameter-search",
            "figure",
            "visualdl.gallery.hyperparameter_search",
            "Random vs grid hyper-parameter search when one hyper-parameter matters most",
            chapter=TRAIN,
        ),
        Entry(
            "lstm-gate-activations",
            "figure",
            "visualdl.gallery.lstm_gate_activations",
            "LSTM gate activations over time on a trained model, as heatmaps",
            chapter=RNN,
        ),
        Entry(
            "gradient-through-time",
            "figure",
            "visualdl.gallery.gradient_through_time",
            "Gradient norm against distance from the loss: RNN vs LSTM vs GRU",
            chapter=RNN,
        ),
        Entry(
            "recurrent-parameters",
            "figure",
            "visualdl.gallery.recurrent_parameters",
            "Parameter counts against hidden size: RNN : GRU : LSTM is 1 : 3 : 4",
            chapter=RNN,
        ),
        Entry(
            "gradient-clipping",
            "figure",
            "visualdl.gallery.gradient_clipping",
            "Gradient clipping on an exploding recurrent run: by value, by norm, none",
            chapter=RNN,
        ),
        Entry(
            "char-model",
            "figure",
            "visualdl.gallery.char_model",
            "A character model against its source's entropy floor, sampled at several temperatures",
            chapter=RNN,
        ),
        Entry(
            "recurrent-mistakes",
            "figure",
            "visualdl.gallery.recurrent_mistakes",
            "Mistakes in the notes: a wrong dw_hy fails its gradient check; dc_t/dc_{t-1} < f_t",
            chapter=RNN,
        ),
        Entry(
            "attention-weights",
            "scene",
            "visualdl.scenes.attention_weights",
            "Scaled dot-product attention: Q K^T, scale, softmax row by row, weighted sum of V",
            "AttentionWeights",
            chapter=ATTN,
        ),
        Entry(
            "masked-attention",
            "scene",
            "visualdl.scenes.masked_attention",
            "The causal mask: -inf above the diagonal, the softmax renormalising each row",
            "MaskedAttention",
            chapter=ATTN,
        ),
        Entry(
            "multi-head",
            "scene",
            "visualdl.scenes.multi_head",
            "Multi-head attention: d_model split into heads, each its own weights, concatenated",
            "MultiHead",
            chapter=ATTN,
        ),
        Entry(
            "positional-encoding",
            "scene",
            "visualdl.scenes.positional_encoding",
            "Sinusoidal positional encoding: one frequency per pair of dimensions",
            "PositionalEncoding",
            chapter=ATTN,
        ),
        Entry(
            "transformer-block",
            "scene",
            "visualdl.scenes.transformer_block",
            "One encoder block's data flow with shapes: attention, add & norm, FFN",
            "TransformerBlock",
            chapter=ATTN,
        ),
        Entry(
            "nadaraya-watson",
            "figure",
            "visualdl.gallery.nadaraya_watson",
            "Nadaraya–Watson regression: fit and attention weights as the bandwidth w changes",
            chapter=ATTN,
        ),
        Entry(
            "word-embeddings",
            "figure",
            "visualdl.gallery.word_embeddings",
            "Skip-gram and CBOW embeddings against the corpus's planted clusters",
            chapter=ATTN,
        ),
        Entry(
            "lora-parameters",
            "figure",
            "visualdl.gallery.lora_parameters",
            "LoRA: trainable parameters against rank, and a planted low-rank change recovered",
            chapter=ATTN,
        ),
        Entry(
            "scaling-laws",
            "figure",
            "visualdl.gallery.scaling_laws",
            "Scaling laws: Kaplan's power laws and Chinchilla's compute-optimal frontier",
            chapter=ATTN,
        ),
        Entry(
            "attention-masks",
            "figure",
            "visualdl.gallery.attention_masks",
            "Padding and causal masks on a padded batch, the weights they leave, -1e9 vs -inf",
            chapter=ATTN,
        ),
        Entry(
            "transformer-heads",
            "figure",
            "visualdl.gallery.transformer_heads",
            "Every attention head of a tiny Transformer trained to reverse digit strings",
            chapter=ATTN,
        ),
        Entry(
            "beam-search",
            "figure",
            "visualdl.gallery.beam_search",
            "Beam search's tree (B = 3) on a real decode beside greedy decoding, and BLEU",
            chapter=ATTN,
        ),
        Entry(
            "positional-sinusoids",
            "figure",
            "visualdl.gallery.positional_sinusoids",
            "Positional encoding: the table, its sinusoids, PE_p · PE_(p+k) against k",
            chapter=ATTN,
        ),
    ]
}

#: What ``visualdl demo`` renders: every scene, in the order above.
DEFAULT_SCENES = tuple(name for name, e in ENTRIES.items() if e.kind == "scene")


def scenes() -> list[Entry]:
    """Every scene entry."""
    return [e for e in ENTRIES.values() if e.kind == "scene"]


def figures() -> list[Entry]:
    """Every figure entry."""
    return [e for e in ENTRIES.values() if e.kind == "figure"]


def get(name: str, kind: str | None = None) -> Entry:
    """The entry called ``name`` (of ``kind`` if given); ``KeyError`` with the known names."""
    entry = ENTRIES.get(name)
    if entry is None or (kind is not None and entry.kind != kind):
        known = sorted(e.name for e in ENTRIES.values() if kind in (None, e.kind))
        raise KeyError(f"unknown {kind or 'name'} {name!r}; known: {', '.join(known)}")
    return entry
