"""public_tests.py: right functions pass silently, and each typical mistake gets its own diagnosis.

The wrong functions are written here, as a student would write them: the course's template with
two lines changed. `student_function` builds one from the two assignment lines.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:          # public_tests lives in the repository root
    sys.path.insert(0, str(ROOT))

import public_tests  # noqa: E402
from init_checks import check_layers_dims  # noqa: E402
from public_tests import diagnose  # noqa: E402

ZEROS_W = "np.zeros((layers_dims[l], layers_dims[l - 1]))"
RANDOM_W = "rng.randn(layers_dims[l], layers_dims[l - 1]) * 10"
HE_W = "rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])"
ZERO_B = "np.zeros((layers_dims[l], 1))"


def student_function(weights, biases=ZERO_B, seeding="rng = np.random.RandomState(3)", extra=""):
    """The graded functions' template with the two blanks filled by `weights` and `biases`."""
    source = f"""
def initialize(layers_dims):
    check_layers_dims(layers_dims)
    {seeding}
    parameters = {{}}
    L = len(layers_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = {weights}
        parameters['b' + str(l)] = {biases}
        {extra}
    return parameters
"""
    namespace = {"np": np, "check_layers_dims": check_layers_dims}
    exec(source, namespace)
    return namespace["initialize"]


def only_problem(name, target):
    """The one message diagnose gives; fails the test if there is not exactly one."""
    problems = diagnose(name, target)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------------------------
# The expected answers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["zeros", "random", "he"])
def test_reference_formula_reproduces_the_course_values(kind):
    dims, course = public_tests.COURSE_EXAMPLES[kind]
    formula = public_tests.reference_parameters(kind, dims)
    assert list(formula) == list(course)
    for key, value in course.items():
        assert formula[key].dtype == np.float64
        np.testing.assert_allclose(formula[key], value, rtol=0, atol=5e-9)


def test_each_function_is_checked_on_its_course_example_and_on_other_layers_dims():
    for kind, (course_dims, _) in public_tests.COURSE_EXAMPLES.items():
        checked = public_tests.checked_layers_dims(kind)
        assert checked[0] == course_dims
        assert len(checked) >= 3
        assert any(len(dims) >= 4 for dims in checked)


# --------------------------------------------------------------------------------------------
# Right functions: the exact line, and nothing else
# --------------------------------------------------------------------------------------------

