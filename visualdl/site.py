"""The gallery site: one static page, ``index.html`` (and ``index.md`` with the same content),
grouped by the chapters of :data:`visualdl.registry.CHAPTERS`.

Each chapter shows its scenes first, as videos (``<video controls preload=metadata>`` with a
poster frame, the GIF inside as the fallback and linked below, beside its slides and its
handout), then its figures. A figure is shown at its own pixel size up to
:data:`visualdl.viz.style.PAGE_WIDTH` CSS px, the width its text sizes are checked at; a wider
PNG is scaled to that width and linked at full resolution.
Captions carry the formulas as text: a figure's is its gallery module's ``CAPTION``, a
scene's is in :data:`SCENE_CAPTIONS` (here, so the page is written without importing Manim).
A scene whose video is not in the videos folder is listed with the command that renders it.
The page needs nothing from the network: no fonts, scripts or style sheets from elsewhere.

Example
-------
>>> from visualdl import registry
>>> page = page_html([], Path("out/gallery"), Path("out/videos"))
>>> all(f'id="{e.name}"' in page for e in registry.scenes())
True
>>> "http" in page
False
"""

from __future__ import annotations

import html
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from visualdl import registry
from visualdl.videos import video_files
from visualdl.viz.style import PAGE_WIDTH

__all__ = [
    "SCENE_CAPTIONS",
    "Figure",
    "Scene",
    "how_to_render",
    "page_html",
    "page_md",
    "png_size",
    "scenes",
]

