# One R spatialreg measurement, run by benchmarks/run.py in a fresh Rscript process.
#
#   Rscript spatialreg_fit.R DATA_DIR MODEL IMPACTS
#
# DATA_DIR holds data.csv (y, x1, x2) and edges.csv (i, j: 1-based, binary links; W is their
# row-normalisation, exactly the W the Python packages get). MODEL is sar | sem | sdm.
# IMPACTS = 1 also times trW(type = "MC") and impacts(R = 1000) with summary(zstats = TRUE).
# Timings are system.time(...)[["elapsed"]] around the fit (resp. the impacts) only; the wall
# time of the whole process is measured by the caller. Results go to stdout as "RESULT key value".

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
model <- args[2]
do_impacts <- length(args) >= 3 && args[3] == "1"

res <- function(key, value) cat("RESULT", key, format(value, digits = 17), "\n")

t_lib <- system.time(suppressPackageStartupMessages({
  library(Matrix)
  library(spdep)
  library(spatialreg)
}))[["elapsed"]]
res("library_time", t_lib)

d <- read.csv(file.path(dir, "data.csv"))
e <- read.csv(file.path(dir, "edges.csv"))
n <- nrow(d)
C <- sparseMatrix(i = e$i, j = e$j, x = 1, dims = c(n, n))
t_listw <- system.time(lw <- mat2listw(C, style = "W"))[["elapsed"]]
res("listw_time", t_listw)
symmetric <- isSymmetric(C)
# method = "Matrix" (sparse Cholesky) needs a W similar to a symmetric matrix; the k-nearest-neighbour
# graph is asymmetric, so it gets the sparse LU method.
method <- if (symmetric) "Matrix" else "LU"
res("method", method)

f <- y ~ x1 + x2
st <- system.time({
  fit <- switch(model,
    sar = lagsarlm(f, data = d, listw = lw, method = method),
    sdm = lagsarlm(f, data = d, listw = lw, method = method, Durbin = TRUE),
    sem = errorsarlm(f, data = d, listw = lw, method = method),
    stop("unknown model ", model))
})
res("fit_time", st[["elapsed"]])
res("fit_cpu", st[["user.self"]] + st[["sys.self"]])
res("rho", if (model == "sem") fit$lambda else fit$rho)
res("llf", as.numeric(logLik(fit)))

if (do_impacts && model == "sdm") {
  Wm <- as(lw, "CsparseMatrix")
  tr_time <- system.time(tr <- trW(Wm, type = "MC"))[["elapsed"]]
  res("trW_time", tr_time)
  imp_time <- system.time({
    set.seed(12345)
    imp <- impacts(fit, tr = tr, R = 1000)
    s <- summary(imp, zstats = TRUE, short = TRUE)
  })[["elapsed"]]
  res("impacts_time", imp_time)
  # point estimates (x1): direct, indirect, total
  res("direct_x1", imp$res$direct[1])
  res("indirect_x1", imp$res$indirect[1])
  res("total_x1", imp$res$total[1])
}
res("done", 1)