RIGHT = {
    "initialize_parameters_zeros": (public_tests.initialize_parameters_zeros_test, ZEROS_W),
    "initialize_parameters_random": (public_tests.initialize_parameters_random_test, RANDOM_W),
    "initialize_parameters_he": (public_tests.initialize_parameters_he_test, HE_W),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_function_prints_exactly_all_tests_passed(name, capsys):
    test, weights = RIGHT[name]
    test(student_function(weights))
    assert capsys.readouterr() == ("All tests passed.\n", "")
    assert diagnose(name, student_function(weights)) == []


@pytest.mark.parametrize("name", RIGHT)
def test_the_notebooks_own_graded_functions_pass(name, notebook_functions):
    assert diagnose(name, notebook_functions[name]) == []


@pytest.fixture(scope="module")
def notebook_functions():
    """The three graded functions as defined in Initialization.ipynb (its imports cell, then each graded cell)."""
    import nbformat

    nb = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    namespace = {}
    for source in [code[0]] + [s for s in code if s.startswith("# GRADED FUNCTION:")]:
        exec(source, namespace)
    return namespace


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")     # np.matrix itself warns
def test_float64_matrices_are_accepted():
    """np.matrix of float64 holds the same numbers and prints the same: it is not worth failing."""
    assert diagnose("initialize_parameters_he", student_function(f"np.matrix({HE_W})")) == []


def test_course_style_global_seed_is_accepted():
    """np.random.seed(3) and np.random.randn draw the same numbers: the numbers are what is graded."""
    function = student_function(HE_W.replace("rng.randn", "np.random.randn"), seeding="np.random.seed(3)")
    assert diagnose("initialize_parameters_he", function) == []


def test_the_checks_leave_numpys_global_generator_as_they_found_it():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    diagnose("initialize_parameters_he", student_function(HE_W.replace("rng.randn", "np.random.randn"),
                                                          seeding="np.random.seed(3)"))
    assert np.random.rand() == expected


# --------------------------------------------------------------------------------------------
# Wrong functions: each gets its diagnosis
# --------------------------------------------------------------------------------------------

WRONG = [
    # (id, graded function, weights line, biases line, seeding line, fragments of the expected message)
    ("integers", "initialize_parameters_zeros", ZEROS_W[:-1] + ", dtype=int)", ZERO_B, None,
     ["W1 and W2 hold integers", "int64", "not floats"]),
    ("transposed", "initialize_parameters_he", HE_W.replace("(layers_dims[l], layers_dims[l - 1])",
                                                            "(layers_dims[l - 1], layers_dims[l])"), ZERO_B, None,
     ["W1 has shape (2, 4), expected (4, 2)", "transposed"]),
    ("bias 1-D", "initialize_parameters_zeros", ZEROS_W, "np.zeros(layers_dims[l])", None,
     ["b1 should be a column vector of shape (2, 1) = (layers_dims[1], 1), not a 1-D array of shape (2,)"]),
    ("booleans", "initialize_parameters_zeros", ZEROS_W[:-1] + ", dtype=bool)", ZERO_B, None,
     ["W1 and W2 hold booleans (dtype bool), not floats"]),
    ("float32", "initialize_parameters_he", f"({HE_W}).astype(np.float32)", ZERO_B, None,
     ["W1 and W2 have dtype float32, expected float64 (np.zeros and rng.randn give float64; do not convert)"]),
    ("float32 zeros", "initialize_parameters_zeros", ZEROS_W, ZERO_B[:-1] + ", dtype=np.float32)", None,
     ["b1 and b2 have dtype float32, expected float64"]),
    ("NaN weights", "initialize_parameters_random", f"np.where(np.arange(layers_dims[l - 1]) == 0, np.nan, {RANDOM_W})",
     ZERO_B, None, ["W1 and W2 hold NaN or infinite values"]),
    ("infinite weights", "initialize_parameters_he", f"{HE_W} * np.inf", ZERO_B, None,
     ["W1 and W2 hold NaN or infinite values"]),
    ("rand", "initialize_parameters_random", RANDOM_W.replace("randn", "rand"), ZERO_B, None,
     ["non-negative", "rand", "uniform", "randn"]),
    ("global rand", "initialize_parameters_he", HE_W.replace("rng.randn", "np.random.rand"), ZERO_B, None,
     ["non-negative", "randn"]),
    ("seed missing", "initialize_parameters_random", RANDOM_W.replace("rng.randn", "np.random.randn"), ZERO_B,
     "pass", ["two calls gave different weights", "global generator", "rng.randn"]),
    ("seed different", "initialize_parameters_he", HE_W, ZERO_B, "rng = np.random.RandomState(1)",
     ["seed 1, not of seed 3"]),
    ("global seed different", "initialize_parameters_random", RANDOM_W.replace("rng.", "np.random."), ZERO_B,
     "np.random.seed(0)", ["seed 0, not of seed 3"]),
    ("seeded in the loop", "initialize_parameters_he", HE_W.replace("rng.", "np.random.RandomState(3)."), ZERO_B,
     None, ["start over from seed 3", "inside the loop"]),
    ("scale from layers_dims[l]", "initialize_parameters_he", HE_W.replace("2 / layers_dims[l - 1]",
                                                                          "2 / layers_dims[l]"), ZERO_B, None,
     ["layers_dims[l] instead of layers_dims[l-1]"]),
    ("LeCun for He", "initialize_parameters_he", HE_W.replace("2 /", "1 /"), ZERO_B, None,
     ["LeCun's scaling", "\"Xavier\"", "not He's"]),
    ("x10 in He", "initialize_parameters_he", RANDOM_W, ZERO_B, None,
     ["multiplied by 10", "initialize_parameters_random", "He's factor is np.sqrt(2 / layers_dims[l - 1])"]),
    ("He in random", "initialize_parameters_random", HE_W, ZERO_B, None,
     ["He's factor", "this exercise multiplies them by 10"]),
    ("variance for the factor", "initialize_parameters_he", HE_W.replace("np.sqrt(2 / layers_dims[l - 1])",
                                                                         "2 / layers_dims[l - 1]"), ZERO_B, None,
     ["variance", "square root"]),
    ("no factor", "initialize_parameters_random", RANDOM_W.replace(" * 10", ""), ZERO_B, None,
     ["scaling factor is missing"]),
    ("transposed draw", "initialize_parameters_he", HE_W.replace("(layers_dims[l], layers_dims[l - 1])",
                                                                 "(layers_dims[l - 1], layers_dims[l]).T"), ZERO_B,
     None, ["drawn with shape (layers_dims[l-1], layers_dims[l]) and then transposed"]),
    ("biases ones", "initialize_parameters_he", HE_W, "np.ones((layers_dims[l], 1))", None,
     ["b1 and b2 are not zero", "biases start at zero"]),
    ("biases drawn", "initialize_parameters_random", RANDOM_W, "rng.randn(layers_dims[l], 1)", None,
     ["b1 and b2 are not zero"]),
    ("weights ones", "initialize_parameters_zeros", "np.ones((layers_dims[l], layers_dims[l - 1]))", ZERO_B, None,
     ["W1 and W2 are not zero", "starts at zero"]),
    ("zeros for random", "initialize_parameters_random", ZEROS_W, ZERO_B, None,
     ["every weight is zero", "at random"]),
    ("shape not a tuple", "initialize_parameters_zeros", "np.zeros(layers_dims[l], layers_dims[l - 1])", ZERO_B,
     None, ["initialize_parameters_zeros([3, 2, 1]) raised TypeError", "np.zeros((rows, columns))"]),
    ("blanks", "initialize_parameters_he", "None", "None", None,
     ["W1, b1, W2 and b2 are None", "still blanks"]),
    ("list", "initialize_parameters_random", "(" + RANDOM_W + ").tolist()", ZERO_B, None,
     ["W1 and W2 are not numpy arrays (got list)"]),
]


@pytest.mark.parametrize("case", WRONG, ids=[case[0] for case in WRONG])
def test_each_mistake_is_named(case):
    _, name, weights, biases, seeding, fragments = case
    function = student_function(weights, biases, **({"seeding": seeding} if seeding else {}))
    problems = diagnose(name, function)
    assert problems and all(problem.startswith(f"{name}([") for problem in problems), problems
    for fragment in fragments:
        assert fragment in problems[0], problems


def test_a_raising_function_shows_the_error_type_and_message():
    def raising(layers_dims):
        raise KeyError("W0")

    assert only_problem("initialize_parameters_he", raising) == \
        "initialize_parameters_he([2, 4, 1]) raised KeyError: 'W0'"


def test_a_missing_key_is_named():
    function = student_function(ZEROS_W, ZERO_B, extra="del parameters['b' + str(l)]")
    assert "missing keys 'b1', 'b2'" in only_problem("initialize_parameters_zeros", function)


def test_return_inside_the_loop_is_suspected():
    function = student_function(HE_W, ZERO_B, extra="return parameters")
    message = only_problem("initialize_parameters_he", function)
    assert "missing keys 'W2', 'b2'" in message and "indented inside the loop" in message


def test_lower_case_keys_are_pointed_out():
    def lower_case(layers_dims):
        return {key.lower(): value for key, value in student_function(ZEROS_W)(layers_dims).items()}

    problems = diagnose("initialize_parameters_zeros", lower_case)
    assert "missing keys 'W1', 'W2'" in problems[0] and "case-sensitive" in problems[0]
    assert "unexpected keys 'w1', 'w2'" in problems[1]


@pytest.mark.parametrize("returned, fragment", [(None, "returned NoneType"), ([1, 2], "returned list"),
                                                ((1,), "returned tuple")])
def test_something_other_than_a_dict_is_named(returned, fragment):
    message = only_problem("initialize_parameters_random", lambda layers_dims: returned)
    assert fragment in message and "instead of a dict" in message


def test_a_hard_coded_answer_fails_on_the_other_layers_dims():
    course = public_tests.COURSE_EXAMPLES["he"][1]
    problems = diagnose("initialize_parameters_he", lambda layers_dims: {k: v.copy() for k, v in course.items()})
    assert problems[0].startswith("initialize_parameters_he([3, 2, 1]): W1 has shape (4, 2), expected (2, 3)")
    assert "it was right for layers_dims=[2, 4, 1]" in problems[-1]


def test_a_function_right_only_on_the_course_dims_fails():
    """Right shapes everywhere, but the fan-ins of the course's example are written in."""
    function = student_function("rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / [2, 4][l - 1])")
    problems = diagnose("initialize_parameters_he", function)
    assert len(problems) == 2
    assert problems[0] == ("initialize_parameters_he([3, 2, 1]): W1 is the right draw multiplied by 1 "
                           "instead of 0.816497")
    assert problems[1].startswith("initialize_parameters_he([3, 2, 1]): W2 is the right draw multiplied by 0.707107 "
                                  "instead of 1 (it was right for layers_dims=[2, 4, 1]: are sizes")


def test_failed_test_prints_the_problems_and_no_all_tests_passed(capsys):
    public_tests.initialize_parameters_he_test(student_function(HE_W.replace("2 /", "1 /")))
    out, err = capsys.readouterr()
    assert "All tests passed." not in out and err == ""
    assert out.splitlines()[0] == "initialize_parameters_he: 1 problem found."
    assert "LeCun" in out


def test_not_a_function_and_unknown_name():
    assert "should be a function" in only_problem("initialize_parameters_zeros", 42)
    with pytest.raises(ValueError, match="unknown graded function"):
        diagnose("initialize_parameters_lecun", print)


# --------------------------------------------------------------------------------------------
# Results that lie, and the data the checks read
# --------------------------------------------------------------------------------------------

class AlwaysEqual(np.ndarray):
    """An ndarray whose comparisons always say True, and which claims to be float64 of any shape."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class NoArrayFunctions(np.ndarray):
    """An ndarray that answers every numpy function (np.allclose, np.array_equal, ...) with True."""

    def __array_function__(self, func, types, args, kwargs):
        return True


@pytest.mark.parametrize("subclass", [AlwaysEqual, NoArrayFunctions])
def test_arrays_that_lie_about_their_values_fail(subclass):
    def garbage(layers_dims):
        return {f"{letter}{l}": np.full((n, n_prev if letter == "W" else 1), 7.0).view(subclass)
                for l, n_prev, n in public_tests.layers(layers_dims) for letter in "Wb"}

    problems = diagnose("initialize_parameters_he", garbage)
    assert problems and "not zero" in problems[0], problems


def test_a_dict_whose_lookups_lie_is_read_as_what_it_holds():
    class Lying(dict):
        def __getitem__(self, key):
            return public_tests.COURSE_EXAMPLES["zeros"][1].get(key, np.zeros((1, 1)))

    problems = diagnose("initialize_parameters_zeros", lambda layers_dims: Lying(W1=np.ones((5, 5))))
    assert problems[0].startswith("initialize_parameters_zeros([3, 2, 1]): missing keys 'b1', 'W2', 'b2'"), problems


def test_a_huge_array_is_described_without_its_values():
    described = public_tests.describe({"W1": np.zeros((1000, 1000))})
    assert described["W1"] == public_tests.Array("float64", "f", (1000, 1000), None)


@pytest.mark.parametrize("case", WRONG, ids=[case[0] for case in WRONG])
def test_recorded_outcomes_give_the_same_diagnosis_as_live_calls(case):
    """The grader's driver: every call of the plan made first, then the checks on the data alone."""
    _, name, weights, biases, seeding, _ = case
    function = student_function(weights, biases, **({"seeding": seeding} if seeding else {}))
    recorded = {(tuple(dims), seed): public_tests.run_call(function, dims, seed)
                for dims, seed in public_tests.call_plan(name)}
    from_data = public_tests.diagnose_outcomes(name, lambda dims, seed: recorded[(tuple(dims), seed)])
    assert from_data == diagnose(name, function) and from_data
