"""The loss spec: the same JSON object as everywhere in PolyLoss Lab (media/schemas/loss-spec.schema.json).

    {"type": "poly", "epsilon": 2}                          Poly-1, ε = 2
    {"type": "poly", "epsilon": [1, 0.5]}                   Poly-2 (ε_j is ADDED to the CE coefficient 1/j)
    {"type": "focal", "gamma": 2}                           focal
    {"type": "poly-focal", "gamma": 2, "epsilon": -1}       Poly-1 focal, ε(1−Pt)^(γ+1)
    {"type": "ce", "labelSmoothing": 0.1}                   softmax only
    {"type": "focal", "activation": "sigmoid", "alpha": 0.25}

Standard library only: the client validates the spec it records without importing torch.
"""
import math
import numbers
import warnings

TYPES = ("ce", "poly", "focal", "poly-focal")
ACTIVATIONS = ("softmax", "sigmoid")
FIELDS = ("type", "epsilon", "gamma", "labelSmoothing", "activation", "alpha")
MAX_POLY_TERMS = 32
DEFAULT_GAMMA = 2.0
_FOCAL_TYPES = ("focal", "poly-focal")
_POLY_TYPES = ("poly", "poly-focal")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _quoted(names):
    return ", ".join('"%s"' % name for name in names)


def validate_loss_spec(spec, where="loss"):
    """Checks `spec` and returns it as a plain dict; raises ValueError naming the field and what it accepts.

    Ignored fields (gamma on "poly", epsilon on "focal"…) and ε1 < −1 give a warning, as in the editor.
    """
    if not isinstance(spec, dict):
        raise ValueError('%s must be a loss spec object such as {"type": "poly", "epsilon": 1} (got %r)' % (where, spec))
    unknown = [key for key in spec if key not in FIELDS]
    if unknown:
        raise ValueError("%s has unknown field %s: a loss spec accepts %s" % (where, _quoted(unknown), _quoted(FIELDS)))
    kind = spec.get("type")
    if kind not in TYPES:
        raise ValueError("%s.type must be one of %s (got %r)" % (where, _quoted(TYPES), kind))
    if "epsilon" in spec:
        eps = spec["epsilon"]
        ok = _is_number(eps) or (isinstance(eps, (list, tuple)) and 1 <= len(eps) <= MAX_POLY_TERMS and all(_is_number(e) for e in eps))
        if not ok:
            raise ValueError("%s.epsilon must be a number or a list of 1 to %d numbers (got %r)" % (where, MAX_POLY_TERMS, eps))
    if "gamma" in spec and not (_is_number(spec["gamma"]) and spec["gamma"] >= 0):
        raise ValueError("%s.gamma must be a number >= 0 (got %r)" % (where, spec["gamma"]))
    if "labelSmoothing" in spec and not (_is_number(spec["labelSmoothing"]) and 0 <= spec["labelSmoothing"] < 1):
        raise ValueError("%s.labelSmoothing must be a number in [0, 1) (got %r)" % (where, spec["labelSmoothing"]))
    activation = spec.get("activation", "softmax")
    if activation not in ACTIVATIONS:
        raise ValueError("%s.activation must be one of %s (got %r)" % (where, _quoted(ACTIVATIONS), activation))
    if "alpha" in spec:
        if not (_is_number(spec["alpha"]) and 0 <= spec["alpha"] <= 1):
            raise ValueError("%s.alpha must be a number in [0, 1] (got %r)" % (where, spec["alpha"]))
        if activation != "sigmoid":
            raise ValueError('%s.alpha is only used with activation "sigmoid" (activation is "%s")' % (where, activation))
    if spec.get("labelSmoothing") and activation != "softmax":
        raise ValueError('%s.labelSmoothing only works with activation "softmax" (activation is "%s")' % (where, activation))
    if "gamma" in spec and kind not in _FOCAL_TYPES:
        warnings.warn('%s.gamma is ignored by type "%s"; it applies to %s' % (where, kind, _quoted(_FOCAL_TYPES)), stacklevel=3)
    if "epsilon" in spec and kind not in _POLY_TYPES:
        warnings.warn('%s.epsilon is ignored by type "%s"; it applies to %s' % (where, kind, _quoted(_POLY_TYPES)), stacklevel=3)
    eps = epsilon_list(spec)
    if eps and eps[0] < -1 and "alpha" not in spec:
        warnings.warn("%s.epsilon: ε1 = %g < −1 makes the leading coefficient 1 + ε1 negative, so the loss is no longer "
                      "monotone in Pt" % (where, eps[0]), stacklevel=3)
    result = dict(spec)
    if isinstance(result.get("epsilon"), tuple):
        result["epsilon"] = list(result["epsilon"])
    return result


def epsilon_list(spec):
    """[] for CE / focal, [ε] for Poly-1, [ε1..εN] for Poly-N (default ε = 1)."""
    if spec.get("type") not in _POLY_TYPES:
        return []
    eps = spec.get("epsilon", 1)
    return [float(e) for e in eps] if isinstance(eps, (list, tuple)) else [float(eps)]


def gamma_of(spec):
    """γ of focal / poly-focal (default 2); 0 for the others."""
    return float(spec.get("gamma", DEFAULT_GAMMA)) if spec.get("type") in _FOCAL_TYPES else 0.0


def is_focal(spec):
    return spec.get("type") in _FOCAL_TYPES


def _fmt(n):
    """As the engine prints numbers: integers plainly, others to 4 significant digits."""
    if float(n).is_integer():
        return str(int(n))
    return repr(float("%.4g" % n))


def describe_loss(spec):
    """Short label as the engine writes it, e.g. "CE", "Poly-1 ε=2", "Focal γ=2", "Poly-1 focal γ=2 ε=-1"."""
    eps = epsilon_list(spec)
    eps_text = "ε=" + _fmt(eps[0]) if len(eps) == 1 else "ε=[" + ",".join(_fmt(e) for e in eps) + "]"
    kind = spec["type"]
    if kind == "ce":
        parts = ["CE"]
    elif kind == "poly":
        parts = ["Poly-%d" % len(eps), eps_text]
    elif kind == "focal":
        parts = ["Focal", "γ=" + _fmt(gamma_of(spec))]
    else:
        parts = ["Poly-%d focal" % len(eps), "γ=" + _fmt(gamma_of(spec)), eps_text]
    if spec.get("activation") == "sigmoid":
        parts.append("sigmoid")
    if "alpha" in spec:
        parts.append("α=" + _fmt(spec["alpha"]))
    if spec.get("labelSmoothing"):
        parts.append("ls=" + _fmt(spec["labelSmoothing"]))
    return " ".join(parts)
