"""polyloss_lab.torch against the independent float64 reference, the sanity values, and gradcheck."""
import math
import random
import unittest
import warnings

import torch

from polyloss_lab.torch import PolyLoss, poly_loss
from reference import (SANITY, SANITY_LABELS, SANITY_LOGITS, SIGMOID_SPECS, SOFTMAX_SPECS, UNDERFLOW_ROW,
                       numeric_gradient, random_rows, sigmoid_loss, softmax, softmax_loss)

F64 = torch.float64


def rows_and_labels(seed, count=6, K=5, scale=4.0):
    rows = random_rows(seed, count, K, scale)
    rng = random.Random(seed + 1)
    return rows, [rng.randrange(K) for _ in rows]


def soft_labels(seed, count, K):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        w = [rng.random() for _ in range(K)]
        w[rng.randrange(K)] = 0.0  # a zero entry exercises the masked log y
        out.append([v / sum(w) for v in w])
    return out


class Closeness:
    def assertRelClose(self, actual, expected, tol, what=""):
        actual = actual.tolist() if isinstance(actual, torch.Tensor) else actual
        if isinstance(expected, (list, tuple)):
            self.assertEqual(len(actual), len(expected), what)
            for i, (a, e) in enumerate(zip(actual, expected)):
                self.assertRelClose(a, e, tol, "%s[%d]" % (what, i))
            return
        self.assertTrue(math.isfinite(actual), "%s: got %r" % (what, actual))
        self.assertLessEqual(abs(actual - expected), tol * max(1.0, abs(expected)),
                             "%s: got %r, expected %r (tol %g)" % (what, actual, expected, tol))


class SanityValues(Closeness, unittest.TestCase):
    def setUp(self):
        self.z = torch.tensor(SANITY_LOGITS, dtype=F64, requires_grad=True)
        self.y = torch.tensor(SANITY_LABELS)

    def test_ce_per_example_mean_and_pt(self):
        loss, base, poly, pt = poly_loss(self.z, self.y, {"type": "ce"}, reduction="none", return_parts=True)
        self.assertRelClose(loss, SANITY["ce"], 1e-6, "ce")
        self.assertRelClose(base, SANITY["ce"], 1e-6, "base")
        self.assertEqual(poly.tolist(), [0.0] * 4)
        self.assertRelClose(pt, SANITY["pt"], 1e-6, "pt")
        self.assertRelClose(poly_loss(self.z, self.y, {"type": "ce"}).item(), SANITY["ce_mean"], 1e-6, "mean")

    def test_poly1_values_for_three_epsilons(self):
        self.assertRelClose(poly_loss(self.z, self.y, {"type": "poly", "epsilon": 2}, reduction="none"), SANITY["poly2"], 1e-6)
        self.assertRelClose(poly_loss(self.z, self.y, {"type": "poly", "epsilon": 2}).item(), SANITY["poly2_mean"], 1e-6)
        self.assertRelClose(poly_loss(self.z, self.y, {"type": "poly", "epsilon": -1}).item(), SANITY["poly_minus1_mean"], 1e-6)
        self.assertRelClose(poly_loss(self.z, self.y, {"type": "poly", "epsilon": 1}).item(), SANITY["poly1_mean"], 1e-6)

    def test_poly1_gradient_of_row0_is_the_closed_form(self):
        poly_loss(self.z, self.y, {"type": "poly", "epsilon": 2}, reduction="sum").backward()
        self.assertRelClose(self.z.grad[0], SANITY["poly2_grad_row0"], 1e-6, "grad")
        # ∂Poly1/∂z = (1 + ε·Pt)(p − y) for one-hot y, every row.
        for i, (row, label) in enumerate(zip(SANITY_LOGITS, SANITY_LABELS)):
            p = softmax(row)
            expected = [(1 + 2 * p[label]) * (pk - (k == label)) for k, pk in enumerate(p)]
            self.assertRelClose(self.z.grad[i], expected, 1e-12, "row %d" % i)


