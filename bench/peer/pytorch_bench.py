"""Training throughput of the lab's two models in PyTorch, the peer of bench/peer-pytorch.ts.

Same models (784-128-10 MLP; conv 16 and 32 with 3x3 'same' filters, ReLU and 2x2 max pooling, then a
dense layer), optimizer (Adam, lr 0.001), loss (mean cross-entropy), batch size and data as the lab's
training loop: batches are gathered from the shuffled training rows of the packed dataset file, and
each step reads its loss back, as ours does.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    python3 pytorch_bench.py --data media/datasets/mnist.pld.gz --samples 8000 --threads 1 --models mlp,cnn

--threads N calls torch.set_num_threads(N); without it torch keeps its default. That alone does not
pin the BLAS library: Debian's torch calls OpenBLAS (openblas-pthread), whose own thread pool is sized
from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS when the library loads, so those must be set in the
environment before python starts. Each result therefore says which threads the process really ran:
torch's count, the *_NUM_THREADS variables it saw, the native thread pools (when threadpoolctl is
importable) and the OS threads of the process; a pool larger than --threads is also warned about.

Prints one JSON object per model: samples per second of wall time and per second of process CPU time
(all threads), timed over the training steps only. A single-threaded process spends at most one CPU
second per wall second; more means another thread was busy too.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

MAGIC = b"PLD1"


def read_packed(path, samples):
    """The first `samples` rows of a .pld.gz file (see src/training/datasets/packedFormat.ts)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:4] != MAGIC:
        sys.exit(f"{path} is not a packed dataset file (missing {MAGIC.decode()} magic)")
    (header_length,) = struct.unpack_from("<I", data, 4)
    header = json.loads(data[8:8 + header_length].decode("utf-8"))
    n, shape = header["n"], header["inputShape"]
    width = int(np.prod(shape))
    dtype = np.uint8 if header["dtype"] == "uint8" else np.dtype("<f4")
    x = np.frombuffer(data, dtype=dtype, count=n * width, offset=8 + header_length)
    y = np.frombuffer(data, dtype=np.uint8, count=n, offset=8 + header_length + x.nbytes)
    rows = min(samples, n)
    x = x[:rows * width].astype(np.float32).reshape(rows, *shape) / header["scale"]
    return x, y[:rows].astype(np.int64), len(header["classNames"])


