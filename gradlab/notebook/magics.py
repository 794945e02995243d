"""The ``%%autograd`` and ``%grad_fn`` magics: run a cell, then show the graph it built.

``%load_ext gradlab`` calls :func:`load`, which registers both magics::

    %%autograd --backward loss
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    loss = (x ** 2).sum()

runs the cell as IPython would (same namespace, tracebacks that point at the
cell's own lines, Run All stops on an error), records the tensors it creates
with ``gradlab.viz.capture``, runs ``loss.backward()``, and shows the graph:
SVG in a notebook, text in a terminal. With ``--step`` it shows a
``gradlab.widgets.BackpropStepper`` instead, which runs the backward pass
itself and steps through it node by node. ``%grad_fn y`` prints the chain of
backward nodes behind ``y``, as walking ``y.grad_fn.next_functions`` by hand
would.

Drawing is ``gradlab.viz``'s job; this module only runs cells, reads options
and chooses what to display.
"""
import argparse
import ast
import sys

from IPython.core.displayhook import DisplayHook
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..tensor import Tensor
from ..viz import capture, graph, save_svg, to_svg, to_text

NO_TENSORS = "this cell created no tensors — nothing to draw"
NO_STEP_TARGET = ("--step: the cell assigned no one-element tensor that requires grad (a loss) to "
                  "step through; name one with --backward NAME. Showing the graph instead.")
AFTER_ERROR = "the graph the cell built before the error:"


# ---------------------------------------------------------------- the extension

def load(ipython):
    """Register the magics (``%load_ext gradlab``); loading twice replaces the first."""
    unload(ipython)
    magics = AutogradMagics(ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics._cell_starts)
    ipython.events.register("post_run_cell", magics._cell_ended)


def unload(ipython):
    """Remove the magics again (``%unload_ext gradlab``).

    IPython has no API to unregister a magic, so the entries are taken out of
    the magics manager's tables, only where they are still ours.
    """
    manager = ipython.magics_manager
    magics = manager.registry.pop(AutogradMagics.__name__, None)
    if magics is None:
        return
    for kind, name in (("cell", "autograd"), ("line", "grad_fn")):
        if getattr(manager.magics[kind].get(name), "__self__", None) is magics:
            del manager.magics[kind][name]
    for event, callback in (("pre_run_cell", magics._cell_starts),
                            ("post_run_cell", magics._cell_ended)):
        try:
            ipython.events.unregister(event, callback)
        except ValueError:
            pass


# ---------------------------------------------------------------- running a cell

def run_cell_body(shell, cell):
    """Run ``cell`` in the user namespace the way IPython runs a cell.

    The code is cached under the running cell's number, so a traceback reads
    ``Cell In[7], line 3`` and shows the student's line; one blank line is put
    first so line numbers count the ``%%autograd`` line, as the notebook does.
    Exceptions propagate, so the cell fails and Run All stops; whatever the
    cell assigned before the error stays in the namespace.

    Returns the value of a last line that is an expression (what a cell shows
    as ``Out[7]``), or None, also when that line ends with ``;``.
    """
    __tracebackhide__ = True
    source = "\n" + shell.transform_cell(cell)
    filename = shell.compile.cache(source, _cell_number(shell))
    statements = shell.transform_ast(shell.compile.ast_parse(source, filename=filename)).body
    last = None
    if statements and isinstance(statements[-1], ast.Expr) \
            and not DisplayHook.semicolon_at_end_of_expression(source):
        last = ast.Expression(statements.pop().value)
    exec(shell.compile(ast.Module(statements, type_ignores=[]), filename, "exec"), shell.user_ns)
    return None if last is None else eval(shell.compile(last, filename, "eval"), shell.user_ns)


def _cell_number(shell):
    # The number the running cell shows (In[7]). IPython 8 raises
    # shell.execution_count after a cell, later versions before it; the
    # running cell's result knows its own number in both.
    running = getattr(shell.displayhook, "exec_result", None)
    number = getattr(running, "execution_count", None)
    return shell.execution_count if number is None else number


def run_backward(namespace, name):
    """``NAME.backward()`` for ``%%autograd --backward NAME``, with plain-words errors."""
    __tracebackhide__ = True
    backward_target(namespace, name).backward()


def backward_target(namespace, name):
    """The one-element tensor ``--backward NAME`` names; plain-words errors otherwise."""
    __tracebackhide__ = True
    if name not in namespace:
        raise NameError(f"--backward {name}: the cell did not assign a variable named {name!r}")
    output = namespace[name]
    if not isinstance(output, Tensor):
        raise TypeError(f"--backward {name}: {name} is {_kind_of(output)}, not a tensor")
    if output.numel() != 1:
        raise RuntimeError(
            f"--backward {name}: grad can be implicitly created only for scalar outputs, and "
            f"{name} has shape {tuple(output.shape)}; reduce it to one number first "
            f"(e.g. loss = {name}.sum()) and pass --backward loss")
    return output


