"""A run of the user's own training script: its run.json and metrics.jsonl (the format of docs/run-format.md).

Inside a job that PolyLoss Lab launched (POLYLOSS_RUN_DIR is set) `init()` attaches to the prepared run
folder; elsewhere it creates a new run folder, so `python3 train.py` in a terminal shows up live too.
"""
import atexit
import json
import os
import platform
import signal
import socket
import sys
import threading
import time
import traceback

from . import _files
from ._metrics import camel_case, distribution, number, plain
from .loss_spec import describe_loss, validate_loss_spec

MAX_SEED = 4294967295
TERMINAL = ("completed", "failed", "cancelled", "diverged", "interrupted")
DEFAULT_RUNS_DIR = os.path.join(".polyloss", "runs")
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64", "i386": "ia32", "i686": "ia32"}

# Keys a metrics line sets itself.
_RESERVED = {"kind", "t"}


def _versions():
    """The interpreter's version and torch's when the script has imported it (never imported here)."""
    versions = {"python": platform.python_version()}
    torch = sys.modules.get("torch")
    if torch is not None and getattr(torch, "__version__", None):
        versions["torch"] = str(torch.__version__)
    return versions


def _environment():
    machine = platform.machine().lower()
    return {
        "backend": "pytorch" if "torch" in sys.modules else "python",
        "platform": "%s-%s" % (sys.platform, _ARCH.get(machine, machine)),
        "pid": os.getpid(),
    }


def _error_text(exc_type, exc, tb):
    """"ValueError: bad value (train.py:42)": the error and where the script raised it."""
    text = "".join(traceback.format_exception_only(exc_type, exc)).strip()
    frames = traceback.extract_tb(tb) if tb is not None else []
    if frames:
        text += " (%s:%d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno)
    return text


