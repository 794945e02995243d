"""``BatchNorm1d`` and ``BatchNorm2d``: normalize each channel over the batch.

While training, each channel is standardised with the mean and (biased) variance
of the batch, and the layer keeps running averages of them in three buffers:
``running_mean``, ``running_var`` (updated with the unbiased variance) and
``num_batches_tracked``.  In ``eval()`` mode those running values are used
instead, so one sample gives the same answer as it would in a batch.

``momentum`` weighs each new batch in the running averages
(running ← (1 - momentum) · running + momentum · batch); ``momentum=None`` takes
the plain average of all batches so far (1 / num_batches_tracked).
"""
from ... import creation
from ... import dtypes
from .. import functional as F
from .module import Module
from .normalization import _register_affine, _reset_affine


class _BatchNorm(Module):
    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        factory = {"device": device, "dtype": dtype}
        _register_affine(self, num_features, affine, bias, factory)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, **factory))
            self.register_buffer("running_var", creation.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked",
                                 creation.tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input_dim(self, input):
        """Abstract, as in PyTorch: BatchNorm1d and BatchNorm2d each accept their own ranks."""
        raise NotImplementedError(f"{type(self).__name__} must define _check_input_dim()")

    def forward(self, input):
        self._check_input_dim(input)
        weight_of_batch = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a plain average of every batch so far
                weight_of_batch = 1.0 / float(self.num_batches_tracked)
        # batch statistics while training, and in eval() when there are no running ones
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep_running else None,
                            self.running_var if keep_running else None, self.weight, self.bias,
                            use_batch_stats, weight_of_batch, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs: one mean and variance per channel C."""

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images: one mean and variance per channel C."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
