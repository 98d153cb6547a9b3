"""log_step of the Python client: µs per call, against the least a script can do to write the same line
(json.dumps + write + flush to a file opened once), measured in the same run. Target: < 20 µs per call.

    /usr/bin/python3 bench/python-client.py [--calls N] [--rounds N]
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
for name in ("POLYLOSS_RUN_DIR", "POLYLOSS_RUN_ID", "POLYLOSS_CONFIG"):
    os.environ.pop(name, None)
import polyloss_lab  # noqa: E402

TARGET_US = 20.0


def per_call_us(fn, calls, rounds, clock):
    """Median over rounds of the time per call, after one warm-up round."""
    fn(calls // 10)
    times = []
    for _ in range(rounds):
        start = clock()
        fn(calls)
        times.append((clock() - start) / calls * 1e6)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="polyloss-bench-")
    try:
        run = polyloss_lab.init(loss={"type": "poly", "epsilon": 1}, runs_dir=tmp)
        out = open(os.path.join(tmp, "baseline.jsonl"), "ab")
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        start = time.monotonic()

        def baseline(n):
            for i in range(n):
                line = {"kind": "step", "step": i, "epoch": 1, "t": round((time.monotonic() - start) * 1000),
                        "loss": 0.5, "base": 0.4, "poly": 0.1, "acc": 0.75}
                out.write((dumps(line) + "\n").encode())
                out.flush()

        def client(n):
            for i in range(n):
                run.log_step(i, epoch=1, loss=0.5, base=0.4, poly=0.1, acc=0.75)

        def client_snake_extra(n):
            for i in range(n):
                run.log_step(i, epoch=1, loss=0.5, base=0.4, poly=0.1, acc=0.75, learning_rate=1e-3, top5_acc=0.9)

        print("log_step, %d calls x %d rounds (median), CPU time per call:" % (args.calls, args.rounds))
        results = {}
        for label, fn in (("baseline: json.dumps + write + flush", baseline), ("run.log_step, 4 metrics", client),
                          ("run.log_step, 6 metrics, 2 snake_case", client_snake_extra)):
            cpu = per_call_us(fn, args.calls, args.rounds, time.process_time)
            wall = per_call_us(fn, args.calls, args.rounds, time.perf_counter)
            results[label] = cpu
            print("  %-40s %6.2f µs CPU, %6.2f µs wall" % (label, cpu, wall))
        base = results["baseline: json.dumps + write + flush"]
        mine = results["run.log_step, 4 metrics"]
        print("  log_step / baseline: %.2fx" % (mine / base))
        print("  target < %g µs per call: %s" % (TARGET_US, "met" if mine < TARGET_US else "NOT met"))
        run.finish()
        out.close()
        return 0 if mine < TARGET_US else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
