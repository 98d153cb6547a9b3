"""examples/pytorch-digits/train.py really trains and records complete runs, standalone and launched."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from test_client import NO_RUN_ENV, PYTHON_DIR, prepare_queued_run, read_lines, read_record

ROOT = os.path.dirname(PYTHON_DIR)
EXAMPLE = os.path.join(ROOT, "examples", "pytorch-digits")


def train(args, env=None, cwd=None, pythonpath=PYTHON_DIR):
    full_env = dict(os.environ, **NO_RUN_ENV)
    full_env["PYTHONPATH"] = pythonpath
    full_env.update(env or {})
    return subprocess.run([sys.executable, os.path.join(EXAMPLE, "train.py"), *args], env=full_env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


class DigitsExample(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="polyloss-example-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def check_complete_run(self, run_dir, epochs, loss_spec):
        record = read_record(run_dir)
        self.assertEqual(record["status"], "completed", record.get("error"))
        self.assertEqual(record["config"]["loss"], loss_spec)
        summary = record["summary"]
        lines = read_lines(run_dir)
        steps = [line for line in lines if line["kind"] == "step"]
        epoch_lines = [line for line in lines if line["kind"] == "epoch"]
        self.assertEqual([line["epoch"] for line in epoch_lines], list(range(1, epochs + 1)))
        self.assertEqual(len(steps), summary["steps"])
        self.assertEqual(record["totalSteps"], summary["steps"])
        self.assertEqual([line["step"] for line in steps], list(range(1, len(steps) + 1)))
        for line in steps:
            self.assertAlmostEqual(line["loss"], line["base"] + line["poly"], places=5)
            self.assertTrue(0 <= line["acc"] <= 1)
        if loss_spec["type"] == "ce":
            self.assertTrue(all(line["poly"] == 0 for line in steps))
        else:
            self.assertTrue(all(line["poly"] > 0 for line in steps))
        for line in epoch_lines:
            pt = line["pt"]
            self.assertTrue(0 < pt["q25"] <= pt["q50"] <= pt["q75"] <= 1, pt)
            self.assertIn("valLoss", line)
        # Learning happened: loss fell, and the test accuracy is far above chance (0.1).
        self.assertLess(epoch_lines[-1]["trainLoss"], epoch_lines[0]["trainLoss"])
        self.assertGreater(summary["testAcc"], 0.7)
        data = record["data"]
        self.assertEqual((data["numClasses"], data["train"] + data["validation"] + data["test"]), (10, 1797))
        confusion = summary["confusion"]
        self.assertEqual(sum(map(sum, confusion)), data["test"])
        self.assertEqual(len(summary["perClassAcc"]), 10)
        self.assertAlmostEqual(sum(confusion[k][k] for k in range(10)) / data["test"], summary["testAcc"], places=12)
        self.assertTrue(0 <= summary["ece"] < 1)
        return record, lines

    def test_standalone_run_with_the_client_found_next_door(self):
        # No PYTHONPATH: the script falls back to the client in ../../python.
        result = train(["--epochs", "3", "--seed", "4"], cwd=self.tmp, pythonpath="")
        self.assertEqual(result.returncode, 0, result.stderr)
        (run_id,) = os.listdir(os.path.join(self.tmp, ".polyloss", "runs"))
        self.assertIn("-ce-s4-", run_id)
        self.assertIn(run_id, result.stdout)
        record, _ = self.check_complete_run(os.path.join(self.tmp, ".polyloss", "runs", run_id), 3, {"type": "ce"})
        self.assertEqual(record["config"]["command"]["params"], {"epochs": 3, "batch_size": 64, "lr": 0.003, "hidden": 128})

    def test_launched_run_takes_loss_seed_and_params_from_the_launch(self):
        run_dir, env = prepare_queued_run(self.tmp, params={"epochs": 3, "hidden": 64})
        result = train(["--epochs", "7", "--seed", "9"], env=env, cwd=EXAMPLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        record, _ = self.check_complete_run(run_dir, 3, {"type": "poly", "epsilon": 2})
        self.assertEqual(record["config"]["seed"], 3)
        self.assertEqual(record["config"]["command"]["params"], {"epochs": 3, "batch_size": 64, "lr": 0.003, "hidden": 64})
        self.assertEqual(record["trainer"]["interpreterSource"], "polyloss.pythonPath setting")
        self.assertIn("torch", record["trainer"])

    def test_the_experiment_file_compares_ce_with_poly1_over_two_seeds(self):
        with open(os.path.join(EXAMPLE, "digits.polyloss.json"), encoding="utf-8") as f:
            text = "\n".join(line for line in f.read().splitlines() if not line.lstrip().startswith("//"))
        experiment = json.loads(text)
        self.assertEqual(experiment["command"], ["python3", "train.py"])
        self.assertEqual([run["loss"] for run in experiment["runs"]], [{"type": "ce"}, {"type": "poly", "epsilon": 1}])
        self.assertEqual(len(experiment["training"]["seeds"]), 2)


if __name__ == "__main__":
    unittest.main()
