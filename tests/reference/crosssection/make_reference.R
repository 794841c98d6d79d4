# make_reference.R -- independent reference values for spatialinno's
# cross-section ML estimators, produced with R's spatialreg.
#
# Run from the repository root:
#
#     Rscript tests/reference/crosssection/make_reference.R
#
# Needs (Debian): r-base-core r-cran-spatialreg r-cran-spdep r-cran-spdata
# r-cran-jsonlite.  Writes, next to this script:
#
#   columbus_data.csv, boston_data.csv          the data (raw columns + id)
#   columbus_neighbors.csv, boston_neighbors.csv  binary contiguity edges
#   reference.json                               all reference numbers
#
# Every model is fitted on the data and the neighbour list *read back from
# the CSV files written here*, so that Python and R see exactly the same
# input (the script checks that the CSVs round-trip the spData objects
# exactly).  Weights: row-standardised, spdep::nb2listw(nb, style = "W").
#
# The numbers in reference.json are written with sprintf("%.17g"), i.e.
# they round-trip to the identical IEEE double in Python's json module.

suppressPackageStartupMessages({
  library(spdep)
  library(spatialreg)
  library(jsonlite)
})

# --------------------------------------------------------------------------
# Where to write: the directory of this script (fallback: the path relative
# to the repository root).
# --------------------------------------------------------------------------
script_dir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1L) dirname(normalizePath(f)) else
    normalizePath("tests/reference/crosssection")
})
out <- function(name) file.path(script_dir, name)

# --------------------------------------------------------------------------
# Tolerances / options used for every fit
# --------------------------------------------------------------------------
# lagsarlm / errorsarlm: rho (lambda) is found by stats::optimize (Brent) on
# the concentrated log-likelihood.  tol.opt is optimize's `tol`; Brent's
# method has an internal floor of sqrt(.Machine$double.eps) * |rho|, so rho
# is accurate to roughly 1e-8 relative whatever tol.opt is.  The
# "precision" block stored for each model quantifies this (see below).
TOL_OPT <- .Machine$double.eps^0.75
LAG_CONTROL <- list(tol.opt = TOL_OPT)
# sacsarlm: (rho, lambda) are found by nlminb (PORT) on the concentrated
# log-likelihood, started from the best of 4 default start points.
SAC_CONTROL <- list(
  # nlminb defaults except x.tol (1.5e-8 -> 1e-10).  Tighter rel.tol only
  # makes PORT stop with "singular convergence (7)" at the very same point:
  # the objective's rounding noise (~1e-13) is the floor, which leaves
  # rho/lambda ~5e-8 from the exact score root (see "precision").
  opt_control = list(x.tol = 1e-10),
  fdHess = TRUE   # ALSO compute a finite-difference Hessian (second SE set)
)
TOL_SOLVE <- 1e-20   # tol.solve: never fall back to numerical Hessians silently

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
# JSON writer: named list -> object, unnamed list -> array, named atomic
# vector -> object, unnamed length-1 atomic -> scalar, longer -> array,
# matrix -> array of row arrays.  Doubles printed with %.17g; NA/NaN/Inf ->
# null.
json_num <- function(v) {
  ifelse(is.finite(v), sprintf("%.17g", v), "null")
}
json_scalar <- function(v) {
  if (is.na(v) && !is.character(v)) return("null")
  if (is.character(v) || is.factor(v))
    return(as.character(toJSON(as.character(v), auto_unbox = TRUE)))
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.integer(v)) return(as.character(v))
  json_num(as.numeric(v))
}
to_json <- function(x, ind = 0L) {
  pad <- strrep("  ", ind + 1L)
  pad0 <- strrep("  ", ind)
  if (is.null(x)) return("null")
  if (is.matrix(x)) {
    rows <- vapply(seq_len(nrow(x)), function(i)
      paste0("[", paste(vapply(x[i, ], json_scalar, ""), collapse = ", "), "]"),
      "")
    return(paste0("[\n", paste0(pad, rows, collapse = ",\n"), "\n", pad0, "]"))
  }
  if (is.list(x)) {
    if (length(x) == 0L) return(if (is.null(names(x))) "[]" else "{}")
    vals <- vapply(x, to_json, "", ind = ind + 1L)
    if (!is.null(names(x))) {
      keys <- vapply(names(x), json_scalar, "")
      return(paste0("{\n", paste0(pad, keys, ": ", vals, collapse = ",\n"),
                    "\n", pad0, "}"))
    }
    return(paste0("[\n", paste0(pad, vals, collapse = ",\n"), "\n", pad0, "]"))
  }
  if (!is.null(names(x))) return(to_json(as.list(x), ind))
  if (length(x) == 1L && !inherits(x, "AsIs")) return(json_scalar(x))
  paste0("[", paste(vapply(seq_along(x), function(i) json_scalar(x[[i]]), ""),
                    collapse = ", "), "]")
}

named <- function(values, nms) { values <- unname(values); names(values) <- nms; as.list(values) }

htest_list <- function(h, what) {
  list(statistic = unname(c(h$statistic)), df = unname(c(h$parameter)),
       p_value = unname(c(h$p.value)), produced_by = what)
}