def build(model, shape, classes):
    height, width, channels = shape
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, 128), nn.ReLU(), nn.Linear(128, classes))
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(32 * (height // 4) * (width // 4), classes),
    )


# Op kinds of bench/opProfile.ts, by the PyTorch op (or record_function scope) that does that work. An
# event counts under the first of itself and its ancestors that has a kind (the copies and allocations
# inside a convolution are the convolution's); events with none are the framework's overhead.
OP_KINDS = {
    "aten::mkldnn_convolution": "conv forward (+ bias, ReLU, max-pool where fused)",
    "aten::_slow_conv2d_forward": "conv forward (+ bias, ReLU, max-pool where fused)",
    "aten::thnn_conv2d": "conv forward (+ bias, ReLU, max-pool where fused)",
    "aten::convolution_backward": "conv backward (input + filter)",
    "aten::max_pool2d_with_indices": "max-pool",
    "aten::max_pool2d_with_indices_backward": "max-pool gradient (+ ReLU and bias gradients where fused)",
    "aten::relu": "ReLU",
    "aten::threshold_backward": "ReLU gradient",
    "aten::linear": "dense layer (forward and backward)",
    "aten::addmm": "dense layer (forward and backward)",
    "aten::mm": "dense layer (forward and backward)",
    "aten::sum": "bias gradient",
    "aten::cross_entropy_loss": "loss (forward and backward)",
    "aten::_log_softmax_backward_data": "loss (forward and backward)",
    "aten::nll_loss_backward": "loss (forward and backward)",
    "aten::item": "loss (forward and backward)",
    "Optimizer.step#Adam.step": "optimizer (Adam)",
    "Optimizer.zero_grad#Adam.zero_grad": "optimizer (Adam)",
    "aten::index": "batch gather",
    "aten::empty": "tensor allocation and release",
    "aten::empty_like": "tensor allocation and release",
    "aten::zeros": "tensor allocation and release",
    "aten::view": "saved-tensor clones, reshapes",
    "aten::reshape": "saved-tensor clones, reshapes",
    "aten::flatten": "saved-tensor clones, reshapes",
}
FRAMEWORK = "framework overhead (engine, tape, layers, autograd)"


def profile_steps(step, batches, steps):
    """Self CPU time per op kind in ms per step over `steps` steps under torch.autograd.profiler, and the
    same steps' CPU time without it (the profiler's own cost shows as the difference)."""
    from torch.autograd import profiler
    with profiler.profile() as prof:
        for s in range(steps):
            step(batches[s % len(batches)])
    totals = {}
    for event in prof.function_events:
        kind, at = None, event
        while at is not None and kind is None:
            kind, at = OP_KINDS.get(at.name), at.cpu_parent
        kind = kind or FRAMEWORK
        totals[kind] = totals.get(kind, 0.0) + event.self_cpu_time_total / 1000 / steps
    cpu0 = time.process_time()
    for s in range(steps):
        step(batches[s % len(batches)])
    return {"perStep": totals, "unprofiledMs": (time.process_time() - cpu0) * 1000 / steps, "steps": steps}


def throughput(model_name, x_nhwc, y, classes, batch, epochs, warmup_steps, seed, profile=0):
    torch.manual_seed(seed)
    # PyTorch convolutions take NCHW; the MLP flattens either layout.
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
    targets = torch.from_numpy(y)
    model = build(model_name, x_nhwc.shape[1:], classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)

    def step(indices):
        xb, yb = x[indices], targets[indices]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()

    n = x.shape[0]
    for _ in range(warmup_steps):
        step(torch.randint(0, n, (batch,), generator=generator))
    samples, wall, cpu = 0, 0.0, 0.0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch):
            indices = order[start:start + batch]
            wall0, cpu0 = time.perf_counter(), time.process_time()
            step(indices)
            wall += time.perf_counter() - wall0
            cpu += time.process_time() - cpu0
            samples += indices.shape[0]
    result = {"model": model_name, "samples": samples, "samplesPerSec": samples / wall, "samplesPerCpuSec": samples / cpu}
    if profile:
        result["profile"] = profile_steps(step, [order[s:s + batch] for s in range(0, n - batch + 1, batch)], profile)
    return result


def native_thread_pools():
    """The native thread pools loaded in this process (OpenBLAS, OpenMP, MKL...), or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{"library": " ".join(filter(None, [pool["internal_api"], pool.get("version")])), "threads": pool["num_threads"]}
            for pool in threadpool_info()]


def os_threads():
    """Threads of this process as the OS counts them (Linux), or None elsewhere."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def threads_used():
    """Which threads this process ran with; read after training, when every pool has started."""
    return {"torch": torch.get_num_threads(),
            "env": {name: value for name, value in sorted(os.environ.items()) if name.endswith("_NUM_THREADS")},
            "pools": native_thread_pools(), "os": os_threads()}


def warn_if_oversubscribed(requested, used):
    larger = [pool for pool in used["pools"] or [] if pool["threads"] > requested]
    for pool in larger:
        print(f"warning: --threads {requested} but {pool['library']} runs {pool['threads']} threads; "
              f"set OPENBLAS_NUM_THREADS={requested} OMP_NUM_THREADS={requested} before starting python", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N); omit to keep torch's default")
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--epochs", default="mlp=2,cnn=1")
    parser.add_argument("--cnn-samples", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, help="also profile this many steps op by op (see profile_steps)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    epochs = {k: int(v) for k, v in (pair.split("=") for pair in args.epochs.split(","))}
    x, y, classes = read_packed(args.data, args.samples)
    for model_name in args.models.split(","):
        rows = args.cnn_samples if model_name == "cnn" and args.cnn_samples else len(y)
        result = throughput(model_name, x[:rows], y[:rows], classes, args.batch, epochs.get(model_name, 1), args.warmup, args.seed, args.profile)
        result["torch"] = torch.__version__
        result["threads"] = threads_used()
        print(json.dumps(result), flush=True)
    if args.threads is not None:
        warn_if_oversubscribed(args.threads, threads_used())


if __name__ == "__main__":
    main()
