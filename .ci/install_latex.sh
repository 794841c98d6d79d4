#!/bin/sh
# Install the TeX the LaTeX tests compile with (Debian/Ubuntu images with apt):
#   pdflatex + booktabs           tests/test_tables_latex.py (English labels)
#   xelatex + ctex (Fandol fonts) tests/test_tables_latex.py::test_chinese_labels_compile_with_xelatex
# Debian packages: texlive-latex-base texlive-latex-recommended (pdflatex, booktabs), texlive-xetex (xelatex),
# texlive-lang-chinese (ctex.sty, about 100 MB installed). Runs apt directly as root, through sudo otherwise.
set -eu
have_pdflatex() { command -v pdflatex >/dev/null 2>&1 && kpsewhich booktabs.sty >/dev/null 2>&1; }
have_xelatex() { command -v xelatex >/dev/null 2>&1 && kpsewhich ctex.sty >/dev/null 2>&1; }
if have_pdflatex && have_xelatex; then
    pdflatex --version | head -n 1
    xelatex --version | head -n 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended
pdflatex --version | head -n 1
# xelatex and ctex are large; a failure here leaves pdflatex in place (the xelatex test then skips).
if $SUDO apt-get install -y -qq --no-install-recommends texlive-xetex texlive-lang-chinese; then
    xelatex --version | head -n 1
    kpsewhich ctex.sty
else
    echo "texlive-xetex/texlive-lang-chinese could not be installed; the xelatex test will be skipped"
fi
