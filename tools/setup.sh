#!/usr/bin/env bash
# Installs every Debian package audiograd needs on a fresh Debian 12 machine (run as root,
# or with sudo available). A no-op when everything is already installed.
#   --with-python   also install python3-torch / python3-torchaudio (only needed for tools/
#                   fixture scripts and bench/ comparisons, never for building or testing).
#   --with-fuzz     also install clang, libclang-rt-14-dev (libFuzzer's runtime) and libomp-dev
#                   (OpenMP for clang), for the `fuzz` preset and tools/fuzz.sh.
# Both may be given. Without options the list is exactly what building and testing need (CI).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  libopenblas-openmp-dev   # BLAS (the OpenMP build, so OpenBLAS and our kernels share one pool)
  libfftw3-dev             # STFT
  libsndfile1-dev          # decoding WAV / FLAC / OGG
  libsoxr-dev              # resampling
  zlib1g-dev               # deflate for the PNG in tag --html
  libcli11-dev             # command-line parsing for the apps
  nlohmann-json3-dev       # JSON: the safetensors header, summary.json, result.json, predict --json
  libgtest-dev             # unit tests
  openmpi-bin libopenmpi-dev  # data-parallel training: mpirun -np N audiograd train (nn/mpi_communicator.cpp)
)
for opt in "$@"; do
  case "$opt" in
    --with-python) pkgs+=(python3-numpy python3-torch python3-torchaudio) ;;
    --with-fuzz) pkgs+=(clang libclang-rt-14-dev libomp-dev) ;;
    *) echo "setup: unknown option '$opt' (expected --with-python or --with-fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