# --------------------------------------------------------------------------
# Data and neighbour lists -> CSV, then read back
# --------------------------------------------------------------------------
nb_edges <- function(nb) {
  from <- rep(seq_along(nb), times = card(nb))
  to <- unlist(lapply(nb, function(z) z[z > 0L]))
  data.frame(from_id = as.integer(from), to_id = as.integer(to))
}
edges_to_nb <- function(edges, n) {
  nb <- lapply(seq_len(n), function(i) {
    z <- sort(as.integer(edges$to_id[edges$from_id == i]))
    if (length(z) == 0L) 0L else z
  })
  class(nb) <- "nb"
  attr(nb, "region.id") <- as.character(seq_len(n))
  attr(nb, "sym") <- is.symmetric.nb(nb, verbose = FALSE, force = TRUE)
  nb
}
write_and_check <- function(df, file) {
  write.csv(df, file, row.names = FALSE)
  back <- read.csv(file)
  for (v in names(df)) {
    if (!identical(as.numeric(back[[v]]), as.numeric(df[[v]])))
      stop("CSV round trip not exact for ", file, ":", v)
  }
  back
}

data(columbus, package = "spData")   # columbus, col.gal.nb, ...
data(boston, package = "spData")     # boston.c, boston.soi, ...

col_df <- data.frame(id = seq_len(nrow(columbus)), POLYID = columbus$POLYID,
                     CRIME = columbus$CRIME, INC = columbus$INC,
                     HOVAL = columbus$HOVAL, X = columbus$X, Y = columbus$Y)
bos_df <- data.frame(id = seq_len(nrow(boston.c)), TRACT = boston.c$TRACT,
                     LON = boston.c$LON, LAT = boston.c$LAT,
                     MEDV = boston.c$MEDV, CMEDV = boston.c$CMEDV,
                     CRIM = boston.c$CRIM, ZN = boston.c$ZN,
                     INDUS = boston.c$INDUS,
                     # CHAS is a factor with levels "0","1" in spData; written
                     # as the numeric 0/1 dummy (identical design column).
                     CHAS = as.integer(as.character(boston.c$CHAS)),
                     NOX = boston.c$NOX, RM = boston.c$RM, AGE = boston.c$AGE,
                     DIS = boston.c$DIS, RAD = boston.c$RAD, TAX = boston.c$TAX,
                     PTRATIO = boston.c$PTRATIO, B = boston.c$B,
                     LSTAT = boston.c$LSTAT)

datasets <- list(
  columbus = list(
    df = col_df, nb = col.gal.nb,
    data_file = "columbus_data.csv", nb_file = "columbus_neighbors.csv",
    source = "spData::columbus (data(columbus, package='spData')), rows in the original order; id = 1..49 (row number); POLYID kept",
    nb_source = "spData::col.gal.nb (GAL contiguity, symmetric); from_id/to_id are row numbers (= id)",
    formula = CRIME ~ INC + HOVAL,
    python_formula = "CRIME ~ INC + HOVAL",
    # python (formulaic) column names of the design matrix, in R's
    # model.matrix column order
    python_x = c("Intercept", "INC", "HOVAL"),
    python_y = "CRIME"
  ),
  boston = list(
    df = bos_df, nb = boston.soi,
    data_file = "boston_data.csv", nb_file = "boston_neighbors.csv",
    source = "spData::boston.c (data(boston, package='spData')), corrected Harrison-Rubinfeld data (Gilley & Pace 1996); id = 1..506 (row number); CHAS written as numeric 0/1",
    nb_source = "spData::boston.soi (sphere-of-influence graph, symmetric); from_id/to_id are row numbers (= id)",
    formula = log(CMEDV) ~ CRIM + ZN + INDUS + CHAS + I(NOX^2) + I(RM^2) +
      AGE + log(DIS) + log(RAD) + TAX + PTRATIO + B + log(LSTAT),
    python_formula = "np.log(CMEDV) ~ CRIM + ZN + INDUS + CHAS + I(NOX**2) + I(RM**2) + AGE + np.log(DIS) + np.log(RAD) + TAX + PTRATIO + B + np.log(LSTAT)",
    python_x = c("Intercept", "CRIM", "ZN", "INDUS", "CHAS", "I(NOX ** 2)",
                 "I(RM ** 2)", "AGE", "np.log(DIS)", "np.log(RAD)", "TAX",
                 "PTRATIO", "B", "np.log(LSTAT)"),
    python_y = "np.log(CMEDV)"
  )
)

