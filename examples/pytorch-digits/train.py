"""Handwritten digits (8×8) with a small PyTorch MLP and Adam, trained with a loss of the PolyLoss family
and tracked as a PolyLoss Lab run.

    python3 train.py                                        # CE, seed 1: a run under ./.polyloss/runs
    python3 train.py --loss '{"type": "poly", "epsilon": 1}' --seed 2
    polyloss run digits.polyloss.json                       # CE vs Poly-1 over two seeds, launched for you

Launched by PolyLoss Lab, the run's loss, seed and params (epochs, lr, …) come from the experiment file;
the command-line values are only defaults.
"""
import argparse
import gzip
import json
import math
import os
import random
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import polyloss_lab
except ImportError:  # run from a checkout without installing the client: use the one next door
    sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
    import polyloss_lab
from polyloss_lab.torch import poly_loss  # noqa: E402

DIGITS = os.path.join(HERE, "..", "..", "media", "datasets", "digits.pld.gz")
CALIBRATION_BINS = 15


def load_packed(path):
    """A PolyLoss Lab dataset file (`<name>.pld.gz`: "PLD1", header length, JSON header, features, labels)."""
    if not os.path.isfile(path):
        # The default is the file of a PolyLoss Lab checkout, two folders up: elsewhere the user names one.
        raise FileNotFoundError("digits file not found: %s (pass --data PATH, e.g. media/datasets/digits.pld.gz of PolyLoss Lab)" % path)
    with gzip.open(path, "rb") as source:
        data = source.read()
    if data[:4] != b"PLD1":
        raise ValueError("%s is not a PolyLoss Lab dataset file (no PLD1 magic)" % path)
    header_end = 8 + struct.unpack_from("<I", data, 4)[0]
    header = json.loads(data[8:header_end].decode("utf-8"))
    n, width = header["n"], math.prod(header["inputShape"])
    dtype, size = (torch.uint8, 1) if header["dtype"] == "uint8" else (torch.float32, 4)
    labels_start = header_end + n * width * size
    if len(data) != labels_start + n:
        raise ValueError("%s is truncated or corrupt" % path)
    x = torch.frombuffer(bytearray(data[header_end:labels_start]), dtype=dtype).reshape(n, width).float() / header["scale"]
    y = torch.tensor(list(data[labels_start:]), dtype=torch.long)
    return x, y, header


def stratified_split(y, seed, validation=0.15, test=0.15):
    """Index lists (train, validation, test), each class split in the same proportions, shuffled by `seed`."""
    rng = random.Random(seed)
    parts = ([], [], [])
    for label in sorted(set(y.tolist())):
        members = [i for i, v in enumerate(y.tolist()) if v == label]
        rng.shuffle(members)
        n_val, n_test = round(len(members) * validation), round(len(members) * test)
        parts[1].extend(members[:n_val])
        parts[2].extend(members[n_val:n_val + n_test])
        parts[0].extend(members[n_val + n_test:])
    return [torch.tensor(sorted(p)) for p in parts]


def evaluate(model, x, y, spec):
    """Mean loss, accuracy, Pt per example, predictions and confidences on one split."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss, _, _, pt = poly_loss(logits, y, spec, return_parts=True)
        probs = torch.softmax(logits, dim=1)
        confidence, predicted = probs.max(dim=1)
    model.train()
    return loss.item(), (predicted == y).double().mean().item(), pt, predicted, confidence


def calibration_error(confidence, correct):
    """Expected calibration error over 15 equal-width confidence bins."""
    bins = torch.clamp(torch.ceil(confidence * CALIBRATION_BINS).long() - 1, 0, CALIBRATION_BINS - 1)
    total = 0.0
    for b in range(CALIBRATION_BINS):
        members = bins == b
        if members.any():
            total += abs(correct[members].sum().item() - confidence[members].sum().item())
    return total / len(confidence)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loss", type=json.loads, default=None, help='loss spec JSON, e.g. \'{"type": "poly", "epsilon": 1}\' (default CE)')
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--data", default=DIGITS, help="the digits file (default: the one PolyLoss Lab bundles)")
    args = parser.parse_args()
    defaults = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "hidden": args.hidden}

    with polyloss_lab.init(loss=args.loss, seed=args.seed, config=defaults) as run:
        params = run.params
        torch.manual_seed(run.seed)
        torch.set_num_threads(1)  # a tiny model: one thread is fastest and leaves the other cores to other runs
        x, y, header = load_packed(args.data)
        train_idx, val_idx, test_idx = stratified_split(y, run.seed)
        x_train, y_train = x[train_idx], y[train_idx]
        num_classes = len(header["classNames"])
        run.set_data(num_classes, train=len(train_idx), validation=len(val_idx), test=len(test_idx),
                     class_names=header["classNames"], input_shape=header["inputShape"])

        model = nn.Sequential(nn.Linear(x.shape[1], params["hidden"]), nn.ReLU(), nn.Linear(params["hidden"], num_classes))
        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
        batch_size = params["batch_size"]
        steps_per_epoch = math.ceil(len(train_idx) / batch_size)
        run.set_total_steps(steps_per_epoch * params["epochs"])

        step = 0
        for epoch in range(1, params["epochs"] + 1):
            order = torch.randperm(len(train_idx))
            loss_sum = 0.0
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                logits = model(x_train[batch])
                # loss = base (CE or focal) + poly (Σ ε_j (1−Pt)^j): the split PolyLoss Lab plots.
                loss, base, poly, _ = poly_loss(logits, y_train[batch], run.loss, return_parts=True)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                step += 1
                acc = (logits.argmax(dim=1) == y_train[batch]).double().mean().item()
                run.log_step(step, epoch=epoch, loss=loss.item(), base=base.item(), poly=poly.item(), acc=acc, lr=params["lr"])
                loss_sum += loss.item() * len(batch)
            val_loss, val_acc, val_pt, _, _ = evaluate(model, x[val_idx], y[val_idx], run.loss)
            run.log_epoch(epoch, train_loss=loss_sum / len(order), val_loss=val_loss, val_acc=val_acc, pt=val_pt)

        y_test = y[test_idx]
        test_loss, test_acc, _, predicted, confidence = evaluate(model, x[test_idx], y_test, run.loss)
        confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
        confusion.index_put_((y_test, predicted), torch.ones_like(y_test), accumulate=True)
        per_class_acc = confusion.diag().double() / confusion.sum(dim=1).clamp_min(1)
        run.finish(test_acc=test_acc, test_loss=test_loss, per_class_acc=per_class_acc, confusion=confusion,
                   ece=calibration_error(confidence, predicted == y_test))
        print("%s: test accuracy %.3f, test loss %.3f (run %s)" % (polyloss_lab.describe_loss(run.loss), test_acc, test_loss, run.id))


if __name__ == "__main__":
    main()
