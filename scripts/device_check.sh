#!/usr/bin/env bash
# Runs bench/device_check.py on a borrowed GPU machine (see that file's docstring).
#
#   scripts/device_check.sh OUT_DIR [device_check.py options, e.g. --device cuda]
#
# When .whl/ holds wheels (the pinned peft, transformers, tokenizers: docs in the .py), they
# are installed into $SITE (default /tmp/site) and used if they import; otherwise, or if they
# do not import, the machine's own packages are used (the check records every version).
# The log goes to stdout and to OUT_DIR/device_check.log.
set -u
cd "$(dirname "$0")/.." || exit 1
out=${1:?usage: scripts/device_check.sh OUT_DIR [options]}
shift
mkdir -p "$out"
py=${PYTHON:-python3}
site=${SITE:-/tmp/site}
export PYTHONUNBUFFERED=1
{
  echo "device_check.sh: $(date -u +%FT%TZ) in $(pwd), python $($py -V 2>&1)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  if compgen -G ".whl/*.whl" >/dev/null; then
    if $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$site" .whl/*.whl; then
      if PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}" $py -c \
        "import tokenizers, transformers, peft; from transformers import GPT2LMHeadModel; from peft import get_peft_model; print('carried wheels:', transformers.__version__, peft.__version__, tokenizers.__version__)"; then
        export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
      else
        echo "carried wheels do not import: using the machine's own packages"
      fi
    else
      echo "pip install of .whl failed: using the machine's own packages"
    fi
  fi
  timeout "${CHECK_TIMEOUT_S:-520}" $py bench/device_check.py --out "$out" "$@"
  echo "device_check.py exit status: $?"
} 2>&1 | tee "$out/device_check.log"