# --------------------------------------------------------------------------
# Independent checks of optimiser precision.
#
# Concentrated log-likelihoods (sigma2 and beta profiled out), with
# omega_i the (real) eigenvalues of the row-standardised W:
#   lag   (SAR, SDM):  l(rho) = c - n/2 log SSE(rho) + sum log(1 - rho omega_i)
#         SSE(rho) = min_b ||y - rho W y - Z b||^2,   residual e(rho)
#         score    = n e'Wy / SSE - sum omega_i / (1 - rho omega_i)
#   error (SEM, SDEM): l(lam) = c - n/2 log SSE(lam) + sum log(1 - lam omega_i)
#         SSE(lam) = min_b ||(I - lam W)(y - Z b)||^2, residual e(lam), b(lam)
#         score    = n e'W(y - Z b) / SSE - sum omega_i / (1 - lam omega_i)
#   SAC: both, with A = I - rho W, B = I - lam W, e = B(Ay - Zb):
#         d/drho = n e'B W y / SSE - sum omega_i/(1 - rho omega_i)
#         d/dlam = n e'W(Ay - Zb) / SSE - sum omega_i/(1 - lam omega_i)
# (derivatives of SSE by the envelope theorem).  The root of the score is
# found to ~machine precision (uniroot / Newton) and compared with the
# spatialreg estimate.  This is diagnostics only; the reference values
# stored are spatialreg's.
# --------------------------------------------------------------------------
conc_ll <- function(sse, n, ldet) {
  -n / 2 * (log(2 * pi) + 1) - n / 2 * log(sse / n) + ldet
}
lag_profile <- function(rho, y, Z, W, ev) {
  n <- length(y); wy <- drop(W %*% y)
  fit <- lm.fit(Z, y - rho * wy); e <- fit$residuals; sse <- sum(e^2)
  list(score = n * sum(e * wy) / sse - sum(ev / (1 - rho * ev)),
       ll = conc_ll(sse, n, sum(log(1 - rho * ev))),
       coef = fit$coefficients, sigma2 = sse / n)
}
err_profile <- function(lam, y, Z, W, ev) {
  n <- length(y); wy <- drop(W %*% y); WZ <- W %*% Z
  fit <- lm.fit(Z - lam * WZ, y - lam * wy); e <- fit$residuals
  sse <- sum(e^2); u <- y - drop(Z %*% fit$coefficients)
  list(score = n * sum(e * drop(W %*% u)) / sse - sum(ev / (1 - lam * ev)),
       ll = conc_ll(sse, n, sum(log(1 - lam * ev))),
       coef = fit$coefficients, sigma2 = sse / n)
}
sac_profile <- function(par, y, Z, W, ev) {
  rho <- par[1]; lam <- par[2]; n <- length(y)
  Ay <- y - rho * drop(W %*% y)
  B <- diag(n) - lam * W
  fit <- lm.fit(B %*% Z, drop(B %*% Ay)); e <- fit$residuals; sse <- sum(e^2)
  u <- Ay - drop(Z %*% fit$coefficients)
  list(score = c(n * sum(e * drop(B %*% (W %*% y))) / sse - sum(ev / (1 - rho * ev)),
                 n * sum(e * drop(W %*% u)) / sse - sum(ev / (1 - lam * ev))),
       ll = conc_ll(sse, n, sum(log(1 - rho * ev)) + sum(log(1 - lam * ev))),
       coef = fit$coefficients, sigma2 = sse / n)
}
REFINED_NOTE <- "NOT spatialreg output: computed in make_reference.R by solving the analytic score of the concentrated log-likelihood to ~1e-15 (uniroot / Newton) and re-estimating beta, sigma2 = SSE/n and loglik there. Use it to judge how far spatialreg's optimiser stopped from the exact MLE; the primary reference values are spatialreg's."
refine_1d <- function(prof, est, pname, Z, pyname, ...) {
  f <- function(r) prof(r, Z = Z, ...)$score
  h <- 1e-4
  repeat {
    lo <- est - h; hi <- est + h
    if (sign(f(lo)) != sign(f(hi))) break
    h <- h * 4
    if (h > 0.5) stop("cannot bracket score root")
  }
  r <- uniroot(f, c(lo, hi), tol = 1e-15, maxiter = 1000L)$root
  at_r <- prof(r, Z = Z, ...)
  cn <- colnames(Z)
  res <- list(note = REFINED_NOTE,
       score_at_spatialreg_estimate = f(est),
       score_at_score_root = at_r$score,
       score_root_minus_spatialreg = r - est,
       concentrated_loglik_at_spatialreg_estimate = prof(est, Z = Z, ...)$ll,
       refined = list())
  res$refined[[pname]] <- r
  res$refined$coefficients <- named(at_r$coef, cn)
  res$refined$coefficients_python <- named(at_r$coef, pyname(cn))
  res$refined$sigma2 <- at_r$sigma2
  res$refined$loglik <- at_r$ll
  res
}
refine_sac <- function(est, Z, pyname, ...) {
  g <- function(p) sac_profile(p, Z = Z, ...)$score
  p <- est
  for (it in 1:50) {
    h <- 1e-6
    J <- cbind((g(p + c(h, 0)) - g(p - c(h, 0))) / (2 * h),
               (g(p + c(0, h)) - g(p - c(0, h))) / (2 * h))
    step <- solve(J, g(p))
    p <- p - step
    if (max(abs(step)) < 1e-15) break
  }
  at_p <- sac_profile(p, Z = Z, ...)
  cn <- colnames(Z)
  list(note = REFINED_NOTE,
       score_at_spatialreg_estimate = named(g(est), c("rho", "lambda")),
       score_at_score_root = named(at_p$score, c("rho", "lambda")),
       score_root_minus_spatialreg = named(p - est, c("rho", "lambda")),
       concentrated_loglik_at_spatialreg_estimate = sac_profile(est, Z = Z, ...)$ll,
       refined = list(rho = p[1], lambda = p[2],
                      coefficients = named(at_p$coef, cn),
                      coefficients_python = named(at_p$coef, pyname(cn)),
                      sigma2 = at_p$sigma2, loglik = at_p$ll))
}