class Run:
    """One run: `log_step`, `log_epoch`, `finish`. Create it with `polyloss_lab.init()`."""

    def __init__(self, run_dir, record, params, attached):
        self.dir = os.path.abspath(run_dir)
        self.id = record["id"]
        self.name = record.get("name")
        self.config = record["config"]
        self.loss = self.config["loss"]
        self.seed = self.config["seed"]
        #: The script's parameters: init(config=…) overridden by the launched `params`.
        self.params = params
        self.attached = attached
        self.status = record["status"]
        self._record = record
        self._owner_pid = os.getpid()
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._out = open(os.path.join(self.dir, _files.METRICS_FILE), "ab")
        self._dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
        self._last_step = 0
        self._last_epoch = 0
        self._final = {}
        self._best_val_acc = None
        self._class_names = None

    # ----------------------------------------------------------------------------------------------
    # Metrics

    def log_step(self, step, epoch=None, **metrics):
        """One step line: `run.log_step(step, loss=…, base=…, poly=…, acc=…, lr=…)`; snake_case keys become camelCase."""
        line = {"kind": "step", "step": int(step),
                "epoch": int(epoch) if epoch is not None else self._last_epoch + 1,
                "t": round((time.monotonic() - self._start) * 1000)}
        self._add(line, metrics)
        self._last_step = line["step"]
        loss = line.get("loss")
        if loss is not None:
            self._final["finalLoss"] = loss
        self._write(line)

    def log_epoch(self, epoch, step=None, pt=None, **metrics):
        """One epoch line: `run.log_epoch(epoch, train_loss=…, val_loss=…, val_acc=…, pt=val_pt)`.

        `pt` takes the Pt of every validation example (tensor, array or list) and stores their mean and
        quartiles, as built-in runs do.
        """
        line = {"kind": "epoch", "epoch": int(epoch),
                "step": int(step) if step is not None else self._last_step,
                "t": round((time.monotonic() - self._start) * 1000)}
        self._add(line, metrics)
        if pt is not None:
            line["pt"] = distribution(pt)
        self._last_epoch = line["epoch"]
        if "valLoss" in line:
            self._final["finalValLoss"] = line["valLoss"]
        val_acc = line.get("valAcc")
        if "valAcc" in line:
            self._final["finalValAcc"] = val_acc
        if val_acc is not None and (self._best_val_acc is None or val_acc > self._best_val_acc):
            self._best_val_acc = val_acc
        self._write(line)

    def _add(self, line, metrics):
        for key, value in metrics.items():
            name = camel_case(key)
            if name in _RESERVED or name in line:
                raise ValueError("metric %r would overwrite the line's own %r field; rename it" % (key, name))
            line[name] = value if type(value) is float and value - value == 0 else number(value, "metric %r" % key)

    def _write(self, line):
        data = (self._dumps(line) + "\n").encode()
        with self._lock:
            if self._out is None:
                raise RuntimeError("run %s is %s; it takes no more metrics" % (self.id, self.status))
            self._out.write(data)
            self._out.flush()

    # ----------------------------------------------------------------------------------------------
    # Extra facts

    def set_total_steps(self, total_steps):
        """Records the planned number of optimizer steps, so the Runs view shows progress and time left."""
        self._update(totalSteps=int(total_steps))

    def set_data(self, num_classes, train=None, validation=None, test=None, class_names=None, input_shape=None):
        """Records the dataset facts (classes, split sizes) that the dashboard shows next to the results."""
        data = {"numClasses": int(num_classes), "train": int(train or 0), "validation": int(validation or 0),
                "test": int(test or 0), "inputShape": [int(d) for d in (input_shape or [])]}
        if class_names is not None:
            self._class_names = [str(name) for name in class_names]
            # Many names go to the per-class results file at the end, keeping run.json small.
            if len(self._class_names) <= _files.INLINE_CLASS_LIMIT:
                data["classNames"] = self._class_names
        self._update(data=data)

    # ----------------------------------------------------------------------------------------------
    # The end

    def finish(self, **summary):
        """Marks the run completed with its summary: `run.finish(test_acc=…, test_loss=…, per_class_acc=…, confusion=…)`."""
        self._end("completed", summary=summary)

    def fail(self, error):
        """Marks the run failed with `error` (a message or an exception)."""
        self._end("failed", error=str(error) if not isinstance(error, BaseException)
                  else _error_text(type(error), error, error.__traceback__))

    def cancel(self):
        """Marks the run cancelled (what Stop and SIGTERM do)."""
        self._end("cancelled")

    @property
    def active(self):
        return self.status not in TERMINAL

    def _summary(self, given):
        summary = {"steps": self._last_step, "epochs": self._last_epoch}
        summary.update({key: value for key, value in self._final.items() if value is not None})
        if self._best_val_acc is not None:
            summary["bestValAcc"] = self._best_val_acc
        for key, value in (given or {}).items():
            summary[camel_case(key)] = plain(value, "summary %r" % key)
        if _files.class_count(summary) > _files.INLINE_CLASS_LIMIT:
            summary = _files.move_class_results(self.dir, summary, self._class_names)
        return summary

    def _end(self, status, summary=None, error=None):
        if os.getpid() != self._owner_pid:
            return  # a forked worker (e.g. a DataLoader's) never ends its parent's run
        with self._lock:
            if not self.active:
                return
            self.status = status
            if self._out is not None:
                self._out.close()
                self._out = None
        fields = {"status": status, "endedAt": _files.iso_now(), "summary": self._summary(summary)}
        if error is not None:
            fields["error"] = error
        self._update(**fields)
        _active_runs.discard(self)

    def _update(self, **fields):
        """Rewrites run.json with `fields` changed, keeping what others wrote there meanwhile."""
        try:
            record = _files.read_run_record(self.dir)
        except (OSError, ValueError):
            record = self._record
        record.update(fields)
        trainer = dict(record.get("trainer") or {"kind": "command"})
        trainer.update(_versions())
        record["trainer"] = trainer
        _files.write_run_record(self.dir, record)
        self._record = record

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or (exc_type is SystemExit and exc.code in (None, 0)):
            self.finish()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.cancel()
        elif exc_type is SystemExit:
            self._end("failed", error="the script exited with code %s" % exc.code)
        else:
            self._end("failed", error=_error_text(exc_type, exc, tb))
        return False

    def __repr__(self):
        return "<polyloss_lab.Run %s (%s) in %s>" % (self.id, self.status, self.dir)


# --------------------------------------------------------------------------------------------------
# init() and the process hooks that record how the script ended.

_active_runs = set()
_hooks_installed = False


def _excepthook(exc_type, exc, tb):
    for run in list(_active_runs):
        if issubclass(exc_type, KeyboardInterrupt):
            run.cancel()
        else:
            run._end("failed", error=_error_text(exc_type, exc, tb))
    _previous_excepthook(exc_type, exc, tb)


def _on_sigterm(signum, frame):
    for run in list(_active_runs):
        run.cancel()
    if callable(_previous_sigterm):
        _previous_sigterm(signum, frame)
        return
    # End the way an unhandled SIGTERM ends a process, so the launcher sees the signal.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _at_exit():
    # A standalone run that ends without finish() completed with what it logged; a launched one is
    # settled by the launcher, which knows the exit code.
    for run in list(_active_runs):
        if not run.attached:
            run.finish()


