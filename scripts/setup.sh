#!/usr/bin/env bash
# Installs what Receptor needs on a fresh Debian 12 machine: system packages
# (apt) and Python packages (pip). Safe to run again.
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libhdf5-dev libeigen3-dev libgtest-dev libbenchmark-dev libssl-dev libdeflate-dev libjemalloc-dev
  clang libclang-rt-14-dev
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

python3 -m pip install -q --upgrade pip
python3 -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.10" cmake ninja \
  numpy pandas h5py pytest hypothesis \
  openpyxl matplotlib nbclient nbformat ipykernel \
  "mypy==2.4.1"   # stubgen: tests/python/test_stubs.py regenerates the package's stubs (output varies by version)
