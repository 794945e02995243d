"""Running a student's code inside a checker: with a time limit, and "by hand" with autograd off.

``run_with_time_limit(function, *args)`` calls the student's function and stops
it when it runs longer than ``TIME_LIMIT`` seconds (an endless loop must not
hang the kernel). ``run_by_hand(function, *args)`` does the same with autograd
switched off for the call: nothing is recorded, and the student's code may not
reach for autograd (``backward()``, ``torch.autograd.grad``, ``functional``,
``gradcheck``, ``requires_grad_()``, ``enable_grad()``, ``sum_to_size``) —
the exercise asks for the rule itself. ``Exercise.evaluate`` turns both stops
into a sentence.

Both stops are ``BaseException``\\ s, as ``KeyboardInterrupt`` is, so a
student's ``try: … except Exception:`` cannot swallow them, and neither can a
checker's. The time limit uses ``SIGALRM`` where the platform has it and the
check runs in the main thread (as a notebook cell does), otherwise
``_thread.interrupt_main``; a check run in another thread has no limit.
"""
import _thread
import builtins
import contextlib
import functools
import signal
import sys
import threading

__all__ = ["ByHand", "StudentCodeStopped", "TIME_LIMIT", "TimeLimitExceeded", "run_by_hand",
           "run_with_time_limit", "time_limit"]

TIME_LIMIT = 10.0  # seconds for one check, student code included


class StudentCodeStopped(BaseException):
    """The student's code was stopped; ``str()`` is the sentence the student reads."""

    nudge = ""


class TimeLimitExceeded(StudentCodeStopped):
    """The check ran longer than its time limit."""

    def __init__(self, seconds):
        super().__init__(f"your code was still running after {seconds:g} seconds, so the check "
                         "stopped it.")
        self.nudge = ("Look for a loop that never ends (a while whose condition never changes) or "
                      "work far larger than the exercise needs; run your code alone in a cell to see.")


class ByHand(StudentCodeStopped):
    """A "by hand" exercise's code reached for autograd."""

    def __init__(self, used):
        super().__init__(f"this exercise asks for the rule itself, so autograd is switched off while "
                         f"your code runs — but it uses {used}.")
        self.used = used
        self.nudge = ("Compute the gradient from its formula with ordinary tensor operations "
                      "(+, *, @, .sum(), .T …), without backward() or torch.autograd.")


# ---------------------------------------------------------------------------
# the time limit
# ---------------------------------------------------------------------------

_limit_state = threading.local()


@contextlib.contextmanager
def time_limit(seconds=None):
    """Stop the code inside after ``seconds`` (``TIME_LIMIT`` by default) with TimeLimitExceeded.

    Nested limits keep the outer one; ``seconds`` of 0 or None-with-no-main-thread means no limit.
    """
    seconds = TIME_LIMIT if seconds is None else seconds
    if getattr(_limit_state, "active", False) or not seconds or seconds <= 0:
        yield
        return
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not in_main_thread:
        yield
        return
    _limit_state.active = True
    try:
        if hasattr(signal, "setitimer"):
            with _alarm(seconds):
                yield
        else:
            with _interrupt_main_after(seconds):
                yield
    finally:
        _limit_state.active = False


@contextlib.contextmanager
def _alarm(seconds):
    def stop(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, 1.0)  # again in a second, should the code catch it
        raise TimeLimitExceeded(seconds)

    previous_handler = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)


@contextlib.contextmanager
def _interrupt_main_after(seconds):
    fired = threading.Event()

    def interrupt():
        fired.set()
        _thread.interrupt_main()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except KeyboardInterrupt:
        if fired.is_set():
            raise TimeLimitExceeded(seconds) from None
        raise
    finally:
        timer.cancel()


def run_with_time_limit(function, *args, **kwargs):
    """``function(*args, **kwargs)``, stopped with TimeLimitExceeded past the time limit."""
    with time_limit():
        return function(*args, **kwargs)


