"""Pictures of embeddings and of training runs (matplotlib, an optional extra).

`word_map` projects words, and optionally their nearest neighbours, onto the first two
principal components of their vectors and labels them, one colour per query word.
`report_chart` draws the loss and throughput per epoch from a training report.
Images are PNG, SVG or PDF by extension, written atomically.

Does not: import matplotlib until asked to draw, or compute anything but the projection.
"""

from __future__ import annotations

import io
import os

import numpy as np

from .atomic import atomic_write
from .errors import W2VError
from .vectors import WordVectors

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise W2VError("plotting needs matplotlib: pip install 'w2v[plot]' "
                       "(or pip install matplotlib)") from None
    return plt


def image_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise W2VError(f"{path}: give a .png, .svg or .pdf file name")
    return FORMATS[ext]


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Rows projected on their first two principal components (zero-padded if fewer)."""
    centered = vectors - vectors.mean(axis=0)
    if len(centered) < 2:
        return np.zeros((len(centered), 2))
    _, _, components = np.linalg.svd(centered, full_matrices=False)
    out = centered @ components[:2].T
    return np.pad(out, ((0, 0), (0, 2 - out.shape[1])))


def word_map(wv: WordVectors, words: list[str], path: str, neighbours: int = 0,
             size: tuple[int, int] = (1000, 800)) -> None:
    """Draw `words` (and their `neighbours` nearest words) on a 2-D PCA map."""
    fmt = image_format(path)
    plt = _pyplot()
    groups = [[w] + ([n for n, _ in wv.most_similar([w], topn=neighbours)] if neighbours else [])
              for w in words]
    labels = [w for group in groups for w in group]
    owner = [g for g, group in enumerate(groups) for _ in group]
    points = pca_2d(np.stack([wv.resolve(w)[1] for w in labels]))
    dpi = 100
    fig, ax = plt.subplots(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    colours = plt.get_cmap("tab10")
    for i, (label, (x, y)) in enumerate(zip(labels, points)):
        is_query = i == 0 or owner[i] != owner[i - 1]
        colour = colours(owner[i] % 10)
        ax.scatter(x, y, color=colour, s=60 if is_query else 20, zorder=2)
        ax.annotate(label, (x, y), xytext=(4, 3), textcoords="offset points",
                    fontsize=11 if is_query else 8, weight="bold" if is_query else "normal",
                    color=colour)
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.set_title("word map" + (f" with {neighbours} nearest neighbours" if neighbours else ""))
    ax.grid(alpha=0.3)
    _save(plt, fig, path, fmt)


def report_chart(report: dict, path: str, size: tuple[int, int] = (1000, 600)) -> None:
    """Loss per prediction and words per second, epoch by epoch, from a training report."""
    fmt = image_format(path)
    epochs = report.get("training", {}).get("epochs") or []
    if not epochs:
        raise W2VError("the report holds no epochs (was training interrupted?)")
    plt = _pyplot()
    dpi = 100
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(size[0] / dpi, size[1] / dpi),
                                      dpi=dpi)
    x = [e["epoch"] for e in epochs]
    top.plot(x, [e["loss"] / max(e["predictions"], 1) for e in epochs], marker="o")
    top.set_ylabel("loss per prediction")
    bottom.plot(x, [e["words"] / max(e["seconds"], 1e-9) for e in epochs], marker="o",
                color="tab:green")
    bottom.set_ylabel("words per second")
    bottom.set_xlabel("epoch")
    config = report.get("config", {})
    top.set_title(f"{config.get('arch', '')} dim {config.get('dim', '?')}: "
                  f"{report.get('corpus', {}).get('words', 0):,} words")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    _save(plt, fig, path, fmt)


def _save(plt, fig, path: str, fmt: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    with atomic_write(path) as f:
        f.write(buffer.getvalue())
