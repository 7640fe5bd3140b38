#!/usr/bin/env bash
# Strict nbval of the stored notebook under several simulated CPUs. OpenBLAS picks its kernel by
# CPU and OPENBLAS_CORETYPE forces another one; the thread count changes summation order too; and
# NPY_DISABLE_CPU_FEATURES makes numpy use the code paths of a CPU without AVX-512 (X86_V4) or
# without AVX2 (X86_V3) for its own loops (exp, log, sums).
# Usage: tools/check_portability.sh [python]   (default: .venv/bin/python). Takes a few minutes.
set -u
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
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
