# Standard error of rho from R spatialreg's lagsarlm(type = "mixed") on one data set (benchmarks/se_drift.py).
#
#   Rscript se_drift.R DATA_DIR EIGEN
#
# DATA_DIR holds data.csv (y, x1, x2) and edges.csv (i, j: 1-based binary links; W = row-normalised).
# method = "Matrix" (sparse Cholesky log-determinant): spatialreg computes the covariance from a finite-
# difference Hessian (control fdHess defaults to TRUE for every method but "eigen"). EIGEN = 1 also fits
# method = "eigen", whose covariance is the analytic asymptotic one. Output: "RESULT key value" lines.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
do_eigen <- length(args) >= 2 && args[2] == "1"
res <- function(key, value) cat("RESULT", key, format(value, digits = 17), "\n")
suppressPackageStartupMessages({
  library(Matrix)
  library(spdep)
  library(spatialreg)
})
d <- read.csv(file.path(dir, "data.csv"))
e <- read.csv(file.path(dir, "edges.csv"))
n <- nrow(d)
C <- sparseMatrix(i = e$i, j = e$j, x = 1, dims = c(n, n))
lw <- mat2listw(C, style = "W")
f <- y ~ x1 + x2
t <- system.time(fit <- lagsarlm(f, data = d, listw = lw, method = "Matrix", Durbin = TRUE))[["elapsed"]]
res("matrix_time", t)
res("matrix_rho", fit$rho)
res("matrix_rho_se", fit$rho.se)
res("matrix_llf", as.numeric(logLik(fit)))
if (do_eigen) {
  fe <- lagsarlm(f, data = d, listw = lw, method = "eigen", Durbin = TRUE)
  res("eigen_rho", fe$rho)
  res("eigen_rho_se", fe$rho.se)
}
res("done", 1)