def step_target(captured, namespace, name=None):
    """The tensor ``--step`` steps through: ``--backward NAME``, else the cell's last scalar.

    None when the cell assigned no such tensor. Refuses a tensor the cell already ran
    backward on: the stepper runs the backward pass itself, a second one would add the
    gradients twice (or find the graph freed).
    """
    __tracebackhide__ = True
    output = backward_target(namespace, name) if name is not None else last_scalar(captured, namespace)
    for call in captured.backward_calls if output is not None else ():
        if any(tensor is output for tensor in call.outputs):
            where = f" (line {call.lineno})" if call.lineno is not None else ""
            raise RuntimeError(
                f"--step runs the backward pass itself, but the cell already called "
                f"{call.function}(){where} on the same tensor; remove that call and run the cell "
                "again")
    return output


def last_scalar(captured, namespace):
    """The one-element tensor requiring grad that the cell made last and assigned, or None."""
    assigned = {id(value) for value in namespace.values() if isinstance(value, Tensor)}
    for tensor in reversed(captured.tensors):
        if id(tensor) in assigned and tensor.numel() == 1 and tensor.requires_grad:
            return tensor
    return None


def _user_variables(shell):
    """The user's own variables: not IPython's ``In``/``Out`` history (``Out[3]`` is no name).

    The same rule as ``%who``: a name IPython put there and still holds its value is hidden.
    """
    hidden, missing = shell.user_ns_hidden, object()
    return {name: value for name, value in shell.user_ns.items()
            if value is not hidden.get(name, missing)}


def _kind_of(value):
    """``None``, ``an int``, ``a list``: what a value is, in words."""
    if value is None:
        return "None"
    noun = type(value).__name__
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


# ---------------------------------------------------------------- what a cell shows

class GraphDisplay:
    """The graph below a ``%%autograd`` cell: SVG where a front end can show it, text everywhere.

    ``text/plain`` is the text form (what a terminal prints and what nbval
    compares). The SVG is also sent as ``text/html``: JupyterLab draws
    ``image/svg+xml`` through an ``<img>``, where the hover titles (value,
    grad, shape) do not show; inline they do.
    """

    def __init__(self, graph, direction="LR", text_only=False):
        self.graph = graph
        self.direction = direction
        self.text_only = text_only
        self._svg = None

    def svg(self):
        if self._svg is None:
            self._svg = to_svg(self.graph, direction=self.direction)
        return self._svg

    def text(self):
        return to_text(self.graph)

    def _repr_svg_(self):
        return None if self.text_only else self.svg()

    def _repr_html_(self):
        return None if self.text_only else f'<div class="gradlab-graph">{self.svg()}</div>'

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def __repr__(self):
        return self.text()


def _positive_int(text):
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return number


def _parse(magic, line):
    """Parse a magic's options; a bad option raises UsageError with the usage line."""
    try:
        return parse_argstring(magic, line)
    except UsageError as error:
        usage = magic.parser.format_usage().replace("::\n\n  %", "usage: %%").strip()
        raise UsageError(f"{error}\n{usage}") from None


# ---------------------------------------------------------------- the magics

