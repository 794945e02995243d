"""torch.accelerator (gradlab/accelerator.py) against a CPU build of PyTorch: nothing is
available, and what would reach a device raises PyTorch's errors."""
import warnings

import pytest

import gradlab


@pytest.mark.parametrize("code", [
    "torch.accelerator.is_available()", "torch.accelerator.current_accelerator()",
    "torch.accelerator.current_accelerator(check_available=True)", "torch.accelerator.device_count()",
    "torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else 'cpu'",
    "torch.accelerator.current_device_index()", "torch.accelerator.current_device_idx()",
    "torch.accelerator.set_device_index(0)", "torch.accelerator.set_device_index(None)",
    "torch.accelerator.set_device_idx(0)", "torch.accelerator.synchronize()", "torch.accelerator.synchronize(0)",
    "torch.accelerator.current_stream()", "torch.accelerator.empty_cache()",
    "torch.accelerator.memory_allocated()", "torch.accelerator.max_memory_allocated()",
    "torch.accelerator.memory_reserved()", "torch.accelerator.memory_stats()",
    "torch.accelerator.reset_peak_memory_stats()", "torch.accelerator.get_memory_info()",
    "torch.accelerator.get_device_capability()",
    "torch.accelerator.device_index(None).__enter__()", "torch.accelerator.device_index(0).__enter__()",
])
def test_matches_a_cpu_build_of_torch(torch, code):
    def outcome(lib):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return "ok", repr(eval(code, {"torch": lib}))
        except Exception as error:
            return "error", error

    (kind, expected), (our_kind, ours) = outcome(torch), outcome(gradlab)
    assert our_kind == kind, (expected, ours)
    if kind == "ok":
        assert ours == expected
    else:
        assert type(ours) is type(expected) and str(ours) == str(expected)


def test_the_old_index_names_warn_as_pytorch_does():
    with pytest.warns(FutureWarning, match="Use `current_device_index` instead"):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            gradlab.accelerator.current_device_idx()


def test_tutorial_device_line_picks_the_cpu():
    torch = gradlab
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    assert device == "cpu" and torch.zeros(2, device=device).device.type == "cpu"
    with torch.accelerator.device_index(None):
        pass
