"""gradlab.exercises.student_code: a time limit on student code, and "by hand" with autograd off."""
import signal
import threading
import time

import pytest

import gradlab as torch
from gradlab import nn
from gradlab.autograd import grad as imported_grad
from gradlab.exercises import student_code
from gradlab.exercises.core import Exercise, expect_tensor
from gradlab.exercises.student_code import (
    ByHand, TimeLimitExceeded, run_by_hand, run_with_time_limit, time_limit,
)


def endless(_=None):
    while True:
        pass


def endless_swallowing_errors(_=None):
    while True:
        try:
            sum(range(100))
        except Exception:  # a student's broad except must not swallow the stop
            pass


# ---------------------------------------------------------------------------
# the time limit
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("loop", [endless, endless_swallowing_errors])
def test_an_endless_loop_is_stopped_with_a_sentence(loop):
    exercise = Exercise("loop", "q", lambda answer: run_with_time_limit(answer, 1), kind="code",
                        time_limit=0.5)
    started = time.perf_counter()
    feedback = exercise.evaluate(loop)
    assert time.perf_counter() - started < 5
    assert feedback.status == "wrong"
    assert "still running after 0.5 seconds" in str(feedback)
    assert "loop that never ends" in str(feedback)
    assert "Traceback" not in str(feedback)


def test_the_kernel_is_usable_afterwards_and_the_alarm_is_put_back():
    def previous(signum, frame):
        pass

    old = signal.signal(signal.SIGALRM, previous)
    try:
        with pytest.raises(TimeLimitExceeded):
            with time_limit(0.2):
                endless()
        assert signal.getsignal(signal.SIGALRM) is previous
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert run_with_time_limit(lambda: 41 + 1) == 42
    finally:
        signal.signal(signal.SIGALRM, old)


def test_an_inner_limit_keeps_the_outer_one():
    with time_limit(5):
        with time_limit(0.01):
            time.sleep(0.1)  # the inner 0.01 s is not armed: no stop
    with pytest.raises(TimeLimitExceeded):
        with time_limit(0.2):
            with time_limit(60):
                endless()


def test_without_setitimer_the_main_thread_is_interrupted():
    with pytest.raises(TimeLimitExceeded):
        with student_code._interrupt_main_after(0.2):
            endless()


def test_a_real_keyboard_interrupt_stays_one():
    with pytest.raises(KeyboardInterrupt):
        with student_code._interrupt_main_after(30):
            raise KeyboardInterrupt


def test_outside_the_main_thread_there_is_no_limit_and_no_error():
    results = []
    thread = threading.Thread(target=lambda: results.append(run_with_time_limit(sum, [1, 2, 3])))
    thread.start()
    thread.join()
    assert results == [6]


def test_a_slow_checker_is_stopped_too():
    exercise = Exercise("slow", "q", lambda answer: endless(), time_limit=0.3)
    assert "still running after 0.3 seconds" in str(exercise.evaluate(1))


# ---------------------------------------------------------------------------
# by hand: autograd switched off for the student's code
# ---------------------------------------------------------------------------

def square_gradient_exercise():
    return Exercise(
        "square", "Write the gradient of (x * x).sum()",
        lambda f: expect_tensor(run_by_hand(f, torch.tensor([1.0, 2.0])), torch.tensor([2.0, 4.0])),
        kind="code")


def uses_backward(x):
    x = x.detach().requires_grad_()
    (x * x).sum().backward()
    return x.grad


def sets_requires_grad(x):
    x.requires_grad = True
    (x * x).sum().backward()
    return x.grad


def makes_a_leaf(x):
    leaf = torch.tensor(x.tolist(), requires_grad=True)
    return torch.autograd.grad((leaf * leaf).sum(), leaf)[0]


def imported_grad_by_name(x):
    leaf = torch.tensor(x.tolist(), requires_grad=True)
    return imported_grad((leaf * leaf).sum(), leaf)[0]


