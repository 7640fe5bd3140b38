#!/usr/bin/env bash
# Strict nbval of the stored notebook under several simulated CPUs. OpenBLAS picks its kernel by
# CPU and OPENBLAS_CORETYPE forces another one; the thread count changes summation order too; and
# NPY_DISABLE_CPU_FEATURES makes numpy use the code paths of a CPU without AVX-512 (X86_V4) or
# without AVX2 (X86_V3) for its own loops (exp, log, sums).
# With --floors, first builds a virtual environment in a temporary folder holding the oldest versions
# requirements.txt allows (tools/floors.txt, as constraints; the other packages pip picks, newest
# first, as it would for a student) and runs the same checks with its Python, then deletes it.
# Usage: tools/check_portability.sh [--floors] [python]   (default: .venv/bin/python, or python3 with
# --floors to build the venv from). Takes a few minutes, plus a minute or two for --floors.
set -u
cd "$(dirname "$0")/.."
floors=0
if [ "${1:-}" = "--floors" ]; then floors=1; shift; fi
python=${1:-.venv/bin/python}
if [ $floors = 1 ]; then
  base=${1:-python3}
  venv=$(mktemp -d)
  trap 'rm -rf "$venv"' EXIT
  "$base" -m venv "$venv" && "$venv/bin/pip" install -q -r requirements.txt -c tools/floors.txt > "$venv/pip.log" 2>&1 \
    || { echo "could not install the floor versions:"; tail -n 20 "$venv/pip.log"; exit 1; }
  python=$venv/bin/python
  echo "floor versions ($("$python" --version)):" \
    "$("$python" -m pip list --format=freeze 2>/dev/null | grep -iE '^(numpy|scipy|matplotlib|scikit-learn|ipython|ipykernel|nbval)==' | tr '\n' ' ')"
fi
log=$(mktemp)
status=0
while read -r coretype threads numpy_off; do
  printf '%-12s %s thread(s), numpy without [%s]: ' "$coretype" "$threads" "$numpy_off"
  if OPENBLAS_CORETYPE=$coretype OPENBLAS_NUM_THREADS=$threads NPY_DISABLE_CPU_FEATURES="$numpy_off" \
      "$python" -m pytest -q -p no:cacheprovider -o addopts="" --nbval --nbval-current-env \
      Initialization.ipynb > "$log" 2>&1; then
    tail -n 1 "$log"
  else
    status=1; echo "FAILED"; tail -n 30 "$log"
  fi
done <<'SETTINGS'
Haswell 2
Sandybridge 1
Prescott 2
SkylakeX 1
Zen 2
Haswell 2 X86_V4
Nehalem 1 X86_V3 X86_V4 AVX512_ICL AVX512_SPR
SETTINGS
rm -f "$log"
exit $status
