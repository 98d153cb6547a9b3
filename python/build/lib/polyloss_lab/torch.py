"""The PolyLoss family for PyTorch, with the same loss spec and the same formulas as PolyLoss Lab's engine.

Softmax family, one example with logits z and label distribution y (class index → one-hot; the spec's
label smoothing y·(1−ls) + ls/K is applied here), p = softmax(z):
    Pt = Σ_k y_k p_k (from the SMOOTHED y), q = 1 − Pt
    CE           = −Σ_k y_k log p_k             (from log_softmax: never the log of a softmax)
    Poly-N       = CE + Σ_j ε_j q^j             (ε_j is ADDED to the CE coefficient 1/j)
    Focal        = −q^γ · log Pt
    Poly-N focal = Focal + Σ_j ε_j q^(j+γ)      (Poly-1 focal: ε q^(γ+1))
log Pt comes from log p (a gather, or a logsumexp for soft labels), so rows whose Pt underflows keep
a finite loss and gradient.

Sigmoid family, element-wise over logits x and targets t ∈ [0, 1] (multi-label / detection style):
    BCE = max(x,0) − x·t + log1p(e^−|x|), q = 1 − pt = t·σ(−x) + (1−t)·σ(x), α_t = α·t + (1−α)(1−t)
    base = α_t · q^γ · BCE (γ = 0 for ce / poly),  poly = Σ_j ε_j q^(j+γ)  (not weighted by α_t, as in the paper)

Reductions: "none" gives one loss per example (softmax, [n]) or per element (sigmoid, [n, K]); "mean" the
mean over examples (sigmoid: summed over classes first, as PolyLoss Lab trains); "sum" the total.
"""
import collections
import json

import torch
from torch import nn

from .loss_spec import describe_loss, epsilon_list, gamma_of, is_focal, validate_loss_spec

__all__ = ["poly_loss", "PolyLoss", "PolyLossParts"]

REDUCTIONS = ("none", "mean", "sum")
# q^γ with γ < 1 has an infinite slope at q = 0: the base is floored here, which moves the loss by
# less than 1e-30^γ·BCE with BCE ≈ 0 where q ≈ 0 (the engine does the same).
_POW_BASE_FLOOR = 1e-30

PolyLossParts = collections.namedtuple("PolyLossParts", ["loss", "base", "poly", "pt"])
PolyLossParts.__doc__ = """poly_loss(..., return_parts=True): loss = base + poly, both reduced like loss;
base is CE (or BCE, or the focal term), poly the polynomial part Σ ε_j (1−Pt)^(j+γ), and pt the
probability given to the target per example (softmax [n], with the smoothed labels) or per element (sigmoid [n, K])."""

_Prepared = collections.namedtuple("_Prepared", ["eps", "gamma", "focal", "smoothing", "sigmoid", "alpha"])
_prepared_cache = {}


def _prepare(spec):
    """The validated spec's numbers; cached, so a training loop checks its spec (and warns) once."""
    try:
        key = json.dumps(spec, sort_keys=True)
    except (TypeError, ValueError):
        key = None
    prepared = _prepared_cache.get(key) if key is not None else None
    if prepared is None:
        spec = validate_loss_spec(spec)
        prepared = _Prepared(epsilon_list(spec), gamma_of(spec), is_focal(spec), float(spec.get("labelSmoothing", 0)),
                             spec.get("activation") == "sigmoid", spec.get("alpha"))
        if key is not None:
            _prepared_cache[key] = prepared
    return prepared


def _pow(q, exponent):
    if exponent == 0:
        return torch.ones_like(q)
    if exponent == 1:
        return q
    return (q if exponent > 1 else q.clamp_min(_POW_BASE_FLOOR)) ** exponent


def _poly_term(s, q):
    """Σ_j ε_j q^(j+γ), term by term as the engine sums it; None for CE / focal."""
    if not s.eps:
        return None
    total = None
    for j, e in enumerate(s.eps, start=1):
        term = e * _pow(q, j + s.gamma)
        total = term if total is None else total + term
    return total


