"""Every exercise: its reference passes, every named mistake is diagnosed as itself, the stub
says it is not written, the cases catch a transpose; the checker's diagnosis and the progress
store."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import starter_function

from visualdl import exercises, registry, verify
from visualdl.exercises import EXERCISES, check_function, progress
from visualdl.exercises.checker import SEED

ALL = list(EXERCISES.values())
MISTAKES = [(ex, m) for ex in ALL for m in ex.mistakes]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_there_are_exercises_in_every_chapter():
    assert len(EXERCISES) >= 24
    assert {ex.chapter for ex in ALL} == set(registry.CHAPTERS)
    assert len({ex.function for ex in ALL}) == len(ALL)  # one file per exercise name


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_the_reference_passes(ex):
    r = check_function(ex, ex.reference)
    assert r.passed, r.message
    assert r.cases >= 3 and "passed all" in r.message


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_the_stub_says_it_is_not_written(ex):
    r = check_function(ex, starter_function(ex.name))
    assert not r.passed
    if ex.name.endswith("_bug_hunt"):  # the starter is the buggy code: a named mistake
        assert r.mistake in {m.name for m in ex.mistakes}, r.message
    else:
        assert "not written yet" in r.message


@pytest.mark.parametrize(("ex", "mistake"), MISTAKES, ids=lambda v: getattr(v, "name", ""))
def test_every_named_mistake_is_diagnosed_as_itself(ex, mistake):
    r = check_function(ex, mistake.wrong)
    assert not r.passed
    assert r.mistake == mistake.name, r.message
    assert mistake.what in r.message


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_the_reference_is_a_verified_row(ex):
    assert ex.row is None or ex.row in verify.names()
    assert ex.task and ex.title and ex.chapter in registry.CHAPTERS


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: ex.name)
def test_the_cases_are_the_same_for_every_learner_and_differ_in_shape(ex):
    first, again = ex.cases(np.random.default_rng(SEED)), ex.cases(np.random.default_rng(SEED))
    for a, b in zip(first, again, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    shapes = {tuple(np.shape(v)) for case in first for v in case.values()}
    assert len(shapes) > 1 or all(not np.ndim(v) for case in first for v in case.values())


def _dense_backward(scale_dW=True, keepdims=True, transpose=False, in_place=False):
    def dense_backward(dZ, A_prev, W):
        m = A_prev.shape[1]
        if in_place:
            dZ /= m
            return W.T @ dZ * m, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)
        dW = (dZ @ A_prev.T) / (m if scale_dW else 1)
        db = dZ.sum(axis=1, keepdims=keepdims) / m
        return W.T @ dZ, dW.T if transpose else dW, db

    return dense_backward


@pytest.mark.parametrize(
    ("kwargs", "mistake", "words"),
    [
        ({"scale_dW": False}, None, "dW[0, 0] = "),
        ({"keepdims": False}, "keepdims", "db has shape (3,); expected (3, 1)"),
        ({"transpose": True}, "transposed", "dW has shape (4, 3); expected (3, 4)"),
        ({"in_place": True}, "mutates_input", "changed its input dZ in place"),
    ],
)
def test_the_diagnosis_names_the_output_the_element_and_the_mistake(kwargs, mistake, words):
    r = check_function(EXERCISES["dense_backward"], _dense_backward(**kwargs))
    assert not r.passed and r.mistake == mistake and words in r.message
    assert r.case == 1 and r.shapes == {"A_prev": [4, 7], "W": [3, 4], "dZ": [3, 7]}


def test_the_first_wrong_element_and_its_expected_value():
    ex = EXERCISES["dense_backward"]
    r = check_function(ex, _dense_backward(scale_dW=False))
    case = ex.cases(np.random.default_rng(SEED))[0]
    m = case["A_prev"].shape[1]
    want = case["dZ"] @ case["A_prev"].T / m
    assert (r.output, r.index) == ("dW", [0, 0])
    assert r.expected == pytest.approx(want[0, 0]) and r.got == pytest.approx(m * want[0, 0])
    assert "dW and db are the sum" not in r.message  # db is right here: not the named one


def test_an_answer_that_is_not_numbers_is_said_so():
    r = check_function(EXERCISES["dense_forward"], lambda A_prev, W, b: "Z")
    assert not r.passed and r.output == "Z" and "not a number" in r.message


def test_a_function_that_raises_is_reported_with_its_case():
    def dense_backward(dZ, A_prev, W):
        return dZ @ W

    r = check_function(EXERCISES["dense_backward"], dense_backward)
    assert not r.passed and "case 1 of 3" in r.message and "ValueError" in r.message


def test_a_pass_is_recorded_in_the_data_directory_and_a_failure_is_not(tmp_path):
    assert progress.passed() == {}
    exercises.check("dense_backward", _dense_backward(scale_dW=False))
    assert progress.passed() == {}
    r = exercises.check("dense_backward", _dense_backward())
    assert r.passed and list(progress.passed()) == ["dense_backward"]
    stored = json.loads((tmp_path / "data" / "visualdl" / "exercises.json").read_text())
    assert list(stored["passed"]) == ["dense_backward"]
    assert not [p for p in progress.path().parent.iterdir() if p.name.startswith(".tmp")]


def test_check_file_loads_the_learners_file(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(EXERCISES["dense_backward"].starter)
    assert "not written yet" in exercises.check_file("dense_backward", mine).message
    (tmp_path / "empty.py").write_text("x = 1\n")
    r = exercises.check_file("dense_backward", tmp_path / "empty.py")
    assert not r.passed and "defines no function dense_backward(...)" in r.message
    (tmp_path / "broken.py").write_text("def dense_backward(dZ, A_prev, W)\n")
    r = exercises.check_file("dense_backward", tmp_path / "broken.py")
    assert not r.passed and "did not run (line 1): SyntaxError" in r.message
    with pytest.raises(ValueError, match="expected a Python file"):
        exercises.check_file("dense_backward", tmp_path / "missing.py")
    with pytest.raises(KeyError, match="unknown exercise 'nope'"):
        exercises.get("nope")


def test_show_states_the_task_and_the_starter_not_the_answer():
    text = exercises.show("dense_backward")
    assert "dW = (1/m) dZ A_prev^T" in text and "raise NotImplementedError" in text


# -- the command ---------------------------------------------------------------------------


def _run(capsys, *argv):
    from visualdl.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_loop_show_check_fix_status(tmp_path, capsys):
    mine = tmp_path / "mine.py"
    code, out, _ = _run(capsys, "exercise", "show", "dense_backward", "--starter")
    assert code == 0 and out == EXERCISES["dense_backward"].starter
    wrong = out.replace(
        "    raise NotImplementedError",
        "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)",
    )
    mine.write_text(wrong)
    code, out, _ = _run(capsys, "exercise", "check", "dense_backward", str(mine))
    assert code == 1 and "named mistake: missing_1_over_m" in out
    code, out, _ = _run(capsys, "exercise", "check", "dense_backward", str(mine), "--json")
    result = json.loads(out)
    assert code == 1 and result["mistake"] == "missing_1_over_m" and result["output"] == "dW"
    mine.write_text(
        wrong.replace("A_prev.T,", "A_prev.T / A_prev.shape[1],").replace(
            "keepdims=True)", "keepdims=True) / A_prev.shape[1]"
        )
    )
    code, out, _ = _run(capsys, "exercise", "check", "dense_backward", str(mine), "--json")
    assert code == 0 and json.loads(out)["passed"] is True
    code, out, _ = _run(capsys, "exercise", "status", "--json")
    assert list(json.loads(out)["passed"]) == ["dense_backward"]
    code, out, _ = _run(capsys, "exercise", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["dense_backward"]["passed"] and not rows["dense_forward"]["passed"]
    assert set(rows) == set(EXERCISES)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["exercise"], "expected an action"),
        (["exercise", "show", "nope"], "unknown exercise 'nope'"),
        (["exercise", "check", "dense_backward", "missing.py"], "expected a Python file"),
    ],
)
def test_a_mistake_in_the_command_is_one_line_and_exit_2(capsys, argv, words):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == "" and words in err and len(err.splitlines()) == 1
