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

Options are split as a POSIX shell splits them (quotes, ``~``; IPython has
already put in ``$name`` / ``{expression}`` values) and checked, ``--save``
path included, before the cell runs: every mistake is a one-line
``UsageError`` and no work is lost. A cell with top-level ``await`` runs in
IPython's event loop as a plain cell would (``autograd_async``).

Drawing is ``gradlab.viz``'s job; this module only runs cells, reads options
and chooses what to display.
"""
import argparse
import ast
import inspect
import os
import shlex
import sys
import weakref

from IPython.core.displayhook import DisplayHook
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display

from ..tensor import Tensor
from ..viz import capture, graph, to_dot, to_svg, to_text
from ..viz.safe_text import clean

NO_TENSORS = "this cell created no tensors — nothing to draw"
NO_STEP_TARGET = ("--step: the cell assigned no one-element tensor that requires grad (a loss) to "
                  "step through; name one with --backward NAME. Showing the graph instead.")
AFTER_ERROR = "the graph the cell built before the error:"
AWAIT_NOT_HERE = ("%%autograd: top-level await works in a cell that IPython runs (a notebook or "
                  "IPython cell starting with %%autograd), not in a direct run_cell_magic() call")


# ---------------------------------------------------------------- the extension

def load(ipython):
    """Register the magics (``%load_ext gradlab``); loading twice replaces the first."""
    unload(ipython)
    magics = AutogradMagics(ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics._cell_starts)
    ipython.events.register("post_run_cell", magics._cell_ended)
    ipython.input_transformers_post.append(magics._await_transformer)


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
    if magics._await_transformer in ipython.input_transformers_post:
        ipython.input_transformers_post.remove(magics._await_transformer)
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
    body, last = _compile_body(shell, cell)
    exec(body, shell.user_ns)
    return None if last is None else eval(last, shell.user_ns)


async def run_cell_body_async(shell, cell):
    """``run_cell_body`` for a cell with top-level ``await`` (or ``async for`` / ``async with``).

    Compiled as IPython compiles such a plain cell (``PyCF_ALLOW_TOP_LEVEL_AWAIT``)
    and awaited in the event loop IPython runs the cell in.
    """
    __tracebackhide__ = True
    body, last = _compile_body(shell, cell, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(body, shell.user_ns)
    if body.co_flags & inspect.CO_COROUTINE:
        await result
    if last is None:
        return None
    value = eval(last, shell.user_ns)
    return (await value) if last.co_flags & inspect.CO_COROUTINE else value


def _compile_body(shell, cell, flags=0):
    """(code of all statements but a shown last expression, code of that expression or None)."""
    __tracebackhide__ = True
    source = "\n" + shell.transform_cell(cell)
    filename = shell.compile.cache(source, _cell_number(shell))
    statements = shell.transform_ast(shell.compile.ast_parse(source, filename=filename)).body
    last = None
    if statements and isinstance(statements[-1], ast.Expr) \
            and not DisplayHook.semicolon_at_end_of_expression(source):
        last = ast.Expression(statements.pop().value)
    with shell.compile.extra_flags(flags):
        body = shell.compile(ast.Module(statements, type_ignores=[]), filename, "exec")
        last = None if last is None else shell.compile(last, filename, "eval")
    return body, last


def needs_await(shell, cell):
    """True when the cell uses top-level ``await`` (``async for``, ``async with``): a plain cell
    IPython would run in its event loop. A cell that does not compile gives False (running it
    reports the SyntaxError)."""
    if "await" not in cell and "async" not in cell:
        return False
    try:
        code = compile(shell.transform_cell(cell), "<cell>", "exec",
                       flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except Exception:  # noqa: BLE001 (any failure here is reported when the cell runs)
        return False
    return bool(code.co_flags & inspect.CO_COROUTINE)


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


def split_options(line):
    """The option words of a magic's line, split as a POSIX shell splits them.

    ``--save 'my graphs/loss.svg'`` gives ``['--save', 'my graphs/loss.svg']``
    (quotes removed, a backslash escapes the next character). IPython has
    already replaced ``$name`` and ``{expression}`` with Python values, as for
    its own magics. An unclosed quote is a one-line UsageError. On Windows,
    where a backslash separates folders, quotes are removed but backslashes
    kept.
    """
    try:
        if os.name == "nt":
            return [_unquote(word) for word in shlex.split(line, posix=False)]
        return shlex.split(line)
    except ValueError as error:
        problem = ("a quote is not closed" if "quotation" in str(error)
                   else "the line ends with a lone backslash")
        raise UsageError(f"%%autograd: {problem} in the options: {clean(line.strip())} "
                         "(quote a path with spaces like --save 'my graphs/loss.svg')") from None


def _unquote(word):
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word


def _parse(magic, line):
    """Parse a magic's options; anything wrong is a one-line UsageError (the cell does not run)."""
    words = split_options(line)
    try:
        return magic.parser.parse_args(words)
    except UsageError as error:
        reason = " ".join(clean(error).split())
        raise UsageError(f"%%autograd: {reason} (%%autograd? lists the options)") from None


