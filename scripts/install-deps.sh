#!/usr/bin/env bash
# Installs the Debian packages lexgate needs to build and test (run as root, or with sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  g++ cmake ninja-build pkg-config \
  antlr4 libantlr4-runtime-dev libicu-dev icu-devtools libcli11-dev libfmt-dev nlohmann-json3-dev rapidjson-dev \
  libsqlite3-dev libssl-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev \
  curl python3 jq sqlite3 \
  libpq-dev postgresql \
  tmux \
  clang libclang-rt-14-dev valgrind ccache \
  >/dev/null
# Oniguruma, the regex engine of TextMate grammars: tests/editors/textmate_test.py runs the grammar with it.
apt-get install -y -qq --no-install-recommends libonig5 >/dev/null