# ---------------------------------------------------------------------------
# autograd switched off
# ---------------------------------------------------------------------------

def run_by_hand(function, *args, refuse=(), **kwargs):
    """``function(*args, **kwargs)`` with a time limit and autograd switched off.

    Nothing is recorded (grad mode is off and cannot be switched back on), and
    the student's code calling autograd raises ByHand. ``refuse`` adds
    functions the exercise also forbids, as ``{function: "how the student would
    write the call"}`` (or a sequence of functions). Graphs made before the
    call can still be walked: calling a node, ``node(grad)``, is allowed.
    """
    from ..autograd.grad_mode import no_grad

    refused = _autograd_entry_points()
    refused.update(refuse if isinstance(refuse, dict)
                   else {f: f"{getattr(f, '__name__', 'that function')}()" for f in refuse})
    violations = []
    with time_limit(), no_grad(), _refusing(refused, violations, getattr(function, "__globals__", None)):
        try:
            result = function(*args, **kwargs)
        except Exception:
            if violations:  # the student's code caught our ByHand and failed on something else
                raise ByHand(violations[0]) from None
            raise
    if violations:  # caught and ignored inside the student's code: still refused
        raise ByHand(violations[0])
    return result


def _autograd_entry_points():
    """The public ways into autograd, each with how a student would write the call."""
    from ..autograd import engine, functional
    from ..autograd.gradcheck import (
        get_analytical_jacobian, get_numerical_jacobian, gradcheck, gradgradcheck,
    )

    refused = {
        engine.backward: "torch.autograd.backward()",
        engine.grad: "torch.autograd.grad()",
        engine.iter_backward: "torch.autograd.iter_backward()",
        gradcheck: "torch.autograd.gradcheck()",
        gradgradcheck: "torch.autograd.gradgradcheck()",
        get_numerical_jacobian: "a numerical Jacobian (finite differences)",
        get_analytical_jacobian: "autograd's Jacobian",
    }
    for name in ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"):
        if hasattr(functional, name):
            refused[getattr(functional, name)] = f"torch.autograd.functional.{name}()"
    return refused


def _called_from_gradlab(depth=2):
    """True when the caller is gradlab's own code (not an exercise, not the student)."""
    name = sys._getframe(depth).f_globals.get("__name__", "")
    # grad_mode's own decorators re-enter the mode they wrap: a student's @torch.enable_grad() too
    return (name.startswith("gradlab.") and not name.startswith("gradlab.exercises")
            and name != "gradlab.autograd.grad_mode")


def _guard(original, used, violations):
    @functools.wraps(original)
    def refused(*args, **kwargs):
        if _called_from_gradlab():
            return original(*args, **kwargs)
        violations.append(used)
        raise ByHand(used)

    del refused.__wrapped__  # functools.wraps' way back to the original stays closed to the student
    return refused


_PYTORCH_AUTOGRAD = {
    "torch.autograd": ("grad", "backward"),
    "torch.autograd.functional": ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"),
    "torch.func": ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"),
}


def _pytorch_autograd():
    """(module, name) of the real PyTorch's autograd entry points, when PyTorch is loaded."""
    homes = []
    for module_name, names in _PYTORCH_AUTOGRAD.items():
        module = sys.modules.get(module_name)
        if module is not None:
            homes += [(module, name) for name in names if callable(vars(module).get(name))]
    tensor_module = sys.modules.get("torch._tensor")
    if tensor_module is not None and hasattr(tensor_module, "Tensor"):
        homes.append((tensor_module.Tensor, "backward"))
    return homes


def _patched(patches, owner, name):
    return any(o is owner and n == name for o, n, _ in patches)