# --------------------------------------------------------------------------
# Independent analytic information matrix for SAC (written out here, not
# taken from spatialreg).  Model: A y = X b + u, B u = e, e ~ N(0, s2 I),
# A = I - rho W, B = I - lam W  (same W for both, as in sacsarlm with
# listw2 = NULL).  Parameters ordered (s2, rho, lam, b).  With
#   G = W A^{-1},  H = W B^{-1},  Gt = B G B^{-1},  eta = B G X b,  Xt = B X
# the expected information I(theta) (Anselin 1988, ch. 6; LeSage & Pace
# 2009, sec. 3.3) has
#   I[s2,s2]   = n / (2 s2^2)
#   I[s2,rho]  = tr(G) / s2
#   I[s2,lam]  = tr(H) / s2
#   I[rho,rho] = tr(Gt Gt) + tr(Gt' Gt) + eta'eta / s2
#   I[rho,lam] = tr(H' Gt) + tr(H Gt)
#   I[lam,lam] = tr(H H) + tr(H' H)
#   I[rho,b]   = Xt' eta / s2
#   I[lam,b]   = 0,  I[s2,b] = 0
#   I[b,b]     = Xt' Xt / s2
# (note tr(H Gt) = tr(W B^{-1} B W A^{-1} B^{-1}) = tr(W W A^{-1} B^{-1}).)
# The asymptotic covariance is I^{-1}.
# --------------------------------------------------------------------------
sac_info_matrix <- function(rho, lam, b, s2, X, W) {
  n <- nrow(X); tr <- function(M) sum(diag(M))
  A <- diag(n) - rho * W; B <- diag(n) - lam * W
  Ai <- solve(A); Bi <- solve(B)
  G <- W %*% Ai; H <- W %*% Bi
  Gt <- B %*% G %*% Bi
  eta <- drop(B %*% G %*% X %*% b)
  Xt <- B %*% X
  k <- ncol(X); p <- k + 3
  I <- matrix(0, p, p)
  I[1, 1] <- n / (2 * s2^2)
  I[1, 2] <- I[2, 1] <- tr(G) / s2
  I[1, 3] <- I[3, 1] <- tr(H) / s2
  I[2, 2] <- tr(Gt %*% Gt) + sum(Gt * Gt) + sum(eta^2) / s2
  I[2, 3] <- I[3, 2] <- sum(H * Gt) + tr(H %*% Gt)
  I[3, 3] <- tr(H %*% H) + sum(H * H)
  I[2, 4:p] <- I[4:p, 2] <- drop(crossprod(Xt, eta)) / s2
  I[4:p, 4:p] <- crossprod(Xt) / s2
  V <- solve(I)
  dimnames(V) <- list(c("sigma2", "rho", "lambda", colnames(X)),
                      c("sigma2", "rho", "lambda", colnames(X)))
  V
}

# Burridge (1981) common-factor Wald test on the SDM:
#   H0: theta_k + rho * beta_k = 0 for every non-intercept regressor k
#   g = theta + rho beta,  G = dg/d(rho, beta, theta) = [beta, rho I, I]
#   W = g' (G V G')^{-1} g ~ chi2(K),  V = analytic vcov of (rho, beta, theta)
common_factor_wald <- function(sdm, xnames_noint) {
  V <- sdm$resvar
  cf <- sdm$coefficients
  rho <- unname(sdm$rho)
  bnm <- xnames_noint; tnm <- paste0("lag.", xnames_noint)
  beta <- cf[bnm]; theta <- cf[tnm]
  g <- theta + rho * beta
  K <- length(g)
  pn <- c("rho", bnm, tnm)
  G <- cbind(beta, rho * diag(K), diag(K))
  Vs <- V[pn, pn]
  stat <- drop(t(g) %*% solve(G %*% Vs %*% t(G), g))
  list(statistic = stat, df = K, p_value = pchisq(stat, K, lower.tail = FALSE),
       produced_by = "hand-coded in make_reference.R: Burridge common-factor Wald, g = theta + rho*beta, G = [beta, rho*I, I], V = lagsarlm(Durbin=TRUE)$resvar (analytic); W = g'(G V G')^-1 g ~ chi2(K)")
}

# --------------------------------------------------------------------------
# Fitting and extraction
# --------------------------------------------------------------------------
results <- list()

