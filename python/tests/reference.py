"""An independent float64 reference for the PolyLoss family, written straight from the formulas of the
paper (naive softmax, −Σ y log p, plain powers) with nothing but `math`, so it cannot share a bug with
polyloss_lab.torch. Also the inputs and sanity values the loss tests share."""
import math
import random


def _eps(spec):
    if spec["type"] not in ("poly", "poly-focal"):
        return []
    eps = spec.get("epsilon", 1)
    return list(eps) if isinstance(eps, (list, tuple)) else [eps]


def _gamma(spec):
    return spec.get("gamma", 2) if spec["type"] in ("focal", "poly-focal") else 0


def softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def softmax_loss(spec, z, label):
    """(loss, base, poly, pt) of one example; `label` is a class index or a label distribution."""
    K = len(z)
    y = [1.0 if k == label else 0.0 for k in range(K)] if isinstance(label, int) else list(label)
    ls = spec.get("labelSmoothing", 0)
    y = [v * (1 - ls) + ls / K for v in y]
    p = softmax(z)
    pt = sum(yk * pk for yk, pk in zip(y, p))
    ce = -sum(yk * math.log(pk) for yk, pk in zip(y, p) if yk > 0)
    gamma = _gamma(spec)
    focal = spec["type"] in ("focal", "poly-focal")
    base = -((1 - pt) ** gamma) * math.log(pt) if focal else ce
    poly = sum(e * (1 - pt) ** (j + gamma) for j, e in enumerate(_eps(spec), start=1))
    return base + poly, base, poly, pt


def sigmoid_loss(spec, x, t):
    """(loss, base, poly, pt) of one element with target t ∈ {0, 1}."""
    p = 1 / (1 + math.exp(-x))
    one_minus_p = 1 / (1 + math.exp(x))
    pt = t * p + (1 - t) * one_minus_p
    bce = -(t * math.log(p) + (1 - t) * math.log(one_minus_p))
    alpha = spec.get("alpha")
    alpha_t = 1 if alpha is None else alpha * t + (1 - alpha) * (1 - t)
    gamma = _gamma(spec)
    base = alpha_t * (1 - pt) ** gamma * bce
    poly = sum(e * (1 - pt) ** (j + gamma) for j, e in enumerate(_eps(spec), start=1))
    return base + poly, base, poly, pt


def numeric_gradient(f, z, h=1e-6):
    grad = []
    for i in range(len(z)):
        up, down = list(z), list(z)
        up[i] += h
        down[i] -= h
        grad.append((f(up) - f(down)) / (2 * h))
    return grad


def random_rows(seed, count, K, scale):
    rng = random.Random(seed)
    return [[rng.uniform(-scale, scale) for _ in range(K)] for _ in range(count)]


# The sanity values of the paper's formulas (float64), to 6 decimals.
SANITY_LOGITS = [[2, 1, 0.1, -1, 0.5], [0.3, -0.2, 2.5, 0, -1.5], [-1, 0, 1, 2, 3], [0, 0, 0, 0, 0]]
SANITY_LABELS = [0, 2, 1, 4]
SANITY = {
    "pt": [0.558545, 0.782222, 0.031685, 0.2],
    "ce": [0.582420, 0.245617, 3.451914, 1.609438],
    "ce_mean": 1.472347,
    "poly2": [1.465329, 0.681172, 5.388545, 3.209438],
    "poly2_mean": 2.686121,
    "poly_minus1_mean": 0.865460,
    "poly1_mean": 2.079234,
    "poly2_grad_row0": [-0.934600, 0.435014, 0.176864, 0.058873, 0.263849],
}
# Pt of class 0 is about e^−115, below float32's range: CE ≈ 115.47.
UNDERFLOW_ROW = [-100, 15, -5, 4, 14.5]

SOFTMAX_SPECS = [
    {"type": "ce"},
    {"type": "poly"},
    {"type": "poly", "epsilon": 2},
    {"type": "poly", "epsilon": -1},
    {"type": "poly", "epsilon": [1, 0.5, -0.2]},
    {"type": "poly", "epsilon": [-1, -0.5]},
    {"type": "focal"},
    {"type": "focal", "gamma": 0.5},
    {"type": "focal", "gamma": 0},
    {"type": "poly-focal", "gamma": 2, "epsilon": -1},
    {"type": "poly-focal", "gamma": 1, "epsilon": [2, 0.5]},
    {"type": "ce", "labelSmoothing": 0.1},
    {"type": "poly", "epsilon": 2, "labelSmoothing": 0.2},
    {"type": "focal", "gamma": 2, "labelSmoothing": 0.1},
    {"type": "poly-focal", "gamma": 1.5, "epsilon": 1, "labelSmoothing": 0.05},
]

SIGMOID_SPECS = [
    dict(spec, activation="sigmoid", **extra)
    for spec in ({"type": "ce"}, {"type": "poly", "epsilon": 1}, {"type": "focal", "gamma": 2}, {"type": "focal", "gamma": 0.5},
                 {"type": "poly-focal", "gamma": 2, "epsilon": -1}, {"type": "poly-focal", "gamma": 1, "epsilon": [2, 0.5]})
    for extra in ({}, {"alpha": 0.25})
]
