"""Run folder files, written the way the TypeScript store writes them (src/store/runFiles.ts, runIds.ts)."""
import datetime
import decimal
import json
import math
import os
import re
import tempfile

from .loss_spec import epsilon_list, gamma_of

RUN_FILE = "run.json"
METRICS_FILE = "metrics.jsonl"
RUN_SCHEMA_VERSION = 1
# Up to this many classes the per-class results sit in run.json's summary; with more they go to
# CLASS_RESULTS_FILE beside it (a dense confusion matrix grows with the square of the class count).
INLINE_CLASS_LIMIT = 100
CLASS_RESULTS_FILE = "confusion.json"
RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4,}$")


def json_safe(value):
    """NaN and ±Infinity become null, as JSON.stringify writes them: the files stay valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def write_file_atomic(path, text):
    """Readers see the old or the new content, never a half-written file (temp file + rename)."""
    tmp = "%s.%d.%d.tmp" % (path, os.getpid(), int(datetime.datetime.now().timestamp() * 1000))
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def write_run_record(run_dir, record):
    text = json.dumps(json_safe(record), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_file_atomic(os.path.join(run_dir, RUN_FILE), text)


def read_run_record(run_dir):
    with open(os.path.join(run_dir, RUN_FILE), encoding="utf-8") as source:
        return json.load(source)


def iso_now():
    """UTC time as JavaScript's toISOString writes it: 2026-12-06T17:50:13.123Z."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def _js_number(n):
    """A float as JavaScript's String(n) prints it (positional between 1e-6 and 1e21, else 1e-7 style)."""
    text = repr(float(n))
    if 1e-6 <= abs(n) < 1e21:
        text = format(decimal.Decimal(text), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + m.group(1) + m.group(2), text)


def _slug_number(n):
    """0.5 → "0p5", −1 → "m1" (the store's slugNumber)."""
    text = str(int(n)) if float(n).is_integer() else _js_number(float("%.3g" % n))
    return text.replace("-", "m", 1).replace(".", "p", 1)


def run_slug(config):
    """e.g. "ce-s1", "poly1-e2-s1", "poly3-s2", "focal-g2-s1", "pfocal1-g2-em1-s1"."""
    loss = config["loss"]
    eps = epsilon_list(loss)
    kind = loss["type"]
    if kind == "ce":
        parts = ["ce"]
    elif kind == "poly":
        parts = ["poly%d" % len(eps)]
    elif kind == "focal":
        parts = ["focal", "g" + _slug_number(gamma_of(loss))]
    else:
        parts = ["pfocal%d" % len(eps), "g" + _slug_number(gamma_of(loss))]
    if len(eps) == 1:
        parts.append("e" + _slug_number(eps[0]))
    parts.append("s" + _slug_number(config["seed"]))
    return re.sub(r"[^a-z0-9-]", "", "-".join(parts).lower())


def generate_run_id(config, now=None):
    """`20261128-105300-poly1-e2-s1-3f9a`: UTC time, what the run is, a random suffix."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return "%s-%s-%s" % (now.strftime("%Y%m%d-%H%M%S"), run_slug(config), os.urandom(2).hex())


def create_run_folder(runs_dir, record):
    """Creates `runs_dir/<id>` holding run.json, under a hidden name first and renamed into place, so a
    reader never sees a run folder without its run.json. A taken id is drawn again. Returns the folder."""
    os.makedirs(runs_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".creating-", dir=runs_dir)
    try:
        for _ in range(20):
            record["id"] = generate_run_id(record["config"])
            write_run_record(staging, record)
            run_dir = os.path.join(runs_dir, record["id"])
            try:
                os.rename(staging, run_dir)
                staging = None
                return run_dir
            except OSError:
                if not os.path.exists(run_dir):
                    raise
        raise OSError("no free run id in %s after 20 attempts" % runs_dir)
    finally:
        if staging is not None:
            for name in os.listdir(staging):
                os.remove(os.path.join(staging, name))
            os.rmdir(staging)


def class_count(summary):
    """How many classes the summary's per-class results cover."""
    return max(len(summary.get("perClassAcc") or []), len(summary.get("confusion") or []))


def move_class_results(run_dir, summary, class_names):
    """Writes perClassAcc, the non-zero confusion cells and the class names to CLASS_RESULTS_FILE, as the
    engine does for runs of many classes; returns the summary naming that file instead."""
    summary = dict(summary)
    confusion = summary.pop("confusion", None) or []
    per_class = summary.pop("perClassAcc", None)
    if per_class is None:
        per_class = [row[k] / sum(row) if sum(row) else None for k, row in enumerate(confusion)]
    results = {"numClasses": class_count({"perClassAcc": per_class, "confusion": confusion}), "perClassAcc": per_class,
               "confusionCells": [[t, p, count] for t, row in enumerate(confusion) for p, count in enumerate(row) if count]}
    if class_names:
        results["classNames"] = list(class_names)
    text = json.dumps(json_safe(results), ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
    write_file_atomic(os.path.join(run_dir, CLASS_RESULTS_FILE), text)
    summary["classResultsFile"] = CLASS_RESULTS_FILE
    return summary