def _check_logits(logits):
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or not logits.is_floating_point():
        shape = list(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError("logits must be a floating-point tensor [batch, classes] (got %s)" % (shape,))


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError("reduction must be one of %s (got %r)" % (", ".join('"%s"' % r for r in REDUCTIONS), reduction))


def _check_values(ok, message):
    """Value checks only where they cost no device sync (CPU tensors); shapes are always checked."""
    if ok.device.type == "cpu" and not bool(ok.all()):
        raise ValueError(message)


def _softmax_parts(s, logits, labels):
    n, num_classes = logits.shape
    logp = torch.log_softmax(logits, dim=1)
    if not labels.is_floating_point():
        if labels.shape != (n,):
            raise ValueError("labels as class indices must be an integer tensor [%d] (got shape %s)" % (n, list(labels.shape)))
        labels = labels.long()
        _check_values((labels >= 0) & (labels < num_classes), "labels must be class indices in 0..%d" % (num_classes - 1))
        if not s.smoothing:
            log_pt = logp.gather(1, labels.unsqueeze(1)).squeeze(1)
            # 1 − Pt without cancellation where Pt ≈ 1.
            return -log_pt, log_pt, -torch.expm1(log_pt)
        y = torch.nn.functional.one_hot(labels, num_classes).to(logits.dtype)
    else:
        if labels.shape != logits.shape:
            raise ValueError("float labels must be label distributions shaped like logits %s (got %s); "
                             "class indices must be an integer tensor" % (list(logits.shape), list(labels.shape)))
        y = labels.to(logits.dtype)
    if s.smoothing:
        y = y * (1 - s.smoothing) + s.smoothing / num_classes
    ce = -(y * logp).sum(dim=1)
    # log Pt = logsumexp_k(log y_k + log p_k) over y_k > 0: exact even when Pt underflows. The inner
    # where keeps log(0) (and its infinite slope) out of the graph.
    positive = y > 0
    log_y = torch.where(positive, torch.where(positive, y, torch.ones_like(y)).log(), torch.full_like(y, float("-inf")))
    log_pt = torch.logsumexp(log_y + logp, dim=1)
    # 1 − Pt as Σ (1 − y_k) p_k: keeps its precision where Pt ≈ 1.
    q = ((1 - y) * logp.exp()).sum(dim=1).clamp(0, 1)
    return ce, log_pt, q


def _softmax_loss(s, logits, labels):
    ce, log_pt, q = _softmax_parts(s, logits, labels)
    base = -_pow(q, s.gamma) * log_pt if s.focal else ce
    return base, _poly_term(s, q), log_pt.exp()


def _sigmoid_loss(s, logits, targets):
    if not targets.is_floating_point():
        if targets.shape != logits.shape[:1]:
            raise ValueError("sigmoid targets must be a float tensor shaped like logits %s, or class indices [%d] "
                             "(got shape %s)" % (list(logits.shape), logits.shape[0], list(targets.shape)))
        targets = torch.nn.functional.one_hot(targets.long(), logits.shape[1])
    elif targets.shape != logits.shape:
        raise ValueError("sigmoid targets must be a float tensor shaped like logits %s (got %s)"
                         % (list(logits.shape), list(targets.shape)))
    t = targets.to(logits.dtype)
    _check_values((t >= 0) & (t <= 1), "sigmoid targets must lie in [0, 1]")
    x = logits
    bce = torch.relu(x) - x * t + torch.log1p(torch.exp(-x.abs()))
    # 1 − pt = σ(x) for t = 0 and σ(−x) for t = 1: no cancellation.
    q = t * torch.sigmoid(-x) + (1 - t) * torch.sigmoid(x)
    base = bce if s.gamma == 0 else _pow(q, s.gamma) * bce
    if s.alpha is not None:
        base = (s.alpha * t + (1 - s.alpha) * (1 - t)) * base
    return base, _poly_term(s, q), 1 - q


def _reduce(values, reduction, sigmoid):
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    return (values.sum(dim=1) if sigmoid else values).mean()


def poly_loss(logits, labels, spec, reduction="mean", return_parts=False):
    """A loss of the PolyLoss family.

    logits: [n, K] floating point. labels: class indices [n] (integer), or label distributions / targets
    [n, K] (float: soft labels for softmax, 0–1 targets for sigmoid). spec: the loss spec dict, e.g.
    {"type": "poly", "epsilon": 2} (see polyloss_lab.loss_spec). reduction: "none" | "mean" | "sum".
    return_parts: also return the base (CE or focal) part, the polynomial part and Pt, as a
    PolyLossParts(loss, base, poly, pt).
    """
    _check_reduction(reduction)
    s = _prepare(spec)
    _check_logits(logits)
    if not isinstance(labels, torch.Tensor):
        labels = torch.as_tensor(labels, device=logits.device)
    base, poly, pt = (_sigmoid_loss if s.sigmoid else _softmax_loss)(s, logits, labels)
    loss = _reduce(base if poly is None else base + poly, reduction, s.sigmoid)
    if not return_parts:
        return loss
    base = _reduce(base, reduction, s.sigmoid)
    poly = torch.zeros_like(base) if poly is None else _reduce(poly, reduction, s.sigmoid)
    return PolyLossParts(loss, base, poly, pt)


class PolyLoss(nn.Module):
    """`nn.Module` form of `poly_loss`: `criterion = PolyLoss({"type": "poly", "epsilon": 1})`, `criterion(logits, labels)`."""

    def __init__(self, spec, reduction="mean", return_parts=False):
        super().__init__()
        _prepare(spec)
        _check_reduction(reduction)
        self.spec = dict(spec)
        self.reduction = reduction
        self.return_parts = return_parts

    def forward(self, logits, labels):
        return poly_loss(logits, labels, self.spec, self.reduction, self.return_parts)

    def extra_repr(self):
        return "%s, reduction=%r" % (describe_loss(self.spec), self.reduction)
