#!/usr/bin/env bash
# Strict nbval of the stored notebook under several simulated CPUs: OpenBLAS picks its kernel by
# CPU, and OPENBLAS_CORETYPE forces another one; the thread count changes summation order too.
# Usage: tools/check_portability.sh [python]   (default: .venv/bin/python). Takes a few minutes.
set -u
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
status=0
for setting in "Haswell 2" "Sandybridge 1" "Prescott 2" "SkylakeX 1" "Zen 2"; do
  set -- $setting
  printf '%-12s %s thread(s): ' "$1" "$2"
  if OPENBLAS_CORETYPE=$1 OPENBLAS_NUM_THREADS=$2 "$python" -m pytest -q -p no:cacheprovider \
      -o addopts="" --nbval --nbval-current-env Initialization.ipynb > /tmp/portability.$$.log 2>&1; then
    tail -n 1 /tmp/portability.$$.log
  else
    status=1; echo "FAILED"; tail -n 30 /tmp/portability.$$.log
  fi
done
rm -f /tmp/portability.$$.log
exit $status