def catches_the_refusal(x):
    try:
        return torch.autograd.grad((x * x).sum(), x)[0]
    except BaseException:
        return 2 * x


def enables_grad(x):
    with torch.enable_grad():
        leaf = x.clone()
    return 2 * leaf


@torch.enable_grad()
def decorated_with_enable_grad(x):
    return 2 * x


def set_grad_enabled(x):
    torch.set_grad_enabled(True)
    return 2 * x


def jacobian(x):
    return torch.autograd.functional.jacobian(lambda t: (t * t).sum(), x)


def finite_differences_by_gradcheck(x):
    from gradlab.autograd.gradcheck import get_numerical_jacobian
    return get_numerical_jacobian(lambda t: (t * t).sum(), (x.double(),))[0][0].reshape(2).float()


def sums_to_size(x):
    return (2 * x).expand(3, 2).sum_to_size(2) / 3


def iter_backward(x):
    leaf = torch.tensor(x.tolist(), requires_grad=True)
    for _ in torch.autograd.iter_backward((leaf * leaf).sum()):
        pass
    return leaf.grad


@pytest.mark.parametrize("cheat, used", [
    (uses_backward, "x.requires_grad_()"),
    (sets_requires_grad, "x.requires_grad = True"),
    (makes_a_leaf, "torch.autograd.grad()"),
    (imported_grad_by_name, "torch.autograd.grad()"),
    (catches_the_refusal, "torch.autograd.grad()"),
    (enables_grad, "torch.enable_grad()"),
    (decorated_with_enable_grad, "torch.enable_grad()"),
    (set_grad_enabled, "torch.set_grad_enabled(True)"),
    (jacobian, "torch.autograd.functional.jacobian()"),
    (finite_differences_by_gradcheck, "a numerical Jacobian"),
    (sums_to_size, "x.sum_to_size()"),
    (iter_backward, "torch.autograd.iter_backward()"),
])
def test_autograd_in_a_by_hand_answer_is_refused_with_what_it_used(cheat, used):
    feedback = square_gradient_exercise().evaluate(cheat)
    assert feedback.status == "wrong", str(feedback)
    assert "asks for the rule itself" in str(feedback)
    assert used in str(feedback)
    assert "Traceback" not in str(feedback)


def test_everything_is_put_back_after_a_by_hand_run():
    grad_before, backward_before = torch.autograd.grad, torch.Tensor.backward
    square_gradient_exercise().evaluate(uses_backward)
    square_gradient_exercise().evaluate(imported_grad_by_name)
    assert torch.autograd.grad is grad_before and torch.Tensor.backward is backward_before
    assert imported_grad is grad_before
    assert torch.is_grad_enabled()
    x = torch.tensor([1.0, 2.0])
    x.requires_grad = True
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    with torch.enable_grad():
        pass


def test_the_rule_written_by_hand_passes_even_when_it_builds_modules():
    def by_hand(x):
        nn.Linear(2, 2)  # gradlab's own code may make parameters
        return 2 * x

    assert square_gradient_exercise().evaluate(by_hand).correct


def test_nodes_of_a_graph_made_before_can_be_called():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()

    def walk(root):
        grad_of_product = root.grad_fn(torch.tensor(1.0))
        product = root.grad_fn.next_functions[0][0]
        return product(grad_of_product)

    grads = run_by_hand(walk, y)
    assert [g.tolist() for g in grads] == [[1.0, 2.0], [1.0, 2.0]]


def test_refuse_adds_the_functions_an_exercise_forbids():
    def clip(parameters):
        return nn.utils.clip_grad_norm_(parameters, 1.0)

    parameter = nn.Parameter(torch.ones(3))
    parameter.grad = torch.ones(3)
    with pytest.raises(ByHand, match="clip_grad_norm_"):
        run_by_hand(clip, [parameter], refuse={nn.utils.clip_grad_norm_: "clip_grad_norm_()"})
    with pytest.raises(ByHand, match="clip_grad_norm_"):
        run_by_hand(clip, [parameter], refuse=[nn.utils.clip_grad_norm_])
    assert run_by_hand(clip, [parameter]).item() == pytest.approx(3 ** 0.5)


