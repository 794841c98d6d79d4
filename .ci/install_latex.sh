#!/bin/sh
# Install pdflatex with booktabs for tests/test_tables_latex.py (Debian/Ubuntu images with apt).
set -eu
if command -v pdflatex >/dev/null 2>&1 && kpsewhich booktabs.sty >/dev/null 2>&1; then
    pdflatex --version | head -n 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended
pdflatex --version | head -n 1