for (ds in names(datasets)) {
  D <- datasets[[ds]]
  cat("==== ", ds, "\n")
  dat <- write_and_check(D$df, out(D$data_file))
  edges <- nb_edges(D$nb)
  write.csv(edges, out(D$nb_file), row.names = FALSE)
  edges_back <- read.csv(out(D$nb_file))
  nb <- edges_to_nb(edges_back, nrow(dat))
  # the CSV must reproduce the spData neighbour list exactly
  stopifnot(length(nb) == length(D$nb))
  for (i in seq_along(nb)) stopifnot(identical(as.integer(nb[[i]]), as.integer(D$nb[[i]])))
  stopifnot(is.symmetric.nb(nb, verbose = FALSE, force = TRUE))
  lw <- nb2listw(nb, style = "W")
  Wm <- listw2mat(lw)
  # eigenvalues of W = D^-1 C (C binary symmetric) from the symmetric
  # similar matrix D^-1/2 C D^-1/2 (real, accurate)
  Cm <- listw2mat(nb2listw(nb, style = "B"))
  dh <- 1 / sqrt(rowSums(Cm))
  ev <- eigen(dh * t(dh * Cm), symmetric = TRUE, only.values = TRUE)$values
  stopifnot(max(abs(sort(ev) - sort(Re(eigen(Wm, only.values = TRUE)$values)))) < 1e-10)
  n <- nrow(dat)
  f <- D$formula
  X <- model.matrix(f, dat)
  y <- model.response(model.frame(f, dat))
  rx <- colnames(X)
  stopifnot(length(rx) == length(D$python_x))
  xnoint <- rx[rx != "(Intercept)"]
  # name map R -> python, for X, lag.X (spatialreg Durbin names) and their
  # make.names() versions (lmSLX names)
  pymap <- setNames(D$python_x, rx)
  pymap <- c(pymap, setNames(paste0("W_", D$python_x[rx != "(Intercept)"]),
                             paste0("lag.", xnoint)))
  pymap <- c(pymap, setNames(unname(pymap), make.names(names(pymap))))
  pymap <- pymap[!duplicated(names(pymap))]
  pyname <- function(r) {
    miss <- setdiff(r, names(pymap))
    if (length(miss)) stop("no python name for: ", paste(miss, collapse = ", "))
    unname(pymap[r])
  }
  coef_block <- function(cf, se) {
    nm <- names(cf)
    list(coefficients = named(cf, nm), std_errors = named(se, nm),
         python_names = named(pyname(nm), nm),
         coefficients_python = named(cf, pyname(nm)),
         std_errors_python = named(se, pyname(nm)))
  }
  vcov_block <- function(V, desc) {
    rn <- rownames(V)
    rn[rn == "sigma"] <- "sigma2"
    pn <- ifelse(rn %in% c("sigma2", "rho", "lambda"), rn, pymap[rn])
    list(names = I(rn), python_names = I(unname(pn)),
         matrix = unname(as.matrix(V)), description = desc)
  }
  imp_block <- function(imp) {
    bn <- attr(imp, "bnames")
    list(variables = I(bn), python_names = named(pyname(bn), bn),
         direct = named(imp$direct, bn), indirect = named(imp$indirect, bn),
         total = named(imp$total, bn),
         direct_python = named(imp$direct, pyname(bn)),
         indirect_python = named(imp$indirect, pyname(bn)),
         total_python = named(imp$total, pyname(bn)),
         method = attr(imp, "method"),
         produced_by = "spatialreg::impacts(fit, listw = lw): exact, via eigenvalues of W (lagImpacts_e / mixedImpacts_e): direct = mean diag of S_k(W), total = (beta_k + theta_k)/(1 - rho)")
  }
  wximp_block <- function(imp, n_minus_p_over_n, what) {
    bn <- attr(imp, "bnames")
    s <- imp$se
    sc <- sqrt(n_minus_p_over_n)
    list(variables = I(bn), python_names = named(pyname(bn), bn),
         direct = named(imp$impacts$direct, bn),
         indirect = named(imp$impacts$indirect, bn),
         total = named(imp$impacts$total, bn),
         direct_python = named(imp$impacts$direct, pyname(bn)),
         indirect_python = named(imp$impacts$indirect, pyname(bn)),
         total_python = named(imp$impacts$total, pyname(bn)),
         se_r = list(direct = named(s$direct, bn), indirect = named(s$indirect, bn),
                     total = named(s$total, bn)),
         se_ml = list(direct = named(s$direct * sc, bn),
                      indirect = named(s$indirect * sc, bn),
                      total = named(s$total * sc, bn)),
         se_ml_python = list(direct = named(s$direct * sc, pyname(bn)),
                             indirect = named(s$indirect * sc, pyname(bn)),
                             total = named(s$total * sc, pyname(bn))),
         produced_by = what,
         se_note = "se_r: as printed by R (summary.lm of the final regression, s2 = SSE/(n-p), total via .estimable); se_ml = se_r * sqrt((n-p)/n), i.e. with the ML s2 = SSE/n (exactly the ML asymptotic SEs, since the beta block of the information matrix is block-diagonal)")
  }
  mc_block <- function(fit, seed = 1L, R = 2000L) {
    set.seed(seed)
    imc <- impacts(fit, listw = lw, R = R)
    s <- summary(imc, zstats = TRUE, short = TRUE)
    bn <- attr(imc, "bnames")
    mk <- function(M, j) named(M[, j], bn)
    means <- list(direct = named(s$direct_sum$statistics[, "Mean"], bn),
                  indirect = named(s$indirect_sum$statistics[, "Mean"], bn),
                  total = named(s$total_sum$statistics[, "Mean"], bn))
    list(R = R, seed = seed,
         produced_by = sprintf("set.seed(%d); imc <- spatialreg::impacts(fit, listw = lw, R = %d); summary(imc, zstats = TRUE, short = TRUE). Draws from N(theta_hat, analytic vcov (fit$resvar)); Monte Carlo: compare loosely (a few percent)", seed, R),
         simulated_mean = means,
         se = list(direct = mk(s$semat, 1), indirect = mk(s$semat, 2), total = mk(s$semat, 3)),
         z = list(direct = mk(s$zmat, 1), indirect = mk(s$zmat, 2), total = mk(s$zmat, 3)),
         p_value = list(direct = mk(s$pzmat, 1), indirect = mk(s$pzmat, 2), total = mk(s$pzmat, 3)),
         python_names = named(pyname(bn), bn))
  }
  sarlm_common <- function(fit, model, call_txt) {
    stopifnot(isTRUE(fit$ase))
    res <- list(model = model, r_call = call_txt,
                formula = paste(deparse(f, width.cutoff = 500L), collapse = ""),
                python_formula = D$python_formula, n = n)
    res <- c(res, coef_block(fit$coefficients, fit$rest.se))
    if (!is.null(fit$rho)) {
      res$rho <- unname(fit$rho); res$rho_se <- unname(fit$rho.se)
    }
    if (!is.null(fit$lambda)) {
      res$lambda <- unname(fit$lambda); res$lambda_se <- unname(fit$lambda.se)
    }
    res$sigma2 <- fit$s2
    res$sigma2_definition <- "ML: SSE/n of the final (spatially filtered) regression"
    res$SSE <- fit$SSE
    res$loglik <- c(logLik(fit))
    res$AIC <- AIC(fit)
    res$n_parameters <- fit$parameters
    res$n_parameters_definition <- "df used in AIC/LR: regressors + sigma2 + spatial parameter(s)"
    res$method <- fit$method
    res$se_method <- "analytic"
    res$se_description <- "analytic asymptotic variance: inverse of the expected information matrix in (sigma2, spatial parameter(s), beta), computed by spatialreg with method = 'eigen' (fit$ase == TRUE); coefficient SEs are sqrt(diag) of that inverse"
    res$vcov <- vcov_block(fit$resvar, "fit$resvar: inverse information matrix (analytic); row/col order as in names; 'sigma2' is the variance sigma^2 (spatialreg labels it 'sigma')")
    res$LR1 <- htest_list(LR1.Sarlm(fit), "spatialreg::LR1.Sarlm(fit): LR vs lm() on the same regressors (incl. lag.X for Durbin models)")
    w1 <- Wald1.Sarlm(fit)
    res$Wald1 <- htest_list(w1, "spatialreg::Wald1.Sarlm(fit): (spatial parameter / its analytic SE)^2 vs chi2")
    res$LL_ols_same_regressors <- c(fit$logLik_lm.model)
    res
  }

  R <- list()
  info <- list(n = n, data_file = D$data_file, neighbors_file = D$nb_file,
               data_source = D$source, neighbors_source = D$nb_source,
               n_links = nrow(edges),
               weights = "spdep::nb2listw(nb, style = 'W') (row-standardised); nb rebuilt from the neighbours CSV",
               formula = paste(deparse(f, width.cutoff = 500L), collapse = ""),
               python_formula = D$python_formula, python_y = D$python_y,
               r_design_columns = I(rx), python_design_columns = I(D$python_x),
               eigenvalue_range = c(min(ev), max(ev)))
  if (ds == "boston")
    info$note <- "CHAS is a factor in spData::boston.c (R name CHAS1); the CSV stores it as numeric 0/1 and all fits here use the numeric column (R name CHAS), which gives an identical design matrix."
  info$python_names_map <- as.list(pymap)

  # ---------------- OLS
  ols <- lm(f, data = dat)
  k <- length(coef(ols))
  sse <- sum(residuals(ols)^2)
  se_ols <- summary(ols)$coefficients[, 2]
  R$OLS <- c(list(model = "OLS", r_call = "stats::lm(formula, data)",
                  formula = info$formula, python_formula = D$python_formula,
                  n = n),
             coef_block(coef(ols), se_ols))
  R$OLS$std_errors_ml <- named(se_ols * sqrt((n - k) / n), names(coef(ols)))
  R$OLS$std_errors_ml_python <- named(se_ols * sqrt((n - k) / n), pyname(names(coef(ols))))
  R$OLS$se_method <- "analytic"
  R$OLS$se_description <- "std_errors: classical OLS, s2 = SSE/(n-k); std_errors_ml: with ML s2 = SSE/n"
  R$OLS$sigma2 <- sse / n
  R$OLS$sigma2_definition <- "ML: SSE/n"
  R$OLS$sigma2_unbiased <- sse / (n - k)
  R$OLS$SSE <- sse
  R$OLS$loglik <- c(logLik(ols))
  R$OLS$AIC <- AIC(ols)
  R$OLS$n_parameters <- k + 1L
  R$OLS$r_squared <- summary(ols)$r.squared
  mt <- lm.morantest(ols, lw)
  R$OLS$moran_residuals <- list(I = unname(mt$estimate[1]),
                                expectation = unname(mt$estimate[2]),
                                variance = unname(mt$estimate[3]),
                                z = unname(mt$statistic), p_value_greater = unname(mt$p.value),
                                produced_by = "spdep::lm.morantest(ols, lw) (alternative = 'greater', randomisation under normality of errors)")
  lmt <- tryCatch(lm.LMtests(ols, lw, test = c("LMerr", "LMlag", "RLMerr", "RLMlag", "SARMA")),
                  error = function(e) NULL)
  if (!is.null(lmt)) {
    R$OLS$LM_tests <- lapply(lmt, function(h) htest_list(h, "spdep::lm.LMtests(ols, lw, test=c('LMerr','LMlag','RLMerr','RLMlag','SARMA'))"))
  }

  # ---------------- SAR
  sar <- lagsarlm(f, data = dat, listw = lw, method = "eigen",
                  tol.solve = TOL_SOLVE, control = LAG_CONTROL)
  R$SAR <- sarlm_common(sar, "SAR", sprintf("spatialreg::lagsarlm(formula, data, listw = lw, method = 'eigen', tol.solve = %g, control = list(tol.opt = %.6g))", TOL_SOLVE, TOL_OPT))
  R$SAR$impacts <- imp_block(impacts(sar, listw = lw))
  R$SAR$precision <- refine_1d(lag_profile, unname(sar$rho), "rho", Z = sar$X, pyname = pyname, y = y, W = Wm, ev = ev)

  # ---------------- SEM
  sem <- errorsarlm(f, data = dat, listw = lw, method = "eigen",
                    tol.solve = TOL_SOLVE, control = LAG_CONTROL)
  R$SEM <- sarlm_common(sem, "SEM", sprintf("spatialreg::errorsarlm(formula, data, listw = lw, method = 'eigen', tol.solve = %g, control = list(tol.opt = %.6g))", TOL_SOLVE, TOL_OPT))
  R$SEM$precision <- refine_1d(err_profile, unname(sem$lambda), "lambda", Z = sem$X, pyname = pyname, y = y, W = Wm, ev = ev)

  # ---------------- SDM
  sdm <- lagsarlm(f, data = dat, listw = lw, Durbin = TRUE, method = "eigen",
                  tol.solve = TOL_SOLVE, control = LAG_CONTROL)
  R$SDM <- sarlm_common(sdm, "SDM", sprintf("spatialreg::lagsarlm(formula, data, listw = lw, Durbin = TRUE, method = 'eigen', tol.solve = %g, control = list(tol.opt = %.6g))", TOL_SOLVE, TOL_OPT))
  R$SDM$impacts <- imp_block(impacts(sdm, listw = lw))
  R$SDM$precision <- refine_1d(lag_profile, unname(sdm$rho), "rho", Z = sdm$X, pyname = pyname, y = y, W = Wm, ev = ev)

  # ---------------- SDEM
  sdem <- errorsarlm(f, data = dat, listw = lw, Durbin = TRUE, method = "eigen",
                     tol.solve = TOL_SOLVE, control = LAG_CONTROL)
  R$SDEM <- sarlm_common(sdem, "SDEM", sprintf("spatialreg::errorsarlm(formula, data, listw = lw, Durbin = TRUE, method = 'eigen', tol.solve = %g, control = list(tol.opt = %.6g))", TOL_SOLVE, TOL_OPT))
  p_sdem <- ncol(sdem$X)
  R$SDEM$impacts <- wximp_block(impacts(sdem), (n - p_sdem) / n,
    "spatialreg::impacts(sdem) (impactSDEM): direct = beta, indirect = theta, total = beta + theta")
  R$SDEM$precision <- refine_1d(err_profile, unname(sdem$lambda), "lambda", Z = sdem$X, pyname = pyname, y = y, W = Wm, ev = ev)

  # ---------------- SLX
  slx <- lmSLX(f, data = dat, listw = lw)
  kx <- length(coef(slx))
  sse_slx <- sum(residuals(slx)^2)
  se_slx <- summary(slx)$coefficients[, 2]
  R$SLX <- c(list(model = "SLX", r_call = "spatialreg::lmSLX(formula, data, listw = lw) (Durbin = TRUE; OLS of y on [X, WX])",
                  formula = info$formula, python_formula = D$python_formula, n = n),
             coef_block(coef(slx), se_slx))
  R$SLX$names_note <- "lmSLX applies make.names() to the columns, e.g. 'lag.I.NOX.2.' for lag of I(NOX^2); python_names maps them"
  R$SLX$std_errors_ml <- named(se_slx * sqrt((n - kx) / n), names(coef(slx)))
  R$SLX$std_errors_ml_python <- named(se_slx * sqrt((n - kx) / n), pyname(names(coef(slx))))
  R$SLX$se_method <- "analytic"
  R$SLX$se_description <- "std_errors: classical OLS (lm), s2 = SSE/(n-k); std_errors_ml: with ML s2 = SSE/n"
  R$SLX$sigma2 <- sse_slx / n
  R$SLX$sigma2_definition <- "ML: SSE/n"
  R$SLX$sigma2_unbiased <- sse_slx / (n - kx)
  R$SLX$SSE <- sse_slx
  R$SLX$loglik <- c(logLik(slx))
  R$SLX$AIC <- AIC(slx)
  R$SLX$n_parameters <- kx + 1L
  R$SLX$impacts <- wximp_block(impacts(slx), (n - kx) / n,
    "spatialreg::impacts(slx) (impacts.SlX): direct = beta, indirect = theta, total = beta + theta")

  # ---------------- SAC
  sac <- sacsarlm(f, data = dat, listw = lw, method = "eigen",
                  tol.solve = TOL_SOLVE, control = SAC_CONTROL)
  if (sac$opt$convergence != 0) warning("SAC nlminb: ", sac$opt$message)
  R$SAC <- sarlm_common(sac, "SAC", sprintf("spatialreg::sacsarlm(formula, data, listw = lw, method = 'eigen', tol.solve = %g, control = list(opt_control = list(x.tol = 1e-10), fdHess = TRUE))", TOL_SOLVE))
  R$SAC$optimizer <- list(name = "nlminb", convergence = sac$opt$convergence,
                          message = sac$opt$message, start = unname(sac$pars))
  R$SAC$impacts <- imp_block(impacts(sac, listw = lw))
  # second SE set: spatialreg finite-difference Hessian (nlme-style fdHess of
  # the log-likelihood in (rho, lambda, beta) with sigma2 concentrated out)
  fdh <- sac$fdHess
  nms_fd <- c("rho", "lambda", names(sac$coefficients))
  se_fd <- sqrt(diag(fdh))
  R$SAC$std_errors_numerical_hessian <- list(
    rho_se = unname(se_fd[1]), lambda_se = unname(se_fd[2]),
    std_errors = named(se_fd[-(1:2)], names(sac$coefficients)),
    std_errors_python = named(se_fd[-(1:2)], pyname(names(sac$coefficients))),
    se_method = "numerical Hessian",
    produced_by = "sacsarlm(..., control = list(fdHess = TRUE))$fdHess = solve(-fdHess(c(rho, lambda, beta), f_sac_hess)$Hessian): observed information of the log-likelihood with sigma2 = SSE/n concentrated out, finite differences")
  # third: independent hand-coded analytic information matrix (see top)
  Vown <- sac_info_matrix(unname(sac$rho), unname(sac$lambda), sac$coefficients,
                          sac$s2, sac$X, Wm)
  se_own <- sqrt(diag(Vown))
  R$SAC$std_errors_analytic_own <- list(
    rho_se = unname(se_own["rho"]), lambda_se = unname(se_own["lambda"]),
    sigma2_se = unname(se_own["sigma2"]),
    std_errors = named(se_own[-(1:3)], names(sac$coefficients)),
    std_errors_python = named(se_own[-(1:3)], pyname(names(sac$coefficients))),
    max_abs_diff_vs_spatialreg_vcov = max(abs(unname(Vown) - unname(sac$resvar))),
    se_method = "analytic",
    produced_by = "sac_info_matrix() in make_reference.R: inverse expected information (Anselin 1988), coded independently of spatialreg")
  R$SAC$precision <- refine_sac(c(unname(sac$rho), unname(sac$lambda)), Z = sac$X, pyname = pyname, y = y, W = Wm, ev = ev)

  # ---------------- Monte Carlo impacts SEs (columbus only)
  if (ds == "columbus") {
    R$SAR$impacts_simulated <- mc_block(sar)
    R$SDM$impacts_simulated <- mc_block(sdm)
  }

  # ---------------- tests between models
  tests <- list(
    LR_SDM_vs_SAR = htest_list(LR.Sarlm(sdm, sar), "spatialreg::LR.Sarlm(sdm, sar): H0 theta = 0"),
    LR_SDM_vs_SEM_common_factor = htest_list(LR.Sarlm(sdm, sem), "spatialreg::LR.Sarlm(sdm, sem): common-factor LR, H0 theta = -rho beta"),
    LR_SDM_vs_SLX = htest_list(LR1.Sarlm(sdm), "spatialreg::LR1.Sarlm(sdm): H0 rho = 0 (vs lm on [X, WX] = SLX)"),
    LR_SDEM_vs_SEM = htest_list(LR.Sarlm(sdem, sem), "spatialreg::LR.Sarlm(sdem, sem): H0 theta = 0"),
    LR_SDEM_vs_SLX = htest_list(LR1.Sarlm(sdem), "spatialreg::LR1.Sarlm(sdem): H0 lambda = 0"),
    LR_SAR_vs_OLS = htest_list(LR1.Sarlm(sar), "spatialreg::LR1.Sarlm(sar)"),
    LR_SEM_vs_OLS = htest_list(LR1.Sarlm(sem), "spatialreg::LR1.Sarlm(sem)"),
    LR_SAC_vs_SAR = htest_list(LR.Sarlm(sac, sar), "spatialreg::LR.Sarlm(sac, sar): H0 lambda = 0"),
    LR_SAC_vs_SEM = htest_list(LR.Sarlm(sac, sem), "spatialreg::LR.Sarlm(sac, sem): H0 rho = 0"),
    Wald1_SDM_rho = htest_list(Wald1.Sarlm(sdm), "spatialreg::Wald1.Sarlm(sdm): (rho/se)^2, df = 1 (NOT a common-factor test)"),
    Wald_SDM_common_factor = common_factor_wald(sdm, xnoint)
  )
  R$tests <- tests
  R$dataset_info <- info
  results[[ds]] <- R
}