def test_a_students_error_is_still_theirs():
    def broken(x):
        return x @ torch.ones(3)

    feedback = square_gradient_exercise().evaluate(broken)
    assert feedback.status == "error" and "RuntimeError" in str(feedback)


# ---------------------------------------------------------------------------
# the real PyTorch, inside a by-hand answer or instead of gradlab
# ---------------------------------------------------------------------------

def test_importing_the_real_pytorch_in_a_by_hand_answer_is_refused():
    def through_pytorch(x):
        import torch as real_torch

        leaf = real_torch.tensor(x.tolist(), requires_grad=True)
        (leaf * leaf).sum().backward()
        return torch.tensor(leaf.grad.tolist())

    feedback = square_gradient_exercise().evaluate(through_pytorch)
    assert "asks for the rule itself" in str(feedback) and "PyTorch" in str(feedback)  # import or autograd


def test_pytorchs_own_autograd_is_refused_when_it_is_loaded():
    real_torch = pytest.importorskip("torch")

    def pytorch_backward(x):
        leaf = real_torch.tensor(x.tolist(), requires_grad=True)
        (leaf * leaf).sum().backward()
        return torch.tensor(leaf.grad.tolist())

    def pytorch_grad(x):
        leaf = real_torch.tensor(x.tolist(), requires_grad=True)
        return torch.tensor(real_torch.autograd.grad((leaf * leaf).sum(), leaf)[0].tolist())

    for cheat, used in [(pytorch_backward, "Tensor.backward()"), (pytorch_grad, "torch.autograd.grad()")]:
        feedback = str(square_gradient_exercise().evaluate(cheat))
        assert "asks for the rule itself" in feedback and used in feedback, feedback
    leaf = real_torch.tensor([1.0, 2.0], requires_grad=True)
    (leaf * leaf).sum().backward()  # put back afterwards
    assert leaf.grad.tolist() == [2.0, 4.0]


def test_code_written_where_torch_is_the_real_pytorch_is_told_so():
    real_torch = pytest.importorskip("torch")
    namespace = {"torch": real_torch}
    exec("def derivative(x):\n    return torch.cos(x)\n", namespace)
    feedback = str(square_gradient_exercise().evaluate(namespace["derivative"]))
    assert "uses PyTorch itself" in feedback and "import gradlab as torch" in feedback


def flips_the_grad_mode_flag(x):
    from gradlab.autograd import grad_mode
    grad_mode._state.enabled = True
    leaf = torch.tensor(x.tolist(), requires_grad=True)
    return (leaf * leaf).grad_fn(torch.ones(2))[0]


def unwraps_a_refused_function(x):
    return torch.autograd.grad.__wrapped__


def test_the_grad_mode_flag_itself_is_guarded_and_refused_functions_stay_closed():
    feedback = square_gradient_exercise().evaluate(flips_the_grad_mode_flag)
    assert "asks for the rule itself" in str(feedback) and "_state.enabled = True" in str(feedback)
    assert torch.is_grad_enabled()
    feedback = square_gradient_exercise().evaluate(unwraps_a_refused_function)
    assert feedback.status == "error" and "__wrapped__" in str(feedback)
    from gradlab.autograd import grad_mode
    assert "enabled" not in vars(type(grad_mode._state)) or vars(type(grad_mode._state))["enabled"] is True

    def switches_off_and_reads(x):
        with torch.no_grad():
            torch.set_grad_enabled(False)
        return 2 * x if not torch.is_grad_enabled() else x

    assert square_gradient_exercise().evaluate(switches_off_and_reads).correct
