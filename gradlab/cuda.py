"""``torch.cuda`` as seen from gradlab: there is no GPU, so teaching code that
writes ``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted for compatibility; there is no GPU generator to seed."""
    return None


manual_seed_all = manual_seed