# --------------------------------------------------------------------------
# Meta and output
# --------------------------------------------------------------------------
pv <- function(p) as.character(packageVersion(p))
meta <- list(
  generator = "tests/reference/crosssection/make_reference.R",
  regenerate = "Rscript tests/reference/crosssection/make_reference.R  (from the repository root)",
  R_version = R.version.string,
  packages = list(spatialreg = pv("spatialreg"), spdep = pv("spdep"),
                  spData = pv("spData"), Matrix = pv("Matrix"),
                  jsonlite = pv("jsonlite"), coda = pv("coda")),
  platform = R.version$platform,
  options = list(tol_opt = TOL_OPT, tol_solve = TOL_SOLVE,
                 sac_opt_control = SAC_CONTROL$opt_control),
  conventions = list(
    sigma2 = "ML estimate e'e/n everywhere (OLS/SLX also give sigma2_unbiased)",
    loglik = "full Gaussian log-likelihood at the ML estimate (incl. -n/2 log(2 pi))",
    AIC = "-2 loglik + 2 n_parameters, n_parameters counts sigma2 and spatial parameters",
    names = "coefficients/std_errors keyed by R names; *_python keyed by the Python package's names: 'Intercept', formulaic term names (e.g. 'I(NOX ** 2)', 'np.log(DIS)'), 'W_<term>' for the coefficient of W x, 'rho', 'lambda'",
    impacts = "averages over observations (LeSage & Pace 2009): direct = n^-1 tr S_k, total = n^-1 1' S_k 1, indirect = total - direct",
    precision = "rho/lambda from spatialreg stop ~1e-8..5e-7 from the exact MLE (optimize/nlminb on a log-likelihood whose rounding noise is ~1e-13); the 'precision' block of each ML model gives the analytic concentrated score at spatialreg's estimate and, under 'refined', the exact score root with beta, sigma2, loglik recomputed there (computed in this script, not by spatialreg)"
  )
)
doc <- c(list(meta = meta), results)
writeLines(to_json(doc), out("reference.json"))
cat("wrote", out("reference.json"), "\n")

# Sanity print
cat(sprintf("columbus SAR rho = %.10f  loglik = %.6f\n", results$columbus$SAR$rho, results$columbus$SAR$loglik))
cat(sprintf("columbus SEM lambda = %.10f  loglik = %.6f\n", results$columbus$SEM$lambda, results$columbus$SEM$loglik))
cat(sprintf("boston   SAR rho = %.10f  loglik = %.6f\n", results$boston$SAR$rho, results$boston$SAR$loglik))
