/** The text of a new experiment file: a small, commented study that runs as it is. */

export function starterExperimentFile(): string {
  return `// PolyLoss Lab experiment: cross-entropy against Poly-1 on the bundled 8×8 digits.
//
// Cross-entropy is the polynomial −log Pt = Σ_j α_j (1−Pt)^j with α_j = 1/j. Poly-1 is
// CE + ε·(1−Pt): ε is added to the leading coefficient α_1 = 1 (the editor shows the
// resulting α after each epsilon). ε > 0 keeps pushing on examples the model already gets
// right; ε = −1 (Drop-1) removes the leading term; ε < −1 makes the loss non-monotone in Pt.
// The best ε depends on the task: the paper found ε = 2 on ImageNet and ε = −1 on COCO.
//
// Each run trains once per seed. "▶ Run" above an entry starts it, "Run all" starts them all;
// the polyloss command line runs the same file (see polyloss --help).
// Fields, defaults and snippets: hover a field or press Ctrl+Space; the schema is
// experiment.schema.json, shipped with PolyLoss Lab in media/schemas.
{
  "dataset": { "name": "digits", "validationFraction": 0.15, "testFraction": 0.15 },
  "model": { "type": "mlp", "hidden": [64] },
  "training": {
    "optimizer": { "type": "adam", "learningRate": 0.001 },
    "batchSize": 64,
    "epochs": 10,
    "seeds": [1, 2, 3]
  },
  "runs": [
    { "name": "ce", "loss": { "type": "ce" } },
    { "name": "poly1-eps-1", "loss": { "type": "poly", "epsilon": -1 } },
    { "name": "poly1-eps1", "loss": { "type": "poly", "epsilon": 1 } },
    { "name": "poly1-eps2", "loss": { "type": "poly", "epsilon": 2 } }
  ]
}
`;
}
