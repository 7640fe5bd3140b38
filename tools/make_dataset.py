"""Write circles.npz, the course's data that init_data.load_dataset reads, and check its digest.

    python -m tools.make_dataset            # writes circles.npz beside init_data.py
    python -m tools.make_dataset --check    # only checks that the stored file is the course's data

The points are drawn by scikit-learn's make_circles as the course draws them (init_data.make_dataset);
the file stores them so that the lesson need not import scikit-learn. The digest of the arrays must equal
init_data.DATA_SHA256; if make_circles ever draws other points, this says so instead of writing them.
"""

import argparse
import sys

import numpy as np

import init_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the stored file; write nothing")
    args = parser.parse_args()
    arrays = init_data.make_dataset()
    digest = init_data.dataset_digest(arrays)
    if digest != init_data.DATA_SHA256:
        print(f"make_circles drew other points than the course's: digest {digest}, "
              f"init_data.DATA_SHA256 is {init_data.DATA_SHA256}", file=sys.stderr)
        return 1
    if args.check:
        if init_data.read_dataset(init_data.DATA_FILE) is None:
            print(f"{init_data.DATA_FILE} is missing or does not hold the course's data", file=sys.stderr)
            return 1
        print("circles.npz holds the course's data")
        return 0
    np.savez(init_data.DATA_FILE, **dict(zip(init_data.DATA_NAMES, arrays)))
    print(f"wrote {init_data.DATA_FILE} (digest {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