SAVE_FORMATS = {".svg": "an SVG picture", ".dot": "Graphviz DOT", ".gv": "Graphviz DOT",
                ".txt": "the text form"}


def save_path(text):
    """The file ``--save PATH`` will write, checked before the cell runs.

    ``~`` is expanded. A one-line UsageError when the path cannot be saved to:
    empty, a folder, an unknown extension, a folder that does not exist or is
    a file, a file or folder that cannot be written. Checking first means a
    long cell is never run only to lose its picture at the end.
    """
    path = os.path.expanduser(text)
    shown = clean(text) if path == text else f"{clean(text)} ({clean(path)})"

    def refuse(problem):
        return UsageError(f"%%autograd --save {shown}: {problem}")

    if not path.strip():
        raise UsageError("%%autograd: --save needs a file name, e.g. --save graph.svg")
    separators = (os.sep, os.altsep) if os.altsep else (os.sep,)
    if path.endswith(separators) or os.path.isdir(path):
        example = os.path.join(text.rstrip("/\\") or text, "graph.svg")
        raise refuse(f"that is a folder; give a file name in it, e.g. --save {clean(example)}")
    extension = os.path.splitext(path)[1].lower()
    if extension not in SAVE_FORMATS:
        kind = f"a {extension} file" if extension else "a name without an extension"
        raise refuse(f"cannot save {kind}; end the name with .svg (the picture), .dot (Graphviz) "
                     "or .txt (text)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise refuse(f"{clean(folder)} is a file, not a folder")
        hint = (" (IPython replaces $name only by a Python variable of that name)"
                if "$" in text else "")
        raise refuse(f"the folder {clean(folder)} does not exist; create it first, or save "
                     f"elsewhere{hint}")
    try:
        if os.path.lexists(path):
            if not os.path.isfile(path):
                raise refuse("it exists and is not a regular file")
            with open(path, "r+b"):  # writable? (opened, not changed)
                pass
        else:  # can a file be created there? (made and removed again)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            os.remove(path)
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise refuse(f"cannot write there ({clean(reason)}); choose a folder you can write to") \
            from None
    return path


def save_graph(graph, path, direction="LR"):
    """Write the graph to ``path`` in the format its extension names (``SAVE_FORMATS``)."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".svg":
        text = to_svg(graph, direction=direction)
    elif extension in (".dot", ".gv"):
        text = to_dot(graph, direction=direction)
    else:
        text = to_text(graph)
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)
    return path


# ---------------------------------------------------------------- the magics

@magics_class
class AutogradMagics(Magics):
    """``%%autograd`` (run a cell, show its graph) and ``%grad_fn`` (print a grad_fn chain)."""

    def __init__(self, shell):
        super().__init__(shell)
        self._in_cell = False
        self._after_cell = []  # outputs to show once IPython has printed the cell's traceback
        self._cell_id = None  # the running cell's id (notebook front ends send one), or None
        self._steppers = {}  # cell id (or cell text) -> weak reference to the stepper it showed
        self._stepper_key = None  # the key of the %%autograd cell running now

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
              help="also save the graph at PATH when the cell succeeds: .svg (the picture), "
                   ".dot (Graphviz) or .txt (text); quote a path with spaces, ~ is your home "
                   "folder; checked before the cell runs")
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
        options = self._options(line)
        if self.shell.autoawait and needs_await(self.shell, cell):
            raise UsageError(AWAIT_NOT_HERE)
        self._close_previous_stepper(cell)
        captured = None
        try:
            with capture() as captured:
                last_value = run_cell_body(self.shell, cell)
            step_output = self._after_body(options, captured, last_value)
        except BaseException:
            self._failed(captured, options)
            raise
        self._show(captured, options, step_output=step_output)

    def autograd_async(self, line, cell):
        """``%%autograd`` for a cell with top-level ``await``: returns a coroutine to await.

        IPython runs a plain cell with top-level ``await`` in its event loop; a
        ``%%autograd`` cell is a call to ``run_cell_magic``, which cannot await.
        So ``_await_transformer`` rewrites such a cell into
        ``await <these magics>.autograd_async(line, cell)`` and IPython awaits it
        exactly as it would the plain cell. Options are read here, before
        anything runs; ``$name`` is expanded from the cell's namespace as IPython
        does for every magic.
        """
        __tracebackhide__ = True
        options = self._options(self.shell.var_expand(line, 1))
        return self._autograd_async(options, cell)

    async def _autograd_async(self, options, cell):
        __tracebackhide__ = True
        self._close_previous_stepper(cell)
        captured = None
        try:
            with capture() as captured:
                last_value = await run_cell_body_async(self.shell, cell)
            step_output = self._after_body(options, captured, last_value)
        except BaseException:
            self._failed(captured, options)
            raise
        self._show(captured, options, step_output=step_output)

    def _await_transformer(self, lines):
        """An IPython input transformer: a ``%%autograd`` cell that awaits becomes awaitable.

        It sees the cell after IPython turned it into
        ``get_ipython().run_cell_magic('autograd', LINE, BODY)``; only when BODY
        needs ``await`` is that replaced (see ``autograd_async``). Every other
        cell is returned untouched.
        """
        source = "".join(lines)
        if "run_cell_magic" not in source or ("await" not in source and "async" not in source):
            return lines
        try:
            statements = ast.parse(source).body
        except SyntaxError:
            return lines
        call = statements[0].value if len(statements) == 1 and isinstance(statements[0], ast.Expr) \
            else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "run_cell_magic" and len(call.args) == 3 and not call.keywords
                and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        for arg in call.args)):
            return lines
        name, line, body = (arg.value for arg in call.args)
        if name != "autograd" or not needs_await(self.shell, body):
            return lines
        magics = f"get_ipython().magics_manager.registry[{type(self).__name__!r}]"
        return [f"await {magics}.autograd_async({line!r}, {body!r})\n"]

    def _options(self, line):
        """The cell's options, checked: every mistake is a one-line UsageError before the cell runs."""
        __tracebackhide__ = True
        options = _parse(self.autograd, line)
        if options.backward is not None and not options.backward.isidentifier():
            raise UsageError(f"%%autograd: --backward expects a variable name, got "
                             f"{clean(repr(options.backward))} (e.g. --backward loss)")
        if options.step and options.text:
            raise UsageError("%%autograd: --step shows a widget, --text only text: choose one")
        if options.save is not None:
            options.save = save_path(options.save)
        return options

    def _after_body(self, options, captured, last_value):
        """What follows a cell body that ran: its Out[n], then --step's target or --backward."""
        __tracebackhide__ = True
        if last_value is not None:
            sys.displayhook(last_value)  # Out[7], as the cell would show
        if options.step:  # the stepper runs the backward pass itself
            return step_target(captured, _user_variables(self.shell), options.backward)
        if options.backward is not None:
            run_backward(self.shell.user_ns, options.backward)
        return None

    def _failed(self, captured, options):
        if captured is not None:
            self._after_traceback(lambda: self._show(captured, options, failed=True))

    def _show(self, captured, options, failed=False, step_output=None):
        """Display the cell's graph (after a failure: what it built before the error)."""
        try:
            view = self._view(captured, options, step_output, failed) if captured.has_tensors \
                else None
        except RuntimeError as error:
            # the cell ran; only its picture cannot be made (e.g. reading the grad_fn of a split
            # output whose base changed in place raises, in PyTorch too): say why, keep going
            print(clean(f"(the cell ran, but its graph cannot be drawn: {error})"))
            return
        if view is None or view.graph.is_empty:
            if not failed:
                print(NO_TENSORS)
            return
        if failed:
            print(AFTER_ERROR)
        display(view)
        if options.save and not failed:
            try:
                save_graph(view.graph, options.save, direction=options.direction)
            except OSError as error:  # checked before the cell ran; the disk changed since
                print(clean(f"(the graph was not saved: {error})"))

    def _view(self, captured, options, step_output=None, failed=False):
        """What to display for a captured cell: its graph, or with ``--step`` a backprop stepper.

        ``step_output``: the tensor ``--step`` steps through (``step_target``), None if none.
        """
        namespace = _user_variables(self.shell)
        if options.step and not failed:
            if step_output is not None:
                from ..widgets.stepper import BackpropStepper  # ipywidgets only for a stepper
                stepper = BackpropStepper(step_output, names=namespace, capture=captured,
                                          direction=options.direction, max_nodes=options.max_nodes)
                self._steppers[self._stepper_key] = weakref.ref(stepper)
                return stepper
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

    def _close_previous_stepper(self, cell):
        """A ``%%autograd`` cell runs again: close the stepper it showed last time.

        Its output is replaced anyway; closed, the old stepper (its recording, the copies of
        every gradient, its pictures) is freed instead of staying in ipywidgets' registry for
        the rest of the session. A cell is known by the id notebook front ends send with it
        (JupyterLab, Notebook 7, VS Code), else by its text.
        """
        self._stepper_key = key = self._cell_id if self._cell_id is not None else cell
        previous = self._steppers.pop(key, None)
        stepper = previous() if previous is not None else None
        if stepper is not None:
            stepper.close()
        self._steppers = {k: ref for k, ref in self._steppers.items()  # forget the closed ones
                          if ref() is not None and not ref().closed}

    def _cell_starts(self, info):
        self._in_cell = True
        self._cell_id = getattr(info, "cell_id", None)

    def _cell_ended(self, result):
        self._in_cell = False
        self._cell_id = None
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