class AgainstReference(Closeness, unittest.TestCase):
    def check_softmax(self, spec, rows, labels, label_tensor):
        z = torch.tensor(rows, dtype=F64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss, base, poly, pt = poly_loss(z, label_tensor, spec, reduction="none", return_parts=True)
        self.assertEqual(loss.dtype, F64)
        ref = [softmax_loss(spec, row, label) for row, label in zip(rows, labels)]
        what = str(spec)
        self.assertRelClose(loss, [r[0] for r in ref], 1e-9, what + " loss")
        # Parts as the reductions report them.
        parts = poly_loss(z, label_tensor, spec, reduction="mean", return_parts=True)
        self.assertRelClose(parts.base.item(), sum(r[1] for r in ref) / len(ref), 1e-9, what + " base")
        self.assertRelClose(parts.poly.item(), sum(r[2] for r in ref) / len(ref), 1e-9, what + " poly")
        self.assertRelClose(pt, [r[3] for r in ref], 1e-9, what + " pt")
        self.assertRelClose(poly_loss(z, label_tensor, spec, reduction="sum").item(), sum(r[0] for r in ref), 1e-9, what + " sum")
        self.assertRelClose((base + poly).tolist(), loss.tolist(), 1e-12, what + " base+poly")

    def test_every_softmax_loss_with_class_indices(self):
        for seed, spec in enumerate(SOFTMAX_SPECS):
            with self.subTest(spec=spec):
                rows, labels = rows_and_labels(seed)
                self.check_softmax(spec, rows, labels, torch.tensor(labels))

    def test_every_softmax_loss_with_soft_labels(self):
        for seed, spec in enumerate(SOFTMAX_SPECS):
            with self.subTest(spec=spec):
                rows, _ = rows_and_labels(seed + 100)
                soft = soft_labels(seed, len(rows), 5)
                self.check_softmax(spec, rows, soft, torch.tensor(soft, dtype=F64))

    def test_soft_one_hot_labels_equal_class_indices(self):
        rows, labels = rows_and_labels(7)
        one_hot = torch.nn.functional.one_hot(torch.tensor(labels), 5).to(F64)
        z = torch.tensor(rows, dtype=F64)
        for spec in SOFTMAX_SPECS:
            with self.subTest(spec=spec):
                self.assertRelClose(poly_loss(z, one_hot, spec, reduction="none"),
                                    poly_loss(z, torch.tensor(labels), spec, reduction="none").tolist(), 1e-12)

    def test_every_sigmoid_loss_with_binary_targets(self):
        rows = random_rows(3, 5, 4, 5.0)
        rng = random.Random(4)
        targets = [[float(rng.random() < 0.4) for _ in row] for row in rows]
        z, t = torch.tensor(rows, dtype=F64), torch.tensor(targets, dtype=F64)
        for spec in SIGMOID_SPECS:
            with self.subTest(spec=spec):
                loss, base, poly, pt = poly_loss(z, t, spec, reduction="none", return_parts=True)
                self.assertEqual(list(loss.shape), [5, 4])
                ref = [[sigmoid_loss(spec, x, tk) for x, tk in zip(row, trow)] for row, trow in zip(rows, targets)]
                for i in range(5):
                    self.assertRelClose(loss[i], [r[0] for r in ref[i]], 1e-9, "%s loss row %d" % (spec, i))
                    self.assertRelClose(pt[i], [r[3] for r in ref[i]], 1e-9, "%s pt row %d" % (spec, i))
                # mean: summed over classes, then averaged over examples (as the engine trains).
                expected_mean = sum(sum(r[0] for r in row) for row in ref) / 5
                self.assertRelClose(poly_loss(z, t, spec).item(), expected_mean, 1e-9, "%s mean" % spec)
                expected_poly = sum(sum(r[2] for r in row) for row in ref) / 5
                self.assertRelClose(poly_loss(z, t, spec, return_parts=True).poly.item(), expected_poly, 1e-9)

    def test_sigmoid_class_indices_are_one_positive_per_row(self):
        rows, labels = rows_and_labels(11, K=3)
        z = torch.tensor(rows, dtype=F64)
        one_hot = torch.nn.functional.one_hot(torch.tensor(labels), 3).to(F64)
        spec = {"type": "poly-focal", "activation": "sigmoid", "alpha": 0.25, "epsilon": 1}
        self.assertEqual(poly_loss(z, torch.tensor(labels), spec, reduction="none").tolist(),
                         poly_loss(z, one_hot, spec, reduction="none").tolist())


class Underflow(Closeness, unittest.TestCase):
    """Pt of the target underflows float32 (≈ e^−115): loss and gradient stay finite and right."""

    def test_float32_rows_stay_finite_for_every_softmax_loss(self):
        ref_ce = softmax_loss({"type": "ce"}, UNDERFLOW_ROW, 0)[0]
        self.assertGreater(ref_ce, 115)
        for spec in SOFTMAX_SPECS:
            with self.subTest(spec=spec):
                z = torch.tensor([UNDERFLOW_ROW, [1.0, 2.0, 0.0, -1.0, 0.5]], dtype=torch.float32, requires_grad=True)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    loss = poly_loss(z, torch.tensor([0, 1]), spec, reduction="none")
                loss.sum().backward()
                self.assertTrue(torch.isfinite(loss).all(), loss)
                self.assertTrue(torch.isfinite(z.grad).all(), z.grad)
                expected = softmax_loss(spec, UNDERFLOW_ROW, 0)[0]
                self.assertRelClose(loss[0].item(), expected, 1e-5, str(spec))

    def test_float32_soft_labels_stay_finite(self):
        z = torch.tensor([UNDERFLOW_ROW], dtype=torch.float32, requires_grad=True)
        y = torch.tensor([[0.9, 0.0, 0.1, 0.0, 0.0]])
        loss = poly_loss(z, y, {"type": "poly-focal", "epsilon": 1})
        loss.backward()
        self.assertTrue(math.isfinite(loss.item()) and torch.isfinite(z.grad).all())
        self.assertRelClose(loss.item(), softmax_loss({"type": "poly-focal", "epsilon": 1}, UNDERFLOW_ROW, [0.9, 0, 0.1, 0, 0])[0], 1e-5)

    def test_float64_matches_reference_and_its_numeric_gradient(self):
        for spec in ({"type": "ce"}, {"type": "poly", "epsilon": 2}, {"type": "focal"}):
            with self.subTest(spec=spec):
                z = torch.tensor([UNDERFLOW_ROW], dtype=F64, requires_grad=True)
                loss = poly_loss(z, torch.tensor([0]), spec)
                loss.backward()
                self.assertRelClose(loss.item(), softmax_loss(spec, UNDERFLOW_ROW, 0)[0], 1e-9)
                numeric = numeric_gradient(lambda row: softmax_loss(spec, row, 0)[0], UNDERFLOW_ROW)
                self.assertRelClose(z.grad[0], numeric, 1e-5, "grad")


class Gradients(unittest.TestCase):
    """torch.autograd.gradcheck in float64 for every member of the family."""

    def gradcheck(self, spec, labels, seed, K=4):
        z = torch.tensor(random_rows(seed, 3, K, 3.0), dtype=F64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.assertTrue(torch.autograd.gradcheck(lambda x: poly_loss(x, labels, spec, reduction="none"), (z,)), spec)

    def test_softmax_family_with_class_indices(self):
        for seed, spec in enumerate(SOFTMAX_SPECS):
            with self.subTest(spec=spec):
                self.gradcheck(spec, torch.tensor([0, 3, 1]), seed)

    def test_softmax_family_with_soft_labels(self):
        soft = torch.tensor(soft_labels(5, 3, 4), dtype=F64)
        for seed, spec in enumerate(SOFTMAX_SPECS):
            with self.subTest(spec=spec):
                self.gradcheck(spec, soft, seed)

    def test_sigmoid_family(self):
        targets = torch.tensor([[1.0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 1, 0]], dtype=F64)
        for seed, spec in enumerate(SIGMOID_SPECS):
            with self.subTest(spec=spec):
                self.gradcheck(spec, targets, seed)


class ModuleAndErrors(unittest.TestCase):
    def test_module_equals_the_function(self):
        z = torch.tensor(SANITY_LOGITS, dtype=F64)
        y = torch.tensor(SANITY_LABELS)
        spec = {"type": "poly", "epsilon": [1, 0.5]}
        self.assertEqual(PolyLoss(spec)(z, y).item(), poly_loss(z, y, spec).item())
        self.assertEqual(PolyLoss(spec, reduction="none")(z, y).tolist(), poly_loss(z, y, spec, reduction="none").tolist())
        self.assertIn("Poly-2", repr(PolyLoss(spec)))

    def test_bad_specs_name_the_field_and_the_allowed_values(self):
        z = torch.zeros(2, 3)
        y = torch.tensor([0, 1])
        cases = [
            ({"type": "poly1"}, ["type", '"ce", "poly", "focal", "poly-focal"']),
            ({"type": "poly", "epsilon": "2"}, ["epsilon", "number or a list"]),
            ({"type": "poly", "epsilon": [1] * 33}, ["epsilon", "1 to 32"]),
            ({"type": "focal", "gamma": -1}, ["gamma", ">= 0"]),
            ({"type": "ce", "labelSmoothing": 1}, ["labelSmoothing", "[0, 1)"]),
            ({"type": "ce", "activation": "tanh"}, ["activation", '"softmax", "sigmoid"']),
            ({"type": "focal", "alpha": 0.25}, ["alpha", '"sigmoid"']),
            ({"type": "ce", "activation": "sigmoid", "labelSmoothing": 0.1}, ["labelSmoothing", '"softmax"']),
            ({"type": "ce", "eps": 1}, ['"eps"', '"epsilon"']),
            ("poly", ["loss spec"]),
        ]
        for spec, words in cases:
            with self.subTest(spec=spec):
                with self.assertRaises(ValueError) as raised:
                    poly_loss(z, y, spec)
                for word in words:
                    self.assertIn(word, str(raised.exception))

    def test_ignored_fields_and_a_negative_leading_coefficient_warn(self):
        z = torch.zeros(2, 3)
        y = torch.tensor([0, 1])
        for spec, word in (({"type": "poly", "epsilon": -2, "labelSmoothing": 0.0}, "monotone"),
                           ({"type": "ce", "gamma": 3}, "gamma is ignored")):
            with self.subTest(spec=spec), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                poly_loss(z, y, spec)
                self.assertTrue(any(word in str(w.message) for w in caught), [str(w.message) for w in caught])

    def test_bad_inputs_say_what_is_expected(self):
        spec = {"type": "ce"}
        for logits, labels, kwargs, word in (
            (torch.zeros(2, 3), torch.tensor([0, 1]), {"reduction": "avg"}, '"none", "mean", "sum"'),
            (torch.zeros(3), torch.tensor([0, 1, 2]), {}, "[batch, classes]"),
            (torch.zeros(2, 3), torch.tensor([0, 1, 2]), {}, "integer tensor [2]"),
            (torch.zeros(2, 3), torch.tensor([0, 3]), {}, "class indices in 0..2"),
            (torch.zeros(2, 3), torch.tensor([0.0, 1.0]), {}, "shaped like logits"),
        ):
            with self.subTest(word=word):
                with self.assertRaises(ValueError) as raised:
                    poly_loss(logits, labels, spec, **kwargs)
                self.assertIn(word, str(raised.exception))
        with self.assertRaises(ValueError) as raised:
            poly_loss(torch.zeros(2, 3), torch.full((2, 3), 2.0), {"type": "focal", "activation": "sigmoid"})
        self.assertIn("[0, 1]", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
