"""Metric values as the run format stores them: camelCase keys, plain finite numbers, Pt quartiles."""
import math
import numbers
import re

_CAMEL_CACHE = {}
_SNAKE_PART = re.compile(r"_+([a-zA-Z0-9])")


def camel_case(name):
    """val_acc → valAcc, top5_acc → top5Acc; names without "_" are kept (lr, valAcc)."""
    cached = _CAMEL_CACHE.get(name)
    if cached is None:
        cached = _SNAKE_PART.sub(lambda m: m.group(1).upper(), name) if "_" in name.strip("_") else name
        _CAMEL_CACHE[name] = cached
    return cached


def plain(value, what):
    """A number, tensor, numpy value or (nested) list of them as plain Python numbers and lists."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu()
    if hasattr(value, "tolist"):  # tensors and numpy arrays / scalars
        return plain(value.tolist(), what)
    if isinstance(value, (list, tuple)):
        return [plain(item, what) for item in value]
    if isinstance(value, (str, dict)) or value is None:
        return value
    raise TypeError("%s must be a number or a list of numbers (got %s)" % (what, type(value).__name__))


def number(value, what):
    """One metric value: a finite float or int; NaN/∞ become None (JSON null, as the engine writes them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    converted = plain(value, what)
    if isinstance(converted, list) and len(converted) == 1:
        converted = converted[0]
    if converted is None or (isinstance(converted, (int, float)) and not isinstance(converted, bool)):
        return converted
    raise TypeError("%s must be a number, a 0-d tensor or a numpy scalar (got %r)" % (what, value))


def quantile(sorted_values, q):
    """Linear interpolation between order statistics (numpy's default), as src/core/metrics.ts."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = (n - 1) * min(1.0, max(0.0, q))
    lo = int(math.floor(pos))
    hi = min(n - 1, lo + 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _flat(values):
    for item in values:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def distribution(values, what="pt"):
    """Mean and quartiles of Pt values (a tensor, array or list), or a ready {"mean","q25","q50","q75"} dict."""
    if isinstance(values, dict):
        missing = [key for key in ("mean", "q25", "q50", "q75") if key not in values]
        if missing:
            raise ValueError("%s as a dict needs the keys mean, q25, q50, q75 (missing %s)" % (what, ", ".join(missing)))
        return {key: number(values[key], "%s.%s" % (what, key)) for key in ("mean", "q25", "q50", "q75")}
    converted = plain(values, what)
    flat = [float(v) for v in _flat(converted if isinstance(converted, list) else [converted]) if v is not None]
    flat.sort()
    # Summed in sorted order, as the engine does, so the mean agrees to the last bit.
    mean = sum(flat) / len(flat) if flat else None
    return {"mean": mean, "q25": quantile(flat, 0.25), "q50": quantile(flat, 0.5), "q75": quantile(flat, 0.75)}
