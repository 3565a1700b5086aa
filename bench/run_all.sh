#!/usr/bin/env bash
# Every benchmark figure of the project, each printing ours, the peer's and the ratio.
# Peers come from Debian: apt-get install -y nfdump tshark (the capture benchmark says so
# if they are missing). Workloads are generated reproducibly under bench/.work/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
$PY bench/capture_to_flows.py
$PY bench/detectors.py --flows 10000000 --partitions 10 --runs 3
$PY bench/intel_match.py
$PY bench/config_audit.py --devices 10000 --workers 2 --repeat 3
$PY bench/log_rules.py --lines 3000000 --runs 3
