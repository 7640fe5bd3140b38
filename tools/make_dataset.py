"""Write circles.npz, the course's data that init_utils.load_dataset reads, and check its digest.

    python tools/make_dataset.py            # writes circles.npz beside init_utils.py
    python tools/make_dataset.py --check    # only checks that the stored file is the course's data

The points are drawn by scikit-learn's make_circles as the course draws them (init_utils.make_dataset);
the file stores them so that the lesson need not import scikit-learn. The digest of the arrays must equal
init_utils.DATA_SHA256; if make_circles ever draws other points, this says so instead of writing them.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import init_utils  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the stored file; write nothing")
    args = parser.parse_args()
    arrays = init_utils.make_dataset()
    digest = init_utils.dataset_digest(arrays)
    if digest != init_utils.DATA_SHA256:
        print(f"make_circles drew other points than the course's: digest {digest}, "
              f"init_utils.DATA_SHA256 is {init_utils.DATA_SHA256}", file=sys.stderr)
        return 1
    if args.check:
        if init_utils._read_dataset(init_utils.DATA_FILE) is None:
            print(f"{init_utils.DATA_FILE} is missing or does not hold the course's data", file=sys.stderr)
            return 1
        print("circles.npz holds the course's data")
        return 0
    np.savez(init_utils.DATA_FILE, **dict(zip(init_utils.DATA_NAMES, arrays)))
    print(f"wrote {init_utils.DATA_FILE} (digest {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