@magics_class
class AutogradMagics(Magics):
    """``%%autograd`` (run a cell, show its graph) and ``%grad_fn`` (print a grad_fn chain)."""

    def __init__(self, shell):
        super().__init__(shell)
        self._in_cell = False
        self._after_cell = []  # outputs to show once IPython has printed the cell's traceback

    @magic_arguments()
    @argument("--values", action=argparse.BooleanOptionalAction, default=True,
              help="show each tensor's value in the graph (--no-values hides them)")
    @argument("-g", "--grads", action=argparse.BooleanOptionalAction, default=True,
              help="show each tensor's .grad once a backward pass has filled it")
    @argument("--backward", metavar="NAME",
              help="after the cell, run NAME.backward(): NAME is a one-element tensor the cell "
                   "assigned (a loss); the graph then shows the gradients")
    @argument("--direction", type=str.upper, choices=("LR", "TB"), default="LR", metavar="LR|TB",
              help="data flows left to right (LR, the default) or top to bottom (TB)")
    @argument("--accumulate-grad", action="store_true",
              help="draw the AccumulateGrad nodes that store gradients into leaf tensors")
    @argument("--text", action="store_true",
              help="show the graph as text (an indented grad_fn chain) instead of a picture")
    @argument("--max-nodes", type=_positive_int, default=300, metavar="N",
              help="draw at most N nodes; a larger graph is summarised (default 300)")
    @argument("--save", metavar="PATH",
              help="also save the picture as an SVG file at PATH (when the cell succeeds)")
    @argument("--step", action="store_true",
              help="step through the backward pass node by node (a BackpropStepper widget) for "
                   "the tensor named by --backward NAME, else the last one-element tensor the cell "
                   "assigned; the stepper runs the backward pass itself (--direction and "
                   "--max-nodes apply to its picture)")
    @cell_magic
    def autograd(self, line, cell):
        """Run the cell, then show the autograd graph it built.

        Tensors are labelled with the cell's variable names; leaf tensors,
        non-leaf tensors and tensors that do not require grad are drawn
        differently, each grad_fn node carries PyTorch's name (PowBackward0).
        If the cell raises, the graph built so far is shown below the
        traceback and the error stands.
        """
        __tracebackhide__ = True
        options = _parse(self.autograd, line)
        if options.backward is not None and not options.backward.isidentifier():
            raise UsageError(f"--backward expects a variable name, got {options.backward!r}\n"
                             "usage: %%autograd --backward NAME")
        if options.step and options.text:
            raise UsageError("--step shows a widget, --text only text: choose one\n"
                             "usage: %%autograd --step [--backward NAME]")
        captured = None
        try:
            with capture() as captured:
                last_value = run_cell_body(self.shell, cell)
            if last_value is not None:
                sys.displayhook(last_value)  # Out[7], as the cell would show
            step_output = None
            if options.step:  # the stepper runs the backward pass itself
                step_output = step_target(captured, _user_variables(self.shell), options.backward)
            elif options.backward is not None:
                run_backward(self.shell.user_ns, options.backward)
        except BaseException:
            if captured is not None:
                self._after_traceback(lambda: self._show(captured, options, failed=True))
            raise
        self._show(captured, options, step_output=step_output)

    def _show(self, captured, options, failed=False, step_output=None):
        """Display the cell's graph (after a failure: what it built before the error)."""
        try:
            view = self._view(captured, options, step_output, failed) if captured.tensors else None
        except RuntimeError as error:
            # the cell ran; only its picture cannot be made (e.g. reading the grad_fn of a split
            # output whose base changed in place raises, in PyTorch too): say why, keep going
            print(f"(the cell ran, but its graph cannot be drawn: {error})")
            return
        if view is None or view.graph.is_empty:
            if not failed:
                print(NO_TENSORS)
            return
        if failed:
            print(AFTER_ERROR)
        display(view)
        if options.save and not failed:
            save_svg(view.graph, options.save, direction=options.direction)

    def _view(self, captured, options, step_output=None, failed=False):
        """What to display for a captured cell: its graph, or with ``--step`` a backprop stepper.

        ``step_output``: the tensor ``--step`` steps through (``step_target``), None if none.
        """
        namespace = _user_variables(self.shell)
        if options.step and not failed:
            if step_output is not None:
                from ..widgets.stepper import BackpropStepper  # ipywidgets only for a stepper
                return BackpropStepper(step_output, names=namespace, capture=captured,
                                       direction=options.direction, max_nodes=options.max_nodes)
            print(NO_STEP_TARGET)
        cell_graph = graph(captured, names=captured.name_tensors(namespace),
                           values=options.values, grads=options.grads,
                           accumulate_grad=options.accumulate_grad, max_nodes=options.max_nodes)
        return GraphDisplay(cell_graph, direction=options.direction, text_only=options.text)

    @line_magic
    def grad_fn(self, line):
        """Print the grad_fn chain behind a tensor: ``%grad_fn y``.

        The same walk as following ``y.grad_fn.next_functions`` by hand, down
        to the AccumulateGrad nodes of the leaves.
        """
        __tracebackhide__ = True
        expression = line.strip()
        if not expression:
            raise UsageError("%grad_fn needs an expression that gives a tensor\n"
                             "usage: %grad_fn EXPR   (e.g. %grad_fn y, %grad_fn y.sum())")
        value = self.shell.ev(expression)
        if not isinstance(value, Tensor):
            print(f"{expression} is {_kind_of(value)}, not a tensor: "
                  "only tensors have a grad_fn")
        elif value.grad_fn is None:
            print(_why_no_grad_fn(expression, value))
        else:
            chain = graph(value, names=_user_variables(self.shell), accumulate_grad=True)
            print(to_text(chain).rstrip())

    # IPython prints a failed cell's traceback after the magic has raised; an
    # output meant to come below it waits for the end of the cell.
    def _after_traceback(self, show):
        if self._in_cell:
            self._after_cell.append(show)
        else:
            show()

    def _cell_starts(self, info):
        self._in_cell = True

    def _cell_ended(self, result):
        self._in_cell = False
        pending, self._after_cell = self._after_cell, []
        for show in pending:
            show()


def _why_no_grad_fn(expression, tensor):
    if tensor.requires_grad:
        return (f"{expression}.grad_fn is None: {expression} is a leaf tensor. You created it "
                "(requires_grad=True) rather than computing it, so no operation recorded a "
                f"backward function; backward() will store its gradient in {expression}.grad.")
    return (f"{expression}.grad_fn is None: {expression} does not require grad "
            "(requires_grad=False), so autograd recorded nothing for it. It was created without "
            "requires_grad=True, or computed under torch.no_grad(), by .detach(), or by an "
            "operation with no gradient (a comparison, argmax).")
