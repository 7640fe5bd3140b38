"""The course's data file, circles.npz: read only if it holds exactly the course's points, else drawn again.

Reading the stored file takes a millisecond; importing scikit-learn to draw the points again takes most
of a second. The file is made and checked by tools/make_dataset.py.
"""

import hashlib
import os
import zipfile

import numpy as np

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(globals().get("__file__", "init_data.py"))), "circles.npz")
DATA_MAX_BYTES = 2**20          # the file holds 9.6 kB of numbers; anything much larger is not it
DATA_SHA256 = "5fc3253ff70712c3aff31e7544636c980dd4cd4bf842c9c160318665412f1344"   # of its four arrays
DATA_NAMES = ("train_X", "train_Y", "test_X", "test_Y")


def load_dataset():
    """The course's two-circles data: 300 training and 100 test points, noise 0.05.

    The points of make_circles after seeding numpy's global generator with 1 (train) and 2 (test), as
    the course draws them. Read from circles.npz beside this module; without that file (or if it does
    not hold exactly those points) drawn again, from RandomState(1) and RandomState(2), so that numpy's
    global generator is left alone either way.

    Returns:
    train_X (2, 300), train_Y (1, 300), test_X (2, 100), test_Y (1, 100); labels are 0/1 ints
    """
    stored = read_dataset(DATA_FILE)
    if stored is not None:
        return stored
    drawn = make_dataset()
    if dataset_digest(drawn) != DATA_SHA256:    # a scikit-learn whose make_circles draws other points
        raise RuntimeError(f"{DATA_FILE} is missing or damaged, and the installed scikit-learn draws other points "
                           "than the course's: put the lesson's circles.npz back beside init_data.py")
    return drawn


def make_dataset():
    """load_dataset's four arrays, drawn by scikit-learn's make_circles as the course draws them."""
    try:
        import sklearn.datasets  # here, not at the top: it takes most of a second to import
    except ImportError:
        raise RuntimeError(f"the data file {DATA_FILE} is missing or damaged, and scikit-learn, which can draw the "
                           "same points again, is not installed: put circles.npz beside init_data.py, or "
                           "pip install scikit-learn") from None
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=0.05, random_state=np.random.RandomState(1))
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=0.05, random_state=np.random.RandomState(2))
    return train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)


def dataset_digest(arrays):
    """SHA-256 of the four arrays' shapes, dtypes and bytes, in load_dataset's order."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def read_dataset(path):
    """The four arrays stored at path, or None unless they are exactly the course's (DATA_SHA256)."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > DATA_MAX_BYTES:    # a FIFO, a device, a huge file
            return None
        with zipfile.ZipFile(path) as archive:  # an .npz is a zip: what its members unpack to, bounded too
            if sum(member.file_size for member in archive.infolist()) > DATA_MAX_BYTES:
                return None
        with np.load(path, allow_pickle=False) as stored:
            arrays = tuple(stored[name] for name in DATA_NAMES)
    except Exception:                           # missing, unreadable, truncated, not a zip, a key missing, ...
        return None
    if dataset_digest(arrays) != DATA_SHA256:
        return None
    train_X, train_Y, test_X, test_Y = arrays
    # X in the memory order make_circles' X.T has (one point per column, stored point by point): the
    # matrix products then take the same path through BLAS, and give the same last bits, as the course's.
    return np.asfortranarray(train_X), train_Y, np.asfortranarray(test_X), test_Y
