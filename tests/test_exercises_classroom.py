"""gradlab.exercises.classroom: the switch that hides solution() for a class."""
import pytest

from gradlab.exercises import classroom
from gradlab.exercises.core import Exercise


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No switch set anywhere: environment variable unset, config files in an empty folder."""
    monkeypatch.delenv("GRADLAB_HIDE_SOLUTIONS", raising=False)
    monkeypatch.delenv("GRADLAB_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(classroom.sys, "prefix", str(tmp_path / "prefix"))
    monkeypatch.setattr(classroom.pathlib.Path, "home", lambda: tmp_path / "home")
    real_config_files = classroom.config_files
    monkeypatch.setattr(classroom, "config_files", lambda: [path for path in real_config_files()
                                                            if not str(path).startswith("/etc/")])
    return tmp_path


def exercise():
    return Exercise("e", "q", lambda answer: True, hints=("h1", "h2"), solution="answer = 42")


def test_solutions_show_by_default(clean, capsys):
    exercise().solution()
    assert capsys.readouterr().out == "Solution:\nanswer = 42\n"


@pytest.mark.parametrize("value", ["1", "true", "Yes", " on "])
def test_the_environment_variable_hides_them(clean, monkeypatch, capsys, value):
    monkeypatch.setenv("GRADLAB_HIDE_SOLUTIONS", value)
    exercise().solution()
    out = capsys.readouterr().out
    assert "Solutions are hidden for this class" in out and "exercises.e.hint()" in out
    assert "42" not in out


@pytest.mark.parametrize("value", ["0", "false", "no", ""])
def test_off_values_show_them(clean, monkeypatch, value):
    monkeypatch.setenv("GRADLAB_HIDE_SOLUTIONS", value)
    assert not classroom.solutions_hidden()


def test_a_typo_hides_them_with_a_warning(clean, monkeypatch):
    monkeypatch.setenv("GRADLAB_HIDE_SOLUTIONS", "maybe")
    with pytest.warns(UserWarning, match="GRADLAB_HIDE_SOLUTIONS must be true or false"):
        assert classroom.solutions_hidden()


def write_config(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["prefix", "user", "named"])
def test_a_config_file_hides_them(clean, monkeypatch, where):
    paths = {"prefix": clean / "prefix" / "etc" / "gradlab" / "gradlab.ini",
             "user": clean / "config" / "gradlab" / "gradlab.ini",
             "named": clean / "class.ini"}
    write_config(paths[where], "[exercises]\nhide_solutions = true\n")
    if where == "named":
        monkeypatch.setenv("GRADLAB_CONFIG", str(paths["named"]))
    assert classroom.solutions_hidden()


def test_a_students_own_config_cannot_show_what_the_class_hides(clean, monkeypatch):
    write_config(clean / "prefix" / "etc" / "gradlab" / "gradlab.ini", "[exercises]\nhide_solutions = yes\n")
    write_config(clean / "config" / "gradlab" / "gradlab.ini", "[exercises]\nhide_solutions = false\n")
    monkeypatch.setenv("GRADLAB_HIDE_SOLUTIONS", "0")
    assert classroom.solutions_hidden()


@pytest.mark.parametrize("text, hidden", [
    ("[exercises]\nhide_solutions = false\n", False),
    ("[other]\nhide_solutions = true\n", False),
    ("[exercises]\nhide_solutions = sometimes\n", True),
    ("not an ini file at all", True),
])
def test_config_values(clean, monkeypatch, text, hidden):
    monkeypatch.setenv("GRADLAB_CONFIG", str(write_config(clean / "c.ini", text)))
    if hidden:
        with pytest.warns(UserWarning, match="solutions are hidden until it is fixed"):
            assert classroom.solutions_hidden()
    else:
        assert not classroom.solutions_hidden()


def test_hints_stay_available_when_solutions_are_hidden(clean, monkeypatch, capsys):
    monkeypatch.setenv("GRADLAB_HIDE_SOLUTIONS", "1")
    exercise().hint()
    assert capsys.readouterr().out.startswith("Hint 1 of 2: h1")
