#!/usr/bin/env bash
# install.sh: builds rag in release and installs it under a prefix (binary, man page, completions) with the model in the user's data folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  cat <<'USAGE'
usage: scripts/install.sh [--prefix DIR]

Builds `rag` in release and installs:
  PREFIX/bin/rag                                   the binary
  PREFIX/share/localrag/commit                     the commit it was built from (rag --version)
  PREFIX/share/man/man1/rag.1                      the man page (man rag)
  PREFIX/share/bash-completion/completions/rag     completions, for each of bash, zsh, fish installed here
  PREFIX/share/zsh/site-functions/_rag
  PREFIX/share/fish/vendor_completions.d/rag.fish
and all-MiniLM-L6-v2 into the user data folder ($XDG_DATA_HOME/localrag/models, else
~/.local/share/localrag/models), checked by its SHA-256. PREFIX defaults to ~/.local.
Running it again changes nothing that is already in place.
USAGE
}

prefix="${HOME}/.local"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

LOCALRAG_SKIP_MODEL=1 "$root/scripts/lib/install-deps.sh"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The man page from ArgumentParser's manual plugin (every subcommand in one rag.1), generated before
# the build of the binary installed: the plugin's own build of rag can leave a module (seen: SwiftProtobuf)
# for the next `swift build` to recompile, and a binary relinked after the install is placed again.
manual="$("$root/scripts/lib/build.sh" --manual 2>"$work/manual.log")" \
  || { cat "$work/manual.log" >&2; echo "install.sh: generating the man page failed" >&2; exit 1; }
[ -f "$manual/rag.1" ] || { echo "install.sh: the manual plugin wrote no rag.1 in $manual" >&2; exit 1; }
built="$("$root/scripts/lib/build.sh")/rag"

installed=()
unchanged=()
# place SRC DEST [MODE]: copy SRC to DEST through a temporary name unless DEST already has the same bytes.
place() {
  local src="$1" dest="$2" mode="${3:-644}"
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    unchanged+=("$dest")
    return
  fi
  local tmp
  tmp="$(mktemp "$(dirname "$dest")/.install.XXXXXX")"
  cp "$src" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
  installed+=("$dest")
}

place "$built" "$prefix/bin/rag" 755
if commit="$(git -C "$root" rev-parse HEAD 2>/dev/null)"; then
  echo "$commit" > "$work/commit"
  place "$work/commit" "$prefix/share/localrag/commit"
fi

for page in "$manual"/*.1; do
  place "$page" "$prefix/share/man/man1/$(basename "$page")"
done

# Completions, for each shell this machine has.
declare -A completion_path=(
  [bash]="$prefix/share/bash-completion/completions/rag"
  [zsh]="$prefix/share/zsh/site-functions/_rag"
  [fish]="$prefix/share/fish/vendor_completions.d/rag.fish"
)
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || continue
  "$prefix/bin/rag" --generate-completion-script "$shell" > "$work/completion.$shell"
  place "$work/completion.$shell" "${completion_path[$shell]}"
done

# The model, into the user's data folder (nothing happens when its checksums already match).
model_line="$("$prefix/bin/rag" model install)"

if [ ${#installed[@]} -gt 0 ]; then
  echo "installed:"
  for f in "${installed[@]}"; do echo "  $f"; done
fi
[ ${#unchanged[@]} -eq 0 ] || echo "already up to date: ${#unchanged[@]} file(s) under $prefix"
echo "$model_line"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it (e.g. export PATH=\"$prefix/bin:\$PATH\")" ;;
esac
echo "uninstall: rm -f $prefix/bin/rag $prefix/share/man/man1/rag.1 ${completion_path[bash]} ${completion_path[zsh]} ${completion_path[fish]}; rm -rf $prefix/share/localrag \"\${XDG_DATA_HOME:-\$HOME/.local/share}/localrag\""