#: Each scene's caption: what a learner sees, with its formulas.
SCENE_CAPTIONS: dict[str, str] = {
    "mlp-forward-backward": (
        "A 2-3-1 network (tanh hidden layer, sigmoid output) on the four XOR examples, every "
        "matrix computed by the engine; beside the equations each node is shaded by its value "
        "and each edge by its weight (colour the sign, width the size). Forward, layer by "
        "layer: Z[l] = W[l] A[l−1] + b[l], one entry worked through first (a row of W times a "
        "column of A, plus b), then A[l] = g(Z[l]) and the cost "
        "J = −(1/m) Σ (y log a + (1 − y) log(1 − a)). Backward: dZ[2] = A[2] − Y, "
        "dW[l] = (1/m) dZ[l] A[l−1]ᵀ, db[l] = (1/m) Σ dZ[l], dZ[1] = W[2]ᵀ dZ[2] * g′(Z[1]); "
        "then one gradient-descent step W := W − α dW, and the forward pass run again with "
        "the new weights gives a lower J."
    ),
    "chain-rule": (
        "Logistic regression on one example as a computational graph: z = w₁x₁ + w₂x₂ + b, "
        "a = σ(z), L = −(y log a + (1 − y) log(1 − a)). The forward values sit on the nodes, "
        "the local derivatives on the edges (∂L/∂a, ∂a/∂z = a(1 − a), ∂z/∂wᵢ = xᵢ). Backward, "
        "each node's upstream gradient is its local derivative times the gradient from its "
        "right (∂L/∂a, then ∂L/∂z = ∂a/∂z · ∂L/∂a = a − y), and z's three inputs reuse the "
        "one ∂L/∂z: ∂L/∂wᵢ = xᵢ · ∂L/∂z, ∂L/∂b = ∂L/∂z, the engine's numbers, equal to "
        "SymPy's derivative of the forward expression."
    ),
    "optimizer-trajectories": (
        "Gradient descent, momentum, RMSprop and Adam race from the same start over the "
        "contours of the Beale surface, each dot trailing its path, each update "
        "θ := θ − α · (its step); a fifth run, gradient descent with too large a learning "
        "rate α, diverges and is marked where it leaves. Every position, rate and loss is the "
        "engine's."
    ),
    "momentum": (
        "Gradient descent on the narrow valley f = 0.1 x² + 2 y² zig-zags: the gradient "
        "across the valley flips sign every step. Momentum averages the gradients, "
        "v = β v + (1 − β) g with β = 0.9 (the notes' form), so the flips cancel and the pull "
        "along the valley adds up; it steps θ := θ − α v instead of θ := θ − α g."
    ),
    "conv-sliding": (
        "A 3×3 kernel slides over the notes' 6×6 image (bright 10s left, dark 0s right), "
        "every grid shaded by value: one window's nine products are summed into its output "
        "cell, Z[i, j] = Σ X[i+u, j+v] W[u, v] (cross-correlation, the kernel not flipped), "
        "then the rest fill and the vertical edge shows as a band of 30s. Then padding p and "
        "stride s, with n_out = ⌊(n + 2p − f)/s⌋ + 1, and channels: a 3×3×3 kernel through "
        "an RGB-like volume, two kernels stacking into the output."
    ),
    "conv-volume": (
        "A convolution in 3-D: an f×f×3 kernel goes through an RGB volume X (5×5×3). In the "
        "first window the 27 products with the kernel are summed channel by channel, and the "
        "three channel sums plus the bias give one output number, "
        "Z[h, w, c] = Σ X[h+i, w+j, k] W[i, j, k, c] + b[c]; the kernel slides to fill one "
        "map, a second kernel fills a second, and the maps stack into the output volume "
        "Z (3×3×2). The layer has f·f·n_C_prev·n_C + n_C parameters."
    ),
    "pooling": (
        "Max and average pooling (2×2 windows, stride 2) on the same 4×4 input, every grid "
        "shaded by value: each window gives its largest value or its mean. Backward, max "
        "pooling routes each upstream gradient to the cell that held the maximum (0 "
        "elsewhere), average pooling shares it equally, dA/4 to each cell."
    ),
    "conv-transpose": (
        "The transposed convolution as a scatter-add: each input pixel stamps the kernel, "
        "scaled by its value, into the output at its own offset, "
        "Y[h+i, w+j] += X[h, w] W[i, j], and overlapping stamps add up (a zero pixel stamps "
        "nothing); the output is n_out = s (n − 1) + f − 2p wide. The notes' 2×2 example "
        "[[0, 1], [2, 3]] with the kernel [[0, 1], [2, 3]] builds "
        "[[0, 0, 1], [0, 4, 6], [4, 12, 9]]."
    ),
    "xor-folding": (
        "Why a hidden layer solves XOR: no straight line separates the four points in the "
        "input plane. The linear map Z[1] = W[1] x + b[1] keeps grid lines straight and "
        "parallel; A[1] = tanh(Z[1]) squeezes each coordinate into (−1, 1), bending and "
        "folding the grid until one straight line, the output layer's W[2] a + b[2] = 0, "
        "separates the classes. Pulled back to the input plane, that line is a curved "
        "boundary. The point x = (0, 1) is followed through every step."
    ),
    "dropout": (
        "Inverted dropout on a 3-8-1 network: in each training step a new random mask D "
        "(1 keeps a unit, 0 drops it) is drawn, the dropped hidden units go grey and lose "
        "their edges, and the kept ones are divided by keep_prob, A[1] := A[1] * D / "
        "keep_prob, so that on average over the masks the output layer gets A[1]. At test "
        "time there is no mask and no scaling."
    ),
    "rnn-unroll": (
        "A character model on 'abc' (one-hot x⟨t⟩, n_a = 3 units, m = 1), trained briefly by the "
        "engine: the folded RNN cell, a box with a loop, unrolls into five copies that share "
        "W_ax, W_aa and b_a. Forward, copy by copy: a⟨t⟩ = tanh(W_ax x⟨t⟩ + W_aa a⟨t−1⟩ + b_a), "
        "one entry worked through at the first two steps (a row of each weight times its column, "
        "plus b_a), then ŷ⟨t⟩ = softmax(W_y a⟨t⟩ + b_y) with the next character framed and the "
        "step's loss L⟨t⟩, L = Σ L⟨t⟩; every column is shaded by value, with its numbers. "
        "Backward through time, right to left: each step's gradient is the output's share plus "
        "the later steps', da⟨t⟩ = W_yᵀ(ŷ⟨t⟩ − y⟨t⟩) + W_aaᵀ dz⟨t+1⟩, then dz⟨t⟩ = da⟨t⟩ ⊙ (1 − "
        "(a⟨t⟩)²), and what goes back, W_aaᵀ dz⟨t⟩, is an arrow whose width and colour follow its"
        " size. The shared weight's gradient is the sum over the copies, dW_aa = (1/m) Σ_t dz⟨t⟩ "
        "a⟨t−1⟩ᵀ. Last, the loss of step 20 alone is followed back over 20 steps: on a log scale "
        "‖∂L⟨20⟩/∂a⟨t⟩‖ falls to 2.1e−9 of its size 19 steps back, each step multiplying it by "
        "W_aaᵀ diag(1 − a²)."
    ),
    "lstm-gates": (
        "A 2-unit LSTM trained by the engine (Adam, 20 epochs) on the memory task (5 bits of ±1, "
        "the label is the first bit) reads one test sequence, every number from the engine's "
        "narrating loop. The cell state rides a belt across the top, c_{t−1} → ⊙ f_t → "
        "+ i_t ⊙ c̃_t → c_t, and each gate is a valve: one bar per unit, filled to its value "
        "(empty = closed, 0; full = open, 1) and shaded by value. Step 1 is worked through: one "
        "forget-gate entry by hand, f = σ(W_f [a₀; x₁] + b_f), then the gates f, i, o = σ(·) and "
        "c̃ = tanh(·), c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t and a_t = o_t ⊙ tanh(c_t) unit by unit; "
        "the later steps go faster. The unit that keeps the bit has its forget gate between 0.91 "
        "and 0.99 at every step, and the sign of its c₅ tells the first bit on 100% of 2000 fresh "
        "sequences (the other unit's on 54%). Laid side by side, the five steps form one belt "
        "with a forget gate at every ⊙, and the gradient goes back along it: "
        "dc_T = da_T ⊙ o_T ⊙ (1 − tanh² c_T), then dc_t = dc_{t+1} ⊙ f_{t+1} + da_t ⊙ o_t ⊙ "
        "(1 − tanh² c_t), each ⊙ f_t passing on the fraction f_t. The holding unit's gradient "
        "reaches step 1 larger than it entered (0.0414 against 0.0049), f₅ = 0.20 cuts the other "
        "unit's to a fifth, and beside the belt the hidden path's da goes from 0.19 to 0.035 in "
        "one step back."
    ),
    "gru-gates": (
        "A GRU with two units, trained by the engine to remember the first of five bits (100% "
        "right on 512 fresh sequences), reads one sequence, +1 −1 −1 +1 −1. The cell diagram and "
        "the course's equations come first, in the engine's default convention "
        '(update="candidate"): Γ_r = σ(W_r[a⟨t−1⟩, x⟨t⟩] + b_r), '
        "c̃⟨t⟩ = tanh(W_c[Γ_r ⊙ a⟨t−1⟩, x⟨t⟩] + b_c), Γ_u = σ(W_u[a⟨t−1⟩, x⟨t⟩] + b_u), "
        "a⟨t⟩ = Γ_u ⊙ c̃⟨t⟩ + (1 − Γ_u) ⊙ a⟨t−1⟩. Step by step a worksheet fills with the "
        "engine's numbers, gates shaded from dark (closed) to red (open): Γ_r (one entry worked "
        "at the first step), the history Γ_r ⊙ a⟨t−1⟩ scaled toward 0 where Γ_r is small (0.22 "
        "for unit 1 at step 2), the candidate c̃⟨t⟩ and Γ_u. The mix is a slider per unit: a bar "
        "split by Γ_u between the old value's colour and the candidate's, beside the new state. "
        "Unit 2 takes its candidate at step 1 (Γ_u = 0.96) and keeps it where its gate shuts "
        "(Γ_u = 0.03, 0.03, 0.02), so the model predicts ŷ = 1.00 for the first bit +1. Last, "
        "both readings of the same gate over all steps: Γ_u, and PyTorch's z = 1 − Γ_u with "
        'h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, from the engine run with update="state" and W_u, '
        "b_u negated, which gives the same states."
    ),
    "multi-head": (
        "Five tokens, “the cat saw the dog”, as rows of X (5, 4): two columns of a position code "
        "and two of a word-type code. X is projected to Q, K, V (5, 4), and d_model = 4 splits "
        "into h = 2 heads of d_k = d_model / h = 2 columns, each head framed in its own colour. "
        "So each head has its own Q_i, K_i, V_i (5, 2), that is, its own columns W_Q^(i). Each "
        "head's weights A_i = softmax(Q_i K_iᵀ / √d_k) appear as a 5×5 heatmap with the words on "
        "both axes. Head 1 looks at the previous word (0.83 to 0.90; the first word looks at "
        "itself, 1.00). Head 2 looks at words of its own type (the ↔ the and cat ↔ dog, 0.48 "
        "each; “saw” at itself, 0.89). One query is walked from its scores q · k_j / √d_k to its "
        "row of weights. Each head outputs head_i = A_i V_i (5, 2); the two outputs slide "
        "together into Concat(head_1, head_2) (5, 4), which W_O (4, 4) mixes into MultiHead(X) "
        "(5, 4). Last, the notes' formulas corrected: Q_i = Q W_Q would make every head alike, "
        "the softmax has a stray K in its denominator, and heads do not model relations between "
        "heads."
    ),
    "masked-attention": (
        "Masked self-attention in a decoder that reads its target shifted right, <s> the cat sat "
        "down, all positions at once (teacher forcing; one random head, d_k = 4). The engine's "
        "loop gives the scaled scores S = QKᵀ/√d_k. The causal mask M (0 where j ≤ i, −∞ above "
        "the diagonal) fills in, then S + M row by row. The row of “cat” is walked through: "
        "without the mask its weights over all five keys are 0.41, 0.15, 0.06, 0.18, 0.21; the "
        "mask keeps 0.41 + 0.15 + 0.06 = 0.62, and the softmax rescales the kept weights by "
        "1/0.62 to 0.66, 0.24, 0.10, while the masked ones are exactly 0. The weights A = "
        "softmax(S + M) form a lower-triangular heatmap in which each row sums to 1; the last row"
        " sees every key, so the mask leaves it unchanged. Last, the batch's second sentence, <s>"
        " a dog <pad> <pad>: tgt_mask combines the padding and causal masks, its <pad> key "
        "columns are greyed out in every row, and the <pad> queries still attend to the three "
        "real tokens (the loss ignores them)."
    ),
    "attention-weights": (
        "Scaled dot-product attention on the notes' sentence “I have an Apple phone” (5 tokens; "
        "hand-picked toy embeddings X (5, 4) and projections; d_k = 4, d_v = 3). The query of "
        "“Apple” is walked key by key: q·k_j = 0, 1.20, 3.68, 1.00, 6.04, divided by √d_k = 2, "
        "exponentiated (sum 31.26) and normalised to the weights 0.03, 0.06, 0.20, 0.05, 0.66, "
        "which sum to 1. The weighted rows of V add up to Apple's output, whose device value is "
        "0.79 against 0.10 in its own value: the context says which Apple. Then every query fills"
        " the scores S, the weight heatmap A and the output A V row by row: I → have 0.55, have →"
        " phone 0.43, an → Apple 0.35, phone → Apple 0.47."
    ),
    "transformer-block": (
        "One encoder block of a Transformer the engine trained to reverse 3-digit strings "
        "(d_model = 8, h = 2 heads of d_k = 4, d_ff = 32; 300 Adam steps, loss 2.84 → 0.0062, 200"
        " of 200 held-out strings right), drawn as boxes and arrows with every tensor's shape: "
        "token ids (4,) → embedding E (13, 8) × √8 + positional encoding → X (4, 8) → LayerNorm →"
        " two-head self-attention → residual add → LayerNorm → FFN 8 → 32 → 8 with ReLU → "
        'residual add → the encoder\'s final LayerNorm. The held-out input "731" (answered "137") '
        'flows through: position 1 (the digit "3") is a strip of 8 coloured cells with its '
        "numbers at every stage, so E[x]·√8 + P = X, X + MHA(LN₁(X)) = X₁ and X₁ + FFN(LN₂(X₁)) ="
        " Y can be checked column by column. The attention box holds both heads' 4 × 4 weights as"
        " heatmaps; position 1's rows are (0.22, 0.38, 0.23, 0.17) and (0.33, 0.30, 0.22, 0.15). "
        "In the FFN, ReLU sets 15 of its 32 hidden values to 0. The block is Pre-LN, as the "
        "notes' code has it (x + Sublayer(LN(x))), so the encoder ends with a LayerNorm; the last"
        " frame sets it beside the notes' prose formula Norm(MultiHead(Q, K, V)) + Input (E25: "
        "neither Pre- nor Post-LN) and the paper's Post-LN, LN(x + Sublayer(x))."
    ),
    "positional-encoding": (
        "The notes' sinusoidal positional encoding, PE(pos, 2i) = sin(pos / 10000^(2i/d)), "
        "PE(pos, 2i + 1) = cos(pos / 10000^(2i/d)), with the ranges put right (pos = 0 … n − 1, i"
        " = 0 … d/2 − 1), on the engine's table for n = d = 8. One entry worked through: "
        "10000^(2/8) = 10, the angle 3 / 10 = 0.3, P[3, 2] = sin(0.3) = 0.2955, P[3, 3] = "
        "cos(0.3) = 0.9553 (the notes' comment, which multiplies, would give sin(30) = −0.99: "
        "E20). The (8, 8) table fills in as a heatmap; three of its sine columns drawn over 64 "
        "positions are sinusoids of wavelength 2π · 10000^(2i/d) = 6.28, 62.8 and 628. The code "
        "is added to each token's embedding, X + P, on the notes' sentence “from Beijing to "
        "Shanghai”: “Beijing” at position 1, and at position 3 in “from Shanghai to Beijing”, "
        "gets two different rows. A shift by k = 2 turns every (sin, cos) pair by k·ωᵢ whatever p"
        " (2, 0.2, 0.02, 0.002 rad), so PE_p · PE_{p+k} = Σᵢ cos(k ωᵢ), as SymPy proves: the pair"
        " terms for p = 1 and p = 4 are both −0.42, 0.98, 1.00, 1.00, and the dot product is 2.56"
        " for every p = 0 … 5."
    ),
}


