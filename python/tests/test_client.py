"""polyloss_lab.init / Run: the run folder it writes (attached to a launched run, or standalone)."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from unittest import mock

import torch

import polyloss_lab

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_ID = re.compile(r"^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4,}$")
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# The keys of src/core/runFormat.ts: StepMetric, EpochMetric and RunSummary.
STEP_KEYS = {"kind", "step", "epoch", "t", "loss", "base", "poly", "acc"}
EPOCH_KEYS = {"kind", "epoch", "step", "t", "trainLoss", "valLoss", "valAcc", "pt"}
NO_RUN_ENV = {"POLYLOSS_RUN_DIR": "", "POLYLOSS_RUN_ID": "", "POLYLOSS_RUNS_DIR": "", "POLYLOSS_CONFIG": ""}


def strict_json(text):
    """json.loads that refuses NaN / Infinity, as JSON.parse does."""
    def refuse(token):
        raise ValueError("not JSON: %s" % token)
    return json.loads(text, parse_constant=refuse)


def read_record(run_dir):
    with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
        return strict_json(f.read())


def read_lines(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as f:
        text = f.read()
    if text:
        assert text.endswith("\n"), "metrics.jsonl ends mid-line"
    return [strict_json(line) for line in text.splitlines()]


def run_script(code, env=None, cwd=None, wait=True):
    """Runs `code` with the client on PYTHONPATH (and no run of its own unless env says so)."""
    full_env = dict(os.environ, PYTHONPATH=PYTHON_DIR, **NO_RUN_ENV)
    full_env.update(env or {})
    args = [sys.executable, "-c", textwrap.dedent(code)]
    if not wait:
        return subprocess.Popen(args, env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(args, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=60)


def prepare_queued_run(runs_dir, run_id="20261206-120000-poly1-e2-s3-ab12", params=None):
    """A run folder as the launcher leaves it before starting the command."""
    run_dir = os.path.join(runs_dir, run_id)
    os.makedirs(run_dir)
    config = {"command": {"argv": ["python3", "train.py"], "cwd": runs_dir, "params": params or {"hidden": 64}},
              "loss": {"type": "poly", "epsilon": 2}, "seed": 3, "sweepId": "sweep-1"}
    record = {"schemaVersion": 1, "id": run_id, "name": "Poly-1 ε=2, seed 3", "config": config, "status": "queued",
              "createdAt": "2026-12-06T12:00:00.000Z", "launcherPid": os.getpid(), "launcherHost": "here",
              "trainer": {"kind": "command", "argv": ["/usr/bin/python3", "train.py"], "cwd": runs_dir,
                          "exitCode": None, "interpreter": "/usr/bin/python3", "interpreterSource": "polyloss.pythonPath setting"}}
    with open(os.path.join(run_dir, "run.json"), "w", encoding="utf-8") as f:
        json.dump(record, f)
    env = {"POLYLOSS_RUN_DIR": run_dir, "POLYLOSS_RUN_ID": run_id, "POLYLOSS_RUNS_DIR": runs_dir,
           "POLYLOSS_CONFIG": json.dumps(config)}
    return run_dir, env


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="polyloss-client-")
        self.env = mock.patch.dict(os.environ, NO_RUN_ENV)
        self.env.start()
        self.addCleanup(self.env.stop)


class Standalone(TempDirCase):
    def test_creates_a_running_run_folder_then_completes_it(self):
        run = polyloss_lab.init(loss={"type": "poly", "epsilon": 0.5}, seed=7, runs_dir=self.tmp, config={"lr": 0.01})
        self.assertRegex(run.id, RUN_ID)
        self.assertIn("-poly1-e0p5-s7-", run.id)
        self.assertEqual(run.dir, os.path.join(self.tmp, run.id))
        self.assertEqual(os.listdir(self.tmp), [run.id])  # no staging folder left behind
        record = read_record(run.dir)
        self.assertEqual(record["status"], "running")
        self.assertEqual(record["schemaVersion"], 1)
        self.assertEqual(record["id"], run.id)
        self.assertEqual(record["name"], "Poly-1 ε=0.5, seed 7")
        self.assertRegex(record["createdAt"], ISO_TIME)
        self.assertEqual(record["config"]["loss"], {"type": "poly", "epsilon": 0.5})
        self.assertEqual(record["config"]["seed"], 7)
        self.assertEqual(record["config"]["command"]["params"], {"lr": 0.01})
        self.assertEqual(record["config"]["command"]["cwd"], os.getcwd())
        # Rerunnable as PolyLoss Lab launches scripts: python3 stands for the chosen interpreter.
        self.assertEqual(record["config"]["command"]["argv"], ["python3"] + sys.argv)
        self.assertEqual(record["trainer"]["argv"], [sys.executable] + sys.argv)
        self.assertEqual(record["environment"]["pid"], os.getpid())
        self.assertEqual(record["launcherPid"], os.getpid())
        self.assertEqual(record["trainer"]["kind"], "command")
        self.assertEqual(record["trainer"]["python"], ".".join(map(str, sys.version_info[:3])))
        self.assertEqual(record["trainer"]["torch"], torch.__version__)
        self.assertEqual((run.loss, run.seed, run.params), ({"type": "poly", "epsilon": 0.5}, 7, {"lr": 0.01}))
        run.finish()
        self.assertEqual(read_record(run.dir)["status"], "completed")
        self.assertRegex(read_record(run.dir)["endedAt"], ISO_TIME)

    def test_defaults_are_ce_seed_1_and_the_runs_folder_from_the_environment(self):
        with mock.patch.dict(os.environ, {"POLYLOSS_RUNS_DIR": self.tmp}):
            run = polyloss_lab.init(name="my baseline")
        self.addCleanup(run.finish)
        self.assertEqual(os.path.dirname(run.dir), self.tmp)
        self.assertEqual((run.loss, run.seed, run.name), ({"type": "ce"}, 1, "my baseline"))
        self.assertIn("-ce-s1-", run.id)

    def test_without_a_runs_folder_it_writes_under_polyloss_runs_of_the_current_folder(self):
        result = run_script("""
            import polyloss_lab
            run = polyloss_lab.init(loss={"type": "focal", "gamma": 1.5}, seed=2)
            print(run.id)
        """, cwd=self.tmp)
        self.assertEqual(result.returncode, 0, result.stderr)
        run_id = result.stdout.strip()
        self.assertIn("-focal-g1p5-s2-", run_id)
        record = read_record(os.path.join(self.tmp, ".polyloss", "runs", run_id))
        # Ended without finish(): completed with what it logged.
        self.assertEqual(record["status"], "completed")
        self.assertEqual(record["summary"], {"steps": 0, "epochs": 0})

    def test_a_bad_loss_spec_names_the_field_and_makes_no_folder(self):
        with self.assertRaises(ValueError) as raised:
            polyloss_lab.init(loss={"type": "poly", "epsilon": "two"}, runs_dir=self.tmp)
        self.assertIn("loss.epsilon", str(raised.exception))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_a_bad_seed_is_refused(self):
        for seed in (-1, 1.5, "1", 2 ** 32):
            with self.subTest(seed=seed), self.assertRaises(ValueError) as raised:
                polyloss_lab.init(seed=seed, runs_dir=self.tmp)
            self.assertIn("seed must be an integer from 0 to 4294967295", str(raised.exception))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_importing_the_client_does_not_import_torch(self):
        result = run_script("import sys, polyloss_lab; print('torch' in sys.modules)")
        self.assertEqual(result.stdout.strip(), "False", result.stderr)


class Attached(TempDirCase):
    def test_attaches_to_the_launched_run_and_keeps_what_the_launcher_wrote(self):
        run_dir, env = prepare_queued_run(self.tmp)
        with mock.patch.dict(os.environ, env):
            run = polyloss_lab.init(loss={"type": "ce"}, seed=99, config={"hidden": 32, "lr": 0.1})
        self.assertEqual(run.dir, run_dir)
        self.assertEqual(run.id, os.path.basename(run_dir))
        # The launched loss, seed and params win; init's arguments are only defaults.
        self.assertEqual((run.loss, run.seed), ({"type": "poly", "epsilon": 2}, 3))
        self.assertEqual(run.params, {"hidden": 64, "lr": 0.1})
        self.assertEqual(run.config["sweepId"], "sweep-1")
        record = read_record(run_dir)
        self.assertEqual(record["status"], "running")
        self.assertRegex(record["startedAt"], ISO_TIME)
        self.assertEqual(record["environment"]["pid"], os.getpid())
        self.assertEqual(record["createdAt"], "2026-12-06T12:00:00.000Z")
        self.assertEqual(record["trainer"]["interpreterSource"], "polyloss.pythonPath setting")
        self.assertEqual(record["trainer"]["argv"], ["/usr/bin/python3", "train.py"])
        self.assertEqual(record["trainer"]["torch"], torch.__version__)
        self.assertIn("python", record["trainer"])
        self.assertEqual(record["config"]["command"]["params"], {"hidden": 64, "lr": 0.1})
        self.assertEqual([n for n in os.listdir(run_dir) if n.endswith(".tmp")], [])
        with mock.patch.dict(os.environ, env):
            self.assertIs(polyloss_lab.init(), run, "a second init() in the job returns the same run")
        run.log_step(1, loss=0.5)
        run.finish(test_acc=0.75)
        record = read_record(run_dir)
        self.assertEqual((record["status"], record["summary"]["testAcc"], record["summary"]["steps"]), ("completed", 0.75, 1))

    def test_a_missing_run_json_is_a_clear_error(self):
        with mock.patch.dict(os.environ, {"POLYLOSS_RUN_DIR": os.path.join(self.tmp, "gone")}):
            with self.assertRaises(RuntimeError) as raised:
                polyloss_lab.init()
        self.assertIn("POLYLOSS_RUN_DIR", str(raised.exception))
        self.assertIn("no run.json", str(raised.exception))

    def test_a_run_that_already_ended_is_not_restarted(self):
        run_dir, env = prepare_queued_run(self.tmp)
        record = read_record(run_dir)
        record["status"] = "cancelled"
        with open(os.path.join(run_dir, "run.json"), "w", encoding="utf-8") as f:
            json.dump(record, f)
        with mock.patch.dict(os.environ, env), self.assertRaises(RuntimeError) as raised:
            polyloss_lab.init()
        self.assertIn("already cancelled", str(raised.exception))
        self.assertEqual(read_record(run_dir)["status"], "cancelled")


class Metrics(TempDirCase):
    def setUp(self):
        super().setUp()
        self.run = polyloss_lab.init(loss={"type": "poly", "epsilon": 1}, runs_dir=self.tmp)
        self.addCleanup(self.run.finish)

    def test_step_and_epoch_lines_with_camel_case_keys(self):
        self.run.log_step(1, loss=2.0, base=1.5, poly=0.5, acc=0.25, learning_rate=1e-3, top5_acc=torch.tensor(0.5))
        self.run.log_step(2, loss=1.0, base=0.8, poly=0.2, acc=0.5)
        self.run.log_epoch(1, train_loss=1.5, val_loss=1.2, val_acc=0.6)
        self.run.log_step(3, loss=0.9)
        self.run.log_step(4, epoch=7, loss=0.8)
        lines = read_lines(self.run.dir)
        self.assertEqual([line["kind"] for line in lines], ["step", "step", "epoch", "step", "step"])
        first = lines[0]
        self.assertEqual(set(first) - STEP_KEYS, {"learningRate", "top5Acc"})
        self.assertEqual((first["step"], first["epoch"], first["loss"], first["top5Acc"], first["learningRate"]), (1, 1, 2.0, 0.5, 1e-3))
        self.assertIsInstance(first["t"], int)
        epoch = lines[2]
        self.assertEqual(epoch, {"kind": "epoch", "epoch": 1, "step": 2, "t": epoch["t"], "trainLoss": 1.5, "valLoss": 1.2, "valAcc": 0.6})
        self.assertEqual(set(epoch) - EPOCH_KEYS, set())
        self.assertEqual((lines[3]["epoch"], lines[4]["epoch"]), (2, 7))
        self.assertTrue(all(a["t"] <= b["t"] for a, b in zip(lines, lines[1:])))

    def test_pt_is_stored_as_mean_and_quartiles_like_built_in_runs(self):
        self.run.log_epoch(1, pt=[0.4, 0.1, 0.3, 0.2])
        self.run.log_epoch(2, pt=torch.tensor([[0.9], [0.5], [0.7]], dtype=torch.float64, requires_grad=True))
        self.run.log_epoch(3, pt={"mean": 0.5, "q25": 0.25, "q50": 0.5, "q75": 0.75})
        pts = [line["pt"] for line in read_lines(self.run.dir)]
        # Linear interpolation between order statistics (numpy's default, src/core/metrics.ts).
        self.assertEqual(pts[0]["q50"], 0.25)
        self.assertAlmostEqual(pts[0]["mean"], 0.25, places=15)
        self.assertAlmostEqual(pts[0]["q25"], 0.175, places=15)
        self.assertAlmostEqual(pts[0]["q75"], 0.325, places=15)
        self.assertAlmostEqual(pts[1]["q25"], 0.6, places=15)
        self.assertAlmostEqual(pts[1]["q75"], 0.8, places=15)
        self.assertEqual(pts[1]["q50"], 0.7)
        self.assertEqual(pts[2], {"mean": 0.5, "q25": 0.25, "q50": 0.5, "q75": 0.75})

    def test_output_stays_valid_json_lines(self):
        self.run.log_step(1, loss=float("nan"), base=float("inf"), poly=-float("inf"), acc=1)
        self.run.log_epoch(1, val_loss=float("nan"), pt=[])
        threads = [threading.Thread(target=lambda k=k: [self.run.log_step(100 * k + i, loss=i / 3) for i in range(200)]) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lines = read_lines(self.run.dir)
        self.assertEqual(len(lines), 2 + 800)
        self.assertEqual((lines[0]["loss"], lines[0]["base"], lines[0]["poly"], lines[0]["acc"]), (None, None, None, 1))
        self.assertEqual(lines[1]["pt"], {"mean": None, "q25": None, "q50": None, "q75": None})

    def test_bad_metric_values_and_names_are_refused_before_anything_is_written(self):
        with self.assertRaises(TypeError) as raised:
            self.run.log_step(1, loss="low")
        self.assertIn("'loss'", str(raised.exception))
        with self.assertRaises(TypeError):
            self.run.log_step(1, acc=torch.tensor([0.5, 0.6]))
        with self.assertRaises(ValueError) as raised:
            self.run.log_step(1, kind=1)
        self.assertIn("'kind'", str(raised.exception))
        self.assertEqual(read_lines(self.run.dir), [])

    def test_finish_counts_steps_and_epochs_and_takes_tensors(self):
        for step in range(1, 7):
            self.run.log_step(step, loss=1 / step)
            if step % 3 == 0:
                self.run.log_epoch(step // 3, train_loss=1.0, val_loss=2.0 / step, val_acc=0.9 if step == 3 else 0.8)
        confusion = torch.tensor([[5, 1], [2, 4]])
        self.run.finish(test_acc=0.75, test_loss=torch.tensor(0.5), per_class_acc=torch.tensor([5 / 6, 4 / 6], dtype=torch.float64), confusion=confusion)
        record = read_record(self.run.dir)
        self.assertEqual(record["status"], "completed")
        self.assertEqual(record["summary"], {
            "steps": 6, "epochs": 2, "finalLoss": 1 / 6, "finalValLoss": 2.0 / 6, "finalValAcc": 0.8, "bestValAcc": 0.9,
            "testAcc": 0.75, "testLoss": 0.5, "perClassAcc": [5 / 6, 4 / 6], "confusion": [[5, 1], [2, 4]],
        })
        self.assertNotIn("error", record)
        with self.assertRaises(RuntimeError):
            self.run.log_step(7, loss=0.1)
        self.run.finish(test_acc=0.1)  # a second finish changes nothing
        self.assertEqual(read_record(self.run.dir)["summary"]["testAcc"], 0.75)


class ManyClasses(TempDirCase):
    def test_per_class_results_of_more_than_100_classes_go_to_confusion_json(self):
        run = polyloss_lab.init(runs_dir=self.tmp)
        names = ["class %d" % k for k in range(150)]
        run.set_data(150, train=1000, validation=100, test=300, class_names=names)
        self.assertNotIn("classNames", read_record(run.dir)["data"])
        confusion = torch.zeros(150, 150, dtype=torch.long)
        confusion[torch.arange(150), torch.arange(150)] = 2
        confusion[3, 7] = 1
        confusion[149] = 0
        run.finish(test_acc=0.9, confusion=confusion)
        summary = read_record(run.dir)["summary"]
        self.assertEqual(summary["classResultsFile"], "confusion.json")
        self.assertNotIn("confusion", summary)
        self.assertNotIn("perClassAcc", summary)
        with open(os.path.join(run.dir, "confusion.json"), encoding="utf-8") as f:
            results = strict_json(f.read())
        self.assertEqual((results["numClasses"], results["classNames"][149]), (150, "class 149"))
        self.assertEqual(results["perClassAcc"][3], 2 / 3)
        self.assertEqual(results["perClassAcc"][0], 1.0)
        self.assertIsNone(results["perClassAcc"][149])
        self.assertEqual(len(results["confusionCells"]), 150)
        self.assertEqual(results["confusionCells"][3:5], [[3, 3, 2], [3, 7, 1]])

    def test_up_to_100_classes_stay_in_run_json(self):
        run = polyloss_lab.init(runs_dir=self.tmp)
        run.set_data(100, class_names=[str(k) for k in range(100)])
        run.finish(per_class_acc=[0.5] * 100)
        record = read_record(run.dir)
        self.assertEqual(len(record["data"]["classNames"]), 100)
        self.assertEqual(record["summary"]["perClassAcc"], [0.5] * 100)
        self.assertFalse(os.path.exists(os.path.join(run.dir, "confusion.json")))


class Endings(TempDirCase):
    def test_an_exception_in_the_with_block_fails_the_run_with_its_error(self):
        with self.assertRaises(ZeroDivisionError):
            with polyloss_lab.init(runs_dir=self.tmp) as run:
                run.log_step(1, loss=0.5)
                1 / 0
        record = read_record(run.dir)
        self.assertEqual(record["status"], "failed")
        self.assertIn("ZeroDivisionError: division by zero", record["error"])
        self.assertIn("test_client.py:", record["error"])
        self.assertEqual(record["summary"]["steps"], 1)

    def test_ctrl_c_in_the_with_block_cancels_the_run(self):
        with self.assertRaises(KeyboardInterrupt):
            with polyloss_lab.init(runs_dir=self.tmp) as run:
                raise KeyboardInterrupt()
        self.assertEqual(read_record(run.dir)["status"], "cancelled")

    def test_an_exception_escaping_the_script_fails_the_launched_run(self):
        run_dir, env = prepare_queued_run(self.tmp)
        result = run_script("""
            import polyloss_lab
            run = polyloss_lab.init()
            run.log_step(1, loss=1.0)
            raise ValueError("the data folder is empty")
        """, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("Traceback", result.stderr)  # the usual report still reaches stderr
        record = read_record(run_dir)
        self.assertEqual(record["status"], "failed")
        self.assertEqual(record["error"], "ValueError: the data folder is empty (<string>:5)")
        self.assertEqual(record["summary"]["steps"], 1)

    def test_a_launched_script_ending_without_finish_is_left_to_the_launcher(self):
        run_dir, env = prepare_queued_run(self.tmp)
        result = run_script("import polyloss_lab; polyloss_lab.init().log_step(1, loss=1.0)", env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(read_record(run_dir)["status"], "running")

    def test_sigterm_cancels_the_run_and_ends_the_process_keeping_its_metrics(self):
        run_dir, env = prepare_queued_run(self.tmp)
        proc = run_script("""
            import time, polyloss_lab
            run = polyloss_lab.init()
            step = 0
            while True:
                step += 1
                run.log_step(step, loss=1.0 / step)
                time.sleep(0.01)
        """, env=env, wait=False)
        deadline = time.time() + 30
        while time.time() < deadline and len(read_lines(run_dir) if os.path.exists(os.path.join(run_dir, "metrics.jsonl")) else []) < 5:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, -signal.SIGTERM)
        record = read_record(run_dir)
        self.assertEqual(record["status"], "cancelled")
        self.assertRegex(record["endedAt"], ISO_TIME)
        lines = read_lines(run_dir)
        self.assertGreaterEqual(len(lines), 5)
        self.assertEqual(record["summary"]["steps"], lines[-1]["step"])

    def test_a_forked_child_never_ends_the_parents_run(self):
        run = polyloss_lab.init(runs_dir=self.tmp)
        self.addCleanup(run.finish)
        pid = os.fork()
        if pid == 0:
            try:
                run.fail("child")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        self.assertEqual(read_record(run.dir)["status"], "running")


if __name__ == "__main__":
    unittest.main()
