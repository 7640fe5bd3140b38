"""init_data: the course's data, stored in circles.npz, against the course's recipe drawn here by
scikit-learn; a missing, damaged or altered file is not used, and the same points are drawn again."""

import os

import numpy as np
import pytest
import sklearn.datasets

from init_data import load_dataset


def course_recipe():
    """The course's data: seed numpy's global generator with 1 / 2, then make_circles without random_state."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
        np.random.seed(2)
        test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    finally:
        np.random.set_state(state)
    return train_X.T, train_Y.reshape((1, train_Y.shape[0])), test_X.T, test_Y.reshape((1, test_Y.shape[0]))


def assert_same_state(before, after):
    assert before[0] == after[0]
    assert np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_load_dataset_equals_the_course_recipe():
    got = load_dataset()
    expected = course_recipe()
    for g, e, shape in zip(got, expected, ((2, 300), (1, 300), (2, 100), (1, 100))):
        assert g.shape == shape
        assert np.array_equal(g, e)
    train_Y, test_Y = got[1], got[3]
    assert np.issubdtype(train_Y.dtype, np.integer) and np.issubdtype(test_Y.dtype, np.integer)
    assert set(np.unique(train_Y)) == {0, 1} and set(np.unique(test_Y)) == {0, 1}
    assert train_Y.sum() == 150 and test_Y.sum() == 50        # make_circles: half of each class
    assert np.isfinite(got[0]).all() and np.isfinite(got[2]).all()


def test_the_stored_data_is_the_course_recipe_s_and_is_read_without_scikit_learn():
    """circles.npz holds the course's points (its digest is that of the recipe drawn here by scikit-learn),
    load_dataset reads it in the memory layout the recipe gives, and the lesson never imports scikit-learn."""
    import subprocess
    import sys

    import init_data

    expected = course_recipe()
    assert init_data.dataset_digest(expected) == init_data.DATA_SHA256
    for got, want in zip(load_dataset(), expected):
        assert np.array_equal(got, want) and got.dtype == want.dtype and got.strides == want.strides
    probe = ("import sys; import init_data, init_lab, init_utils; init_utils.load_dataset(); "
             "print(init_data.read_dataset(init_data.DATA_FILE) is not None, 'sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=os.path.dirname(init_data.DATA_FILE))
    assert result.stdout.split() == ["True", "False"], result.stdout + result.stderr
    check = subprocess.run([sys.executable, "-m", "tools.make_dataset", "--check"],
                           capture_output=True, text=True, cwd=os.path.dirname(init_data.DATA_FILE))
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("damage", ["missing", "not a zip", "truncated", "one point moved", "a key missing"])
def test_without_the_stored_data_the_same_points_are_drawn_again(damage, tmp_path, monkeypatch):
    """A missing, damaged or altered circles.npz is not used: make_circles draws the course's points again."""
    import init_data

    path = tmp_path / "circles.npz"
    arrays = dict(zip(init_data.DATA_NAMES, course_recipe()))
    if damage == "not a zip":
        path.write_bytes(b"#!/bin/sh\necho not data\n")
    elif damage == "truncated":
        np.savez(path, **arrays)
        path.write_bytes(path.read_bytes()[:2000])
    elif damage == "one point moved":
        moved = arrays["train_X"].copy()
        moved[0, 17] += 1e-9
        np.savez(path, **dict(arrays, train_X=moved))
    elif damage == "a key missing":
        np.savez(path, **{key: value for key, value in arrays.items() if key != "test_Y"})
    monkeypatch.setattr(init_data, "DATA_FILE", str(path))
    assert init_data.read_dataset(str(path)) is None
    for got, want in zip(init_data.load_dataset(), course_recipe()):
        assert np.array_equal(got, want) and got.dtype == want.dtype and got.strides == want.strides


def test_a_fifo_or_an_oversized_file_in_place_of_the_data_is_not_read(tmp_path, monkeypatch):
    """What sits at circles.npz is opened only if it is a regular file of at most DATA_MAX_BYTES whose
    members unpack to at most as much: a FIFO would block the read forever, a zip bomb would fill memory."""
    import zipfile

    import init_data

    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    big = tmp_path / "big.npz"
    big.write_bytes(b"\0" * (init_data.DATA_MAX_BYTES + 1))
    bomb = tmp_path / "bomb.npz"                 # 64 MB of zeros, deflated to some 60 kB
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train_X.npy", b"\0" * 2**26)
    assert bomb.stat().st_size < init_data.DATA_MAX_BYTES
    for path in (fifo, big, bomb, tmp_path):
        assert init_data.read_dataset(str(path)) is None, path.name
    monkeypatch.setattr(init_data, "DATA_FILE", str(fifo))
    assert np.array_equal(init_data.load_dataset()[0], course_recipe()[0])


def test_without_the_data_file_a_missing_or_different_scikit_learn_is_named(tmp_path, monkeypatch):
    import sys

    import init_data

    monkeypatch.setattr(init_data, "DATA_FILE", str(tmp_path / "circles.npz"))
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "sklearn.datasets", None)          # import sklearn.datasets fails
        with pytest.raises(RuntimeError, match=r"circles\.npz.*scikit-learn.*is not installed"):
            init_data.load_dataset()
    moved = list(course_recipe())
    moved[0] = moved[0] + 1e-12
    monkeypatch.setattr(init_data, "make_dataset", lambda: tuple(moved))
    with pytest.raises(RuntimeError, match=r"draws other points than the course's"):
        init_data.load_dataset()


def test_load_dataset_leaves_the_global_generator_untouched():
    np.random.seed(12345)
    before = np.random.get_state()
    load_dataset()
    after = np.random.get_state()
    assert_same_state(before, after)
    # ... and does not depend on it either.
    first = load_dataset()
    np.random.seed(999)
    second = load_dataset()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
