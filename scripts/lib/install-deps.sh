#!/usr/bin/env bash
# install-deps.sh: installs the system libraries the build links (OpenBLAS, LAPACKE, libcrypto) and the MiniLM model.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
need=(libopenblas-dev liblapacke-dev libssl-dev pkg-config)
# pip may come from pyenv rather than Debian; ask apt for it only when there is none.
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# LOCALRAG_SKIP_MODEL=1: system libraries only (install.sh puts the model in the user data folder instead).
[ "${LOCALRAG_SKIP_MODEL:-0}" = 1 ] || "$root/scripts/lib/install-model.sh"
