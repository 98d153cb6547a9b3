"""PolyLoss Lab client: track your own training script as a PolyLoss Lab run.

    import polyloss_lab
    from polyloss_lab.torch import poly_loss

    with polyloss_lab.init(loss={"type": "poly", "epsilon": 1}, seed=1) as run:
        for step, (x, y) in enumerate(batches, 1):
            loss, base, poly, pt = poly_loss(model(x), y, run.loss, return_parts=True)
            ...
            run.log_step(step, loss=loss.item(), base=base.item(), poly=poly.item())
        run.log_epoch(1, val_acc=0.93, pt=val_pt)
        run.finish(test_acc=0.92)

The core is standard library only; `polyloss_lab.torch` imports torch.
"""
from .loss_spec import describe_loss, validate_loss_spec
from .run import Run, init

__version__ = "0.2.0"
__all__ = ["init", "Run", "validate_loss_spec", "describe_loss", "__version__"]