@dataclass(frozen=True)
class Figure:
    """A figure on the page: its entry, caption and file names (relative to the page)."""

    entry: registry.Entry
    caption: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Scene:
    """A scene on the page: its entry, caption, and the URLs (relative to the page) of its
    video, poster, GIF, slides and handout where they exist (``None`` where not), the
    poster's size in pixels and the GIF's in megabytes."""

    entry: registry.Entry
    caption: str
    video: str | None
    poster: str | None
    gif: str | None
    slides: str | None
    handout: str | None
    size: tuple[int, int] | None
    gif_mb: float = 0.0


def png_size(path: str | os.PathLike) -> tuple[int, int]:
    """``(width, height)`` in pixels of the PNG file ``path``, read from its header;
    ``ValueError`` when it is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path}: not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _url(target: Path, page_dir: Path) -> str:
    return quote(Path(os.path.relpath(target, page_dir)).as_posix())


def scenes(page_dir: Path, videos: Path) -> list[Scene]:
    """Every scene of the registry with the files it has in ``videos``."""
    found = []
    for entry in registry.scenes():
        urls: list[str | None] = []
        for name in video_files(entry.name):
            path = videos / name
            urls.append(_url(path, page_dir) if path.is_file() else None)
        poster = videos / video_files(entry.name)[1]
        size = png_size(poster) if urls[1] else None
        gif = videos / video_files(entry.name)[2]
        gif_mb = gif.stat().st_size / 1e6 if urls[2] else 0.0
        caption = SCENE_CAPTIONS.get(entry.name, "")
        found.append(Scene(entry, caption, *urls, size, gif_mb))
    return found


def _chapters(items: Iterable[Figure | Scene]) -> list[tuple[str, list[Figure | Scene]]]:
    """``items`` grouped by chapter, in the order of ``CHAPTERS``, scenes before figures; an
    entry of no known chapter goes under "More"."""
    groups: dict[str, list[Figure | Scene]] = {c: [] for c in registry.CHAPTERS}
    for item in sorted(items, key=lambda i: not isinstance(i, Scene)):
        chapter = item.entry.chapter if item.entry.chapter in groups else "More"
        groups.setdefault(chapter, []).append(item)
    return [(c, group) for c, group in groups.items() if group]


STYLE = f"""
body{{font-family:'DejaVu Sans',Verdana,sans-serif;color:#222;background:#fff;margin:0}}
main{{max-width:{PAGE_WIDTH}px;margin:0 auto;padding:1em 1.5em 3em}}
h1{{margin:.6em 0 .2em}} h2{{margin-top:2.2em;border-bottom:2px solid #ddd}}
h3{{margin:0 0 .4em;font-size:1.1em}} h3 small{{color:#666;font-weight:normal}}
figure{{margin:2.2em 0}} figcaption{{margin-top:.5em;line-height:1.45;max-width:52em}}
img,video{{max-width:100%;height:auto;display:block;outline:1px solid #ddd;background:#f4f4f4}}
video{{background:#000}} .files{{color:#555;font-size:.9em}}
.missing{{padding:1em;border:1px dashed #bbb;background:#fafafa}}
code{{background:#f2f2f2;padding:0 .2em}} nav li{{margin:.2em 0}}
"""


def _figure_html(item: Figure, page_dir: Path) -> list[str]:
    e = html.escape
    parts = [f'<figure id="{e(item.entry.name)}">', _heading(item.entry)]
    notes = []
    pngs = [n for n in item.files if n.endswith(".png")]
    for name in pngs:
        w, h = png_size(page_dir / name)
        shown = min(w, PAGE_WIDTH)
        src = e(quote(name))
        parts.append(
            f'<img src="{src}" alt="{e(item.entry.title)}" width="{shown}" '
            f'height="{round(h * shown / w)}">'
        )
        if w > PAGE_WIDTH:
            which = f"{e(name)}, " if len(pngs) > 1 else ""
            notes.append(f'<a href="{src}">full resolution</a> ({which}{w}×{h} px)')
    links = ", ".join(f'<a href="{e(quote(n))}">{e(n)}</a>' for n in item.files)
    notes.insert(0, f"Files: {links}")
    parts.append(
        f"<figcaption>{e(item.caption)}<br><span class=files>{' · '.join(notes)}</span>"
        "</figcaption></figure>"
    )
    return parts


def _heading(entry: registry.Entry) -> str:
    e = html.escape
    return f"<h3>{e(entry.title)} <small>({e(entry.name)})</small></h3>"


def how_to_render(name: str, page_dir: Path, videos: Path) -> list[tuple[str, str]]:
    """What to run to show scene ``name``'s video on the page in ``page_dir``: pairs of a
    command and what it does."""
    ways = []
    if page_dir.name == "gallery" and videos == page_dir.parent / "videos":
        ways.append(
            (
                f"visualdl demo --out {page_dir.parent}",
                "renders the videos that are missing or out of date, with their posters and "
                "GIFs, and writes this page again",
            )
        )
    ways.append((f"visualdl render {name} --out {videos}", "renders this video alone"))
    ways.append((f"visualdl gallery --out {page_dir}", "then writes this page again"))
    return ways


def _scene_html(item: Scene, page_dir: Path, videos: Path) -> list[str]:
    e = html.escape
    parts = [f'<figure id="{e(item.entry.name)}" class="scene">', _heading(item.entry)]
    links = []
    if item.video is None:
        ways = how_to_render(item.entry.name, page_dir, videos)
        hint = "; ".join(f"<code>{e(cmd)}</code> {e(what)}" for cmd, what in ways)
        parts.append(f'<p class="missing">Not rendered yet. {hint}.</p>')
    else:
        size = ""
        if item.size:
            shown = min(item.size[0], PAGE_WIDTH)
            size = f' width="{shown}" height="{round(item.size[1] * shown / item.size[0])}"'
        poster = f' poster="{e(item.poster)}"' if item.poster else ""
        fallback = (
            f'<img src="{e(item.gif)}" alt="{e(item.entry.title)} (animated GIF)" loading="lazy">'
            if item.gif
            else f'<a href="{e(item.video)}">Download the video</a>'
        )
        parts.append(
            f'<video controls preload="metadata"{poster}{size}>'
            f'<source src="{e(item.video)}" type="video/mp4">{fallback}</video>'
        )
        links.append(f'<a href="{e(item.video)}">mp4</a>')
        if item.slides:
            links.append(f'<a href="{e(item.slides)}">slides</a> (arrow keys; S: notes)')
        if item.handout:
            links.append(f'<a href="{e(item.handout)}">handout</a> (PDF, a page per beat)')
        if item.gif:
            links.append(f'<a href="{e(item.gif)}">GIF</a> ({item.gif_mb:.1f} MB)')
        if item.poster:
            links.append(f'<a href="{e(item.poster)}">poster frame</a>')
    caption = e(item.caption or item.entry.title)
    files = f"<br><span class=files>Files: {', '.join(links)}</span>" if links else ""
    parts.append(f"<figcaption>{caption}{files}</figcaption></figure>")
    return parts


def _slug(i: int) -> str:
    return f"chapter-{i}"


def page_html(figures: list[Figure], page_dir: Path, videos: Path) -> str:
    """The page for ``figures`` (their files in ``page_dir``) and every scene (its files in
    ``videos``, :func:`how_to_render` where missing)."""
    items: list[Figure | Scene] = [*figures, *scenes(page_dir, videos)]
    groups = _chapters(items)
    e = html.escape
    n_videos = sum(isinstance(i, Scene) and i.video is not None for i in items)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>visualdl gallery</title><style>{STYLE}</style></head><body><main>",
        "<h1>visualdl gallery</h1>",
        f"<p>{len(figures)} figures and {n_videos} videos. Every number in them was computed by "
        "visualdl's engine when they were made; formulas come from SymPy.</p>",
        "<nav><ol>",
        *(f'<li><a href="#{_slug(i)}">{e(c)}</a></li>' for i, (c, _) in enumerate(groups, 1)),
        "</ol></nav>",
    ]
    for i, (chapter, group) in enumerate(groups, 1):
        parts.append(f'<section id="{_slug(i)}"><h2>{e(chapter)}</h2>')
        for item in group:
            if isinstance(item, Scene):
                parts += _scene_html(item, page_dir, videos)
            else:
                parts += _figure_html(item, page_dir)
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def page_md(figures: list[Figure], page_dir: Path, videos: Path) -> str:
    """The same page as :func:`page_html`, in Markdown."""
    lines = ["# visualdl gallery", ""]
    for chapter, group in _chapters([*figures, *scenes(page_dir, videos)]):
        lines += [f"## {chapter}", ""]
        for item in group:
            lines += [f"### {item.entry.title} (`{item.entry.name}`)", ""]
            if isinstance(item, Figure):
                lines += [f"![{item.entry.title}]({n})" for n in item.files if n.endswith(".png")]
                lines += ["", item.caption, ""]
                continue
            if item.video is None:
                ways = how_to_render(item.entry.name, page_dir, videos)
                hint = "; ".join(f"`{cmd}` {what}" for cmd, what in ways)
                lines += [f"Not rendered yet. {hint}.", ""]
            elif item.poster:
                lines += [f"[![{item.entry.title}]({item.poster})]({item.video})", ""]
            else:
                lines += [f"[{item.entry.name}.mp4]({item.video})", ""]
            extra = "".join(
                f" ([{what}]({url}))"
                for what, url in (
                    ("GIF", item.gif),
                    ("slides", item.slides),
                    ("handout", item.handout),
                )
                if url
            )
            lines += [(item.caption or item.entry.title) + extra, ""]
    return "\n".join(lines)
