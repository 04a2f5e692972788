#!/usr/bin/env bash
# Creates one virtualenv per optimizer family for bench/optimizer_quality.py.
# The peers need conflicting numpy versions (libsigopt pins numpy<1.23, the rest want numpy 2),
# so each runs in its own interpreter and talks to the driver over a pipe.
#
#   bash bench/setup_quality_env.sh            # all environments
#   bash bench/setup_quality_env.sh skopt      # only the named ones
#
# Environments land in ${DIALIN_BENCH_ENVS:-$HOME/.cache/dialin-bench}/<name>; everything comes
# from PyPI. Each environment records what it resolved in <name>/versions.txt.
set -euo pipefail

ENVS="${DIALIN_BENCH_ENVS:-$HOME/.cache/dialin-bench}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$ENVS"

# driver: evaluates every problem (one scikit-learn for all peers) and runs random search and dialin.
setup_driver() {
  pip_in driver "numpy>=2" "scipy>=1.11" "scikit-learn>=1.4" "rich>=13"
}

# optuna: TPE and GPSampler; GPSampler needs torch, taken as the CPU build pinned here.
# bench/optimizer_latency.py runs here too, importing dialin's optimizer: threadpoolctl is for it.
setup_optuna() {
  # greenlet lets GPSampler run its L-BFGS-B restarts in batch, as Optuna recommends.
  pip_in optuna "optuna==5.0.0" "torch==2.13.0" greenlet "numpy>=2" "scipy>=1.11" threadpoolctl
}

# sigoptlite: libsigopt 1.0.0 declares numpy<1.23, which has no wheel for current Pythons; it
# runs on numpy 1.26, so the two SigOpt packages go in without their declared dependencies.
setup_sigoptlite() {
  pip_in sigoptlite "numpy==1.26.4" "scipy==1.13.1" "jsonschema==3.2.0" "sigopt==8.8.3" "setuptools<80" wheel
  # qmcpy ships only as source with C extensions; it must build against the numpy above.
  "$ENVS/sigoptlite/bin/pip" install --quiet --no-build-isolation "qmcpy==1.2"
  "$ENVS/sigoptlite/bin/pip" install --quiet --no-deps "libsigopt==1.0.0" "sigoptlite==0.1.2"
  record_versions sigoptlite
}

# skopt: scikit-optimize's gp_minimize.
setup_skopt() {
  pip_in skopt "scikit-optimize==0.10.2" "numpy>=2" "scipy>=1.11" "scikit-learn>=1.4"
}

pip_in() {
  local name="$1"
  shift
  if [[ ! -x "$ENVS/$name/bin/python" ]]; then
    "$PYTHON" -m venv "$ENVS/$name"
  fi
  "$ENVS/$name/bin/pip" install --quiet --upgrade pip
  "$ENVS/$name/bin/pip" install --quiet "$@"
  record_versions "$name"
}

record_versions() {
  "$ENVS/$1/bin/pip" freeze >"$ENVS/$1/versions.txt"
  echo "$1: $ENVS/$1 ($(wc -l <"$ENVS/$1/versions.txt") packages)"
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(driver optuna sigoptlite skopt)
fi
for target in "${targets[@]}"; do
  "setup_$target"
done
