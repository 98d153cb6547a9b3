"""The PyTorch snippets of docs/snippets/poly1-pytorch.md run and agree with polyloss_lab.torch."""
import os
import re
import unittest

import torch

from polyloss_lab.torch import poly_loss
from test_client import PYTHON_DIR

SNIPPETS = os.path.join(os.path.dirname(PYTHON_DIR), "docs", "snippets", "poly1-pytorch.md")


def python_blocks():
    with open(SNIPPETS, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


class Snippets(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.logits = torch.randn(8, 5, dtype=torch.float64) * 3
        self.labels = torch.randint(0, 5, (8,))
        self.blocks = python_blocks()
        self.assertEqual(len(self.blocks), 3)

    def test_the_client_snippet_gives_poly1(self):
        scope = {"logits": self.logits, "labels": self.labels}
        exec(self.blocks[0], scope)
        expected = poly_loss(self.logits, self.labels, {"type": "poly", "epsilon": 1})
        self.assertEqual(scope["loss"].item(), expected.item())
        self.assertAlmostEqual((scope["base"] + scope["poly"]).item(), expected.item(), places=12)

    def test_the_standalone_softmax_poly1_matches_poly_loss(self):
        scope = {}
        exec(self.blocks[1], scope)
        for epsilon, smoothing in ((1.0, 0.0), (2.0, 0.1), (-1.0, 0.0)):
            ours = scope["poly1_cross_entropy"](self.logits, self.labels, epsilon, smoothing)
            spec = {"type": "poly", "epsilon": epsilon, "labelSmoothing": smoothing}
            self.assertAlmostEqual(ours.item(), poly_loss(self.logits, self.labels, spec).item(), places=12)

    def test_the_standalone_sigmoid_poly1_focal_matches_poly_loss(self):
        scope = {}
        exec(self.blocks[2], scope)
        targets = (torch.rand(8, 5, dtype=torch.float64) < 0.3).double()
        ours = scope["poly1_focal_sigmoid"](self.logits, targets, epsilon=-1.0, gamma=2.0, alpha=0.25)
        spec = {"type": "poly-focal", "activation": "sigmoid", "epsilon": -1, "gamma": 2, "alpha": 0.25}
        self.assertAlmostEqual(ours.item(), poly_loss(self.logits, targets, spec).item(), places=12)


if __name__ == "__main__":
    unittest.main()
