"""Small stand-ins for the courses' data files, made from a seeded NumPy generator.

``names(count)`` replaces makemore's names.txt (lowercase name-like words); ``images``
replaces FashionMNIST / CIFAR-10 batches. Both give the same data on every run and
with either library, so only the code under test can make outputs differ.

``vocabulary`` and ``contexts`` are makemore's character tables and ``build_dataset`` loop
in plain Python, for the scripts whose lecture takes them as given (makemore_mlp.py and the
bigram scripts, whose lectures write them, keep their own copy); each script still makes
the tensors itself. ``backprop_ninja_parameters`` is the initialisation both backprop-ninja
scripts start from, drawn with the script's own ``randn``.
"""
import numpy as np

_ONSETS = ["", "b", "ch", "d", "el", "j", "k", "l", "m", "n", "r", "s", "sh", "t", "v", "z", "qu", "x"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ia", "ae", "ou"]
_CODAS = ["", "", "n", "l", "r", "s", "h", "ck", "th", "x", "w", "f", "g", "p"]


def names(count, seed=0):
    """``count`` lowercase words of 2 to 10 letters (every letter a-z appears)."""
    rng = np.random.default_rng(seed)
    words = ["abcdefghijklmnopqrstuvwxyz"[i:i + 4] for i in range(0, 26, 4)]  # every letter at least once
    while len(words) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.integers(1, 4)))
        if 2 <= len(word) <= 10:
            words.append(word)
    return words[:count]


def images(count, channels=1, size=28, classes=10, seed=0):
    """(float32 images in [0, 1] of shape (count, channels, size, size), int64 labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=count)
    # each class brightens its own band of rows, so a small net can learn something
    base = rng.random((count, channels, size, size)).astype(np.float32) * 0.5
    for index, label in enumerate(labels):
        band = (label * size) // classes
        base[index, :, band:band + max(1, size // classes), :] += 0.5
    return base.astype(np.float32), labels.astype(np.int64)


def vocabulary(words):
    """(``stoi``, ``itos``): each letter to 1..26 in alphabetical order, '.' (start and end) to 0."""
    chars = sorted(set(''.join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def contexts(words, block_size, stoi):
    """(X, Y) as lists: every ``block_size`` characters (0-padded) and the character after them."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return X, Y


def backprop_ninja_parameters(randn, vocab_size, block_size, n_embd, n_hidden):
    """[C, W1, b1, W2, b2, bngain, bnbias] as makemore_part4_backprop.ipynb draws them with ``randn``:
    small random biases and batchnorm parameters, not zeros and ones, so that a wrong manual
    gradient cannot hide behind a zero."""
    C = randn(vocab_size, n_embd)
    W1 = randn(n_embd * block_size, n_hidden) * (5 / 3) / ((n_embd * block_size) ** 0.5)
    b1 = randn(n_hidden) * 0.1
    W2 = randn(n_hidden, vocab_size) * 0.1
    b2 = randn(vocab_size) * 0.1
    bngain = randn(1, n_hidden) * 0.1 + 1.0
    bnbias = randn(1, n_hidden) * 0.1
    return [C, W1, b1, W2, b2, bngain, bnbias]