_previous_excepthook = sys.excepthook
_previous_sigterm = None


def _install_hooks():
    global _hooks_installed, _previous_excepthook, _previous_sigterm
    if _hooks_installed:
        return
    _hooks_installed = True
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    atexit.register(_at_exit)
    if threading.current_thread() is threading.main_thread():
        _previous_sigterm = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _on_sigterm)


def _attach(run_dir, params_default):
    try:
        record = _files.read_run_record(run_dir)
    except FileNotFoundError:
        raise RuntimeError("POLYLOSS_RUN_DIR is %s but it holds no run.json; start the script from PolyLoss Lab, "
                           "or unset POLYLOSS_RUN_DIR to create a run of its own" % run_dir) from None
    except ValueError as e:
        raise RuntimeError("%s/run.json is not valid JSON (%s)" % (run_dir, e)) from None
    if "config" not in record and os.environ.get("POLYLOSS_CONFIG"):
        record["config"] = json.loads(os.environ["POLYLOSS_CONFIG"])
    if record.get("status") in TERMINAL:
        raise RuntimeError("run %s is already %s" % (record.get("id", os.path.basename(run_dir)), record["status"]))
    record["id"] = os.path.basename(os.path.abspath(run_dir))
    config = record["config"]
    command = config.setdefault("command", {"argv": _script_argv(), "cwd": os.getcwd()})
    params = dict(params_default or {})
    params.update(command.get("params") or {})
    if params:
        command["params"] = params
    record.update(status="running", startedAt=_files.iso_now(), environment=_environment())
    trainer = dict(record.get("trainer") or {"kind": "command"})
    trainer.update(_versions())
    record["trainer"] = trainer
    _files.write_run_record(run_dir, record)
    return Run(run_dir, record, params, attached=True)


def _script_argv():
    """The script's command line: `python3 train.py --epochs 5` (python3 stands for the chosen interpreter, so a
    rerun from PolyLoss Lab starts it the same way); just `python3` for an interactive session."""
    return ["python3"] + [arg for arg in sys.argv if arg] if sys.argv and sys.argv[0] else ["python3"]


def _checked_seed(seed):
    if seed is None:
        return 1
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError("seed must be an integer from 0 to %d (got %r)" % (MAX_SEED, seed))
    return seed


def _create(name, loss, seed, runs_dir, params):
    loss = validate_loss_spec(loss if loss is not None else {"type": "ce"})
    cwd = os.getcwd()
    argv = _script_argv()
    command = {"argv": argv, "cwd": cwd}
    if params:
        command["params"] = dict(params)
    config = {"command": command, "loss": loss, "seed": _checked_seed(seed)}
    if name:
        config["name"] = name
    now = _files.iso_now()
    record = {
        "schemaVersion": _files.RUN_SCHEMA_VERSION,
        "id": "",
        "name": name or "%s, seed %s" % (describe_loss(loss), config["seed"]),
        "config": config,
        "status": "running",
        "createdAt": now,
        "startedAt": now,
        "environment": _environment(),
        "trainer": dict({"kind": "command", "argv": [sys.executable] + argv[1:], "cwd": cwd, "interpreter": sys.executable}, **_versions()),
        # This process is the run's launcher: when it dies without an end, the extension marks the run interrupted.
        "launcherPid": os.getpid(),
        "launcherHost": socket.gethostname(),
    }
    run_dir = _files.create_run_folder(runs_dir, record)
    return Run(run_dir, record, dict(params or {}), attached=False)


def init(name=None, loss=None, seed=None, runs_dir=None, config=None):
    """Starts tracking this script as a run and returns the `Run`.

    Launched by PolyLoss Lab (POLYLOSS_RUN_DIR set): attaches to that run; the arguments are then only
    defaults and `run.loss`, `run.seed` and `run.params` hold what was launched. Otherwise creates a run
    folder under `runs_dir` (default: $POLYLOSS_RUNS_DIR, else .polyloss/runs of the current folder) with
    `loss` (default CE), `seed` (default 1) and `config` as the script's parameters.
    """
    run_dir = os.environ.get("POLYLOSS_RUN_DIR")
    if run_dir:
        same = [run for run in _active_runs if run.attached and run.dir == os.path.abspath(run_dir)]
        if same:
            return same[0]  # a second init() in the launched job: the same run
        run = _attach(run_dir, config)
    else:
        target = runs_dir or os.environ.get("POLYLOSS_RUNS_DIR") or DEFAULT_RUNS_DIR
        run = _create(name, loss, seed, os.path.abspath(target), config)
    _install_hooks()
    _active_runs.add(run)
    return run