@contextlib.contextmanager
def _refusing(refused, violations, student_globals):
    """Replace each refused function wherever it is bound, and autograd's doors on Tensor."""
    from ..autograd import grad_mode
    from ..tensor import Tensor

    patches = []  # (namespace dict or class, name, original)

    def patch(owner, name, replacement):
        original = owner.__dict__[name] if isinstance(owner, type) else owner[name]
        patches.append((owner, name, original))
        if isinstance(owner, type):
            setattr(owner, name, replacement)
        else:
            owner[name] = replacement

    namespaces = [vars(module) for name, module in list(sys.modules.items())
                  if module is not None and (name == "gradlab" or name.startswith("gradlab."))]
    if student_globals is not None and all(student_globals is not n for n in namespaces):
        namespaces.append(student_globals)
    pytorch_homes = _pytorch_autograd()  # the real PyTorch's autograd, if it is loaded
    for module, name in pytorch_homes:
        refused.setdefault(vars(module)[name], f"PyTorch's {module.__name__}.{name}()")
    by_identity = {id(function): used for function, used in refused.items()}
    for namespace in namespaces:
        for name, value in list(namespace.items()):
            # by identity (the refused functions are alive, so an id is theirs): a student's
            # objects are never hashed or compared
            used = by_identity.get(id(value))
            if used is not None:
                patch(namespace, name, _guard(value, used, violations))

    for home, name in pytorch_homes:
        owner = home if isinstance(home, type) else vars(home)
        if not _patched(patches, owner, name):
            original = vars(home)[name]
            patch(owner, name, _guard(original, refused[original], violations))
    real_import = builtins.__import__

    def guarded_import(name, *args, **kwargs):
        # loaded already, PyTorch's autograd is refused above; not loaded, loading it is refused
        if (name == "torch" or name.startswith("torch.")) and "torch" not in sys.modules \
                and not _called_from_gradlab():
            violations.append("the real PyTorch (import torch)")
            raise ByHand("the real PyTorch (import torch)")
        return real_import(name, *args, **kwargs)

    patch(vars(builtins), "__import__", guarded_import)
    patch(Tensor, "backward", _guard(Tensor.backward, "x.backward()", violations))
    patch(Tensor, "sum_to_size", _guard(Tensor.sum_to_size, "x.sum_to_size()", violations))
    original_requires_grad_ = Tensor.requires_grad_

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _called_from_gradlab():
            violations.append("x.requires_grad_()")
            raise ByHand("x.requires_grad_()")
        return original_requires_grad_(self, requires_grad)

    patch(Tensor, "requires_grad_", requires_grad_)
    getter = Tensor.__dict__["requires_grad"].fget

    def set_requires_grad(self, value):
        if value and not _called_from_gradlab():
            violations.append("x.requires_grad = True")
            raise ByHand("x.requires_grad = True")
        original_requires_grad_(self, value)

    patch(Tensor, "requires_grad", property(getter, set_requires_grad))

    original_enter = grad_mode._GradModeContext.__enter__

    def enter(self):
        if self._mode and not _called_from_gradlab():
            violations.append("torch.enable_grad()")
            raise ByHand("torch.enable_grad()")
        return original_enter(self)

    patch(grad_mode._GradModeContext, "__enter__", enter)
    original_init = grad_mode.set_grad_enabled.__init__

    def init(self, mode):
        if mode is True and not _called_from_gradlab():
            violations.append("torch.set_grad_enabled(True)")
            raise ByHand("torch.set_grad_enabled(True)")
        original_init(self, mode)

    patch(grad_mode.set_grad_enabled, "__init__", init)

    # the flag itself: grad_mode._state.enabled = True from the student's code is refused too
    # (a property on the thread-local class, reading and writing each thread's own value)
    def get_enabled(state):
        return state.__dict__.get("enabled", True)

    def set_enabled(state, value):
        if value and not _called_from_gradlab():
            violations.append("torch.autograd.grad_mode._state.enabled = True")
            raise ByHand("torch.autograd.grad_mode._state.enabled = True")
        state.__dict__["enabled"] = value

    patch(type(grad_mode._state), "enabled", property(get_enabled, set_enabled))
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            if isinstance(owner, type):
                setattr(owner, name, original)
            else:
                owner[name] = original
