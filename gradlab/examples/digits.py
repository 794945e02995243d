"""A real training run: handwritten digits with an MLP and a small CNN.

The models and the training loop are ordinary PyTorch code, written with
``import gradlab as torch`` (only the imports and the data loading name
gradlab)::

    from gradlab.examples.digits import train_mlp, train_cnn, evaluate
    model, history = train_mlp()
    history["test_accuracy"][-1]          # ≈ 0.98

The data are scikit-learn's 8×8 digits (``gradlab.datasets.load_digits``),
split 80/20 into training and held-out test images with a fixed seed.
``python -m gradlab.examples.digits`` trains both models and prints the
accuracy after every epoch.
"""
import contextlib
import time

import gradlab as torch
from gradlab import nn
from gradlab.datasets import load_digits, train_test_split
from gradlab.utils.data import DataLoader, TensorDataset


def make_mlp(hidden=128):
    """64 pixels → ``hidden`` ReLU units → 10 class scores."""
    return nn.Sequential(
        nn.Linear(64, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 10),
    )


def make_cnn():
    """Two conv + pool stages (8×8 → 4×4 → 2×2), then a linear layer over the 32·2·2 features."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def digits_split(as_images=False, seed=0):
    """``(x_train, x_test, y_train, y_test)``: the same 80/20 split for both models."""
    images, labels = load_digits(as_images=as_images)
    return train_test_split(images, labels, test_size=0.2, seed=seed)


def evaluate(model, images, labels, batch_size=512):
    """The fraction of ``images`` whose highest score is the right label (in eval mode, no graph)."""
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            scores = model(images[start:start + batch_size])
            correct += (scores.argmax(dim=1) == labels[start:start + batch_size]).sum().item()
    model.train(was_training)
    return correct / len(images)


def _one_blas_thread():
    """Run NumPy's matrix products on one thread while training.

    These matrices are small: splitting each product over several threads
    costs more than it saves, and when other programs keep the cores busy the
    threads wait for each other (a 0.2 s run can take 10 s). threadpoolctl
    comes with scikit-learn, which the digits need anyway.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def fit(model, optimizer, data, epochs, batch_size, seed, verbose=False):
    """The training loop every lesson uses; returns the history of loss and accuracies per epoch."""
    with _one_blas_thread():
        return _fit(model, optimizer, data, epochs, batch_size, seed, verbose)


def _fit(model, optimizer, data, epochs, batch_size, seed, verbose):
    x_train, x_test, y_train, y_test = data
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "train_accuracy": [], "test_accuracy": [], "seconds": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        history["loss"].append(total / count)
        history["train_accuracy"].append(evaluate(model, x_train, y_train))
        history["test_accuracy"].append(evaluate(model, x_test, y_test))
        history["seconds"].append(time.perf_counter() - start)
        if verbose:
            print(f"epoch {epoch + 1:2d}  loss {history['loss'][-1]:.4f}  "
                  f"train {history['train_accuracy'][-1]:.3f}  "
                  f"test {history['test_accuracy'][-1]:.3f}  "
                  f"({history['seconds'][-1]:.1f} s)")
    return history


def train_mlp(epochs=20, seed=0, lr=3e-3, batch_size=64, hidden=128, verbose=False):
    """Train ``make_mlp()`` with Adam; returns ``(model, history)``.

    The defaults reach about 98% held-out accuracy in under a second.
    """
    torch.manual_seed(seed)  # the initial weights
    model = make_mlp(hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, optimizer, digits_split(as_images=False), epochs, batch_size, seed, verbose)
    return model, history


def train_cnn(epochs=15, seed=0, lr=1e-2, batch_size=64, verbose=False):
    """Train ``make_cnn()`` with Adam on (N, 1, 8, 8) images; returns ``(model, history)``.

    The defaults reach about 98% held-out accuracy in a few seconds.
    """
    torch.manual_seed(seed)
    model = make_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, optimizer, digits_split(as_images=True), epochs, batch_size, seed, verbose)
    return model, history


def main():
    print("MLP:", make_mlp(), sep="\n")
    _, mlp = train_mlp(verbose=True)
    print("\nCNN:", make_cnn(), sep="\n")
    _, cnn = train_cnn(verbose=True)
    print(f"\nheld-out accuracy: MLP {mlp['test_accuracy'][-1]:.3f} in {mlp['seconds'][-1]:.1f} s, "
          f"CNN {cnn['test_accuracy'][-1]:.3f} in {cnn['seconds'][-1]:.1f} s")


if __name__ == "__main__":
    main()
