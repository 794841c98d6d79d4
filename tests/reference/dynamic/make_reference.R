# Independent reference values for spatialinno's dynamic spatial panels (issue 14).
#
# Run from the repository root:
#     Rscript tests/reference/dynamic/make_reference.R
#
# Data: plm::Produc (48 US states, 1970-1986) and the queen contiguity of the existing panel references,
# read from tests/reference/panel/produc_data.csv and produc_neighbors.csv (written by
# tests/reference/panel/make_reference.R from plm::Produc and spData::us_states); W row-standardised.
# Model: lgsp_t = tau lgsp_{t-1} + rho W lgsp_t + eta W lgsp_{t-1} + X_t b [+ W X_t theta] + FE + e_t,
# X = log(pcap), log(pc), log(emp), unemp; 1970 is the initial condition, so periods 1971-1986 (T' = 16,
# n = 768) enter.
#
# 1. "none" (uncorrected conditional QML = exact ML of the dummy-variable model):
#    spatialreg::lagsarlm, method = "eigen", on the stacked 1971-1986 data (sorted year, then state) with
#    tau = lgsp_{t-1} and eta = W lgsp_{t-1} as ordinary regressors, W x computed by hand per year (SDM),
#    explicit state and/or year dummies (treatment contrasts), W_NT = I_T' (x) W. pre_eig = rep(eigenvalues of
#    W, T'), tol.opt = 1e-12. Standard errors: spatialreg's analytic inverse information of the full dummy model.
#
# 2. "lee-yu": SDPDmod's algorithm (SDPDm with dynamic = TRUE, LYtrans = TRUE; R/SDPDm.R and R/SIG_OMG.R of
#    SDPDmod, Simonovska) re-implemented here in plain R, because SDPDmod is not packaged for Debian. Steps:
#      - entity effects: within (individual demeaning over the T' periods used) of y and Z = [tau, eta, X, WX];
#      - two-way: F_N' transformation first (F_N = orthonormal eigenvectors of I - 11'/N with eigenvalue 1,
#        W* = F_N' W F_N, N* = N - 1 units), then individual demeaning (Lee & Yu 2010, Econometric Theory);
#      - time effects only: F_N' transformation only, no correction (no entity effects are removed; see
#        spatialinno.models.dynamic);
#      - concentrated log-likelihood -n T'/2 log(e'e(rho)/(n T')) + T' log|I - rho W|, maximised with
#        stats::optimize (tol 1e-12) on the EXACT log-determinant from the eigenvalues of W (resp. W*),
#        where SDPDmod interpolates a grid with step 0.001 (its only deviation from the formula);
#      - information matrix f_SIG (SDPDmod) divided by n T'; bias vector of Yu, de Jong & Lee (2008):
#          b_tau = tr((I - A)^-1 S^-1)/n, b_eta = tr(W (I - A)^-1 S^-1)/n,
#          b_rho = tau tr(G (I - A)^-1 S^-1)/n + eta tr(G W (I - A)^-1 S^-1)/n + tr(G)/n, b_sigma2 = 1/(2 s2),
#        A = S^-1 (tau I + eta W), S = I - rho W, G = W S^-1 (SDPDmod's B_n = A_n: no eigenvalue of A_n above
#        1 - 1/n here, checked); theta_1 = theta - (-SIG^-1 b / T');
#      - standard errors: sqrt(diag((SIG(theta_1)/(n T'))^-1) / (n T')) (information only), and SDPDmod's
#        QML form with the fourth-moment term OMG stored as se_qml_sdpdmod (not compared).
#
# Writes tests/reference/dynamic/reference.json.

suppressPackageStartupMessages({
  library(spdep)
  library(spatialreg)
  library(jsonlite)
})

outdir <- file.path("tests", "reference", "dynamic")
paneldir <- file.path("tests", "reference", "panel")
stopifnot(dir.exists(outdir), dir.exists(paneldir))
TOL_OPT <- 1e-12

prod <- read.csv(file.path(paneldir, "produc_data.csv"), stringsAsFactors = FALSE)
edges <- read.csv(file.path(paneldir, "produc_neighbors.csv"), stringsAsFactors = FALSE)
states <- sort(unique(prod$state)); years <- sort(unique(prod$year))
N <- length(states); TT <- length(years); Tp <- TT - 1
B <- matrix(0, N, N, dimnames = list(states, states))
B[cbind(match(edges$from_state, states), match(edges$to_state, states))] <- 1
stopifnot(isSymmetric(B), all(rowSums(B) > 0))
W <- B / rowSums(B)
Dm12 <- diag(1 / sqrt(rowSums(B)))
ev <- eigen(Dm12 %*% B %*% Dm12, symmetric = TRUE, only.values = TRUE)$values

d <- prod[order(prod$year, match(prod$state, states)), ]
stopifnot(all(d$state == rep(states, TT)))
Y <- matrix(log(d$gsp), N, TT)                       # N x T, column t = year t
xraw <- list(lpcap = log(d$pcap), lpc = log(d$pc), lemp = log(d$emp), unemp = d$unemp)
xvars <- names(xraw)
Xm <- lapply(xraw, function(v) matrix(v, N, TT))
used <- 2:TT
dd <- data.frame(state = rep(states, Tp), year = rep(years[used], each = N),
                 lgsp = as.vector(Y[, used]), tau = as.vector(Y[, used - 1]),
                 eta = as.vector(W %*% Y[, used - 1]))
for (v in xvars) {
  dd[[v]] <- as.vector(Xm[[v]][, used])
  dd[[paste0("W_", v)]] <- as.vector(W %*% Xm[[v]][, used])
}
dd$fstate <- factor(dd$state, levels = states)
dd$fyear <- factor(dd$year)
n <- nrow(dd); stopifnot(n == N * Tp)

pyname <- c(tau = "tau", eta = "eta", lpcap = "np.log(pcap)", lpc = "np.log(pc)", lemp = "np.log(emp)",
            unemp = "unemp", W_lpcap = "W_np.log(pcap)", W_lpc = "W_np.log(pc)", W_lemp = "W_np.log(emp)",
            W_unemp = "W_unemp")
terms_of <- list(time = "tau", spacetime = "eta", both = c("tau", "eta"))
named <- function(x, nms) { l <- as.list(unname(x)); names(l) <- nms; l }

lw_NT <- nb2listw(mat2listw(kronecker(diag(Tp), B), style = "B")$neighbours, style = "W")

# ------------------------------------------------------------------------------------------------
# 1. bias_correction = "none": lagsarlm on explicit dummies
# ------------------------------------------------------------------------------------------------
lsdv <- function(model, fe, dynamic) {
  rhs <- c(terms_of[[dynamic]], xvars)
  if (model == "SDM") rhs <- c(rhs, paste0("W_", xvars))
  if (fe %in% c("entity", "twoway")) rhs <- c(rhs, "fstate")
  if (fe %in% c("time", "twoway")) rhs <- c(rhs, "fyear")
  f <- as.formula(paste("lgsp ~", paste(rhs, collapse = " + ")))
  fit <- lagsarlm(f, data = dd, listw = lw_NT, method = "eigen", quiet = TRUE,
                  control = list(tol.opt = TOL_OPT, pre_eig = rep(ev, Tp)))
  stopifnot(isTRUE(fit$ase))
  cf <- summary(fit)$Coef
  keep <- setdiff(rhs, c("fstate", "fyear"))
  if (fe == "none") keep <- c("(Intercept)", keep)
  nm <- ifelse(keep == "(Intercept)", "Intercept", pyname[keep])
  list(model = model, fixed_effects = fe, dynamic = dynamic,
       coefficients = c(named(cf[keep, "Estimate"], nm), list(rho = unname(fit$rho))),
       std_errors = c(named(cf[keep, "Std. Error"], nm), list(rho = unname(fit$rho.se))),
       sigma2 = fit$s2, loglik = as.numeric(fit$LL), nobs = n,
       r_call = paste(deparse(f, width.cutoff = 500), collapse = ""))
}
none_cases <- list(c("SDM", "entity", "both"), c("SDM", "twoway", "both"), c("SDM", "time", "both"),
                   c("SDM", "none", "both"), c("SAR", "entity", "time"), c("SAR", "twoway", "spacetime"))
none <- lapply(none_cases, function(x) lsdv(x[1], x[2], x[3]))

# ------------------------------------------------------------------------------------------------
# 2. bias_correction = "lee-yu": SDPDmod's algorithm with an exact log-determinant
# ------------------------------------------------------------------------------------------------
Fn <- local({ e <- eigen(diag(N) - matrix(1 / N, N, N), symmetric = TRUE); e$vectors[, e$values > 0.5] })
stopifnot(ncol(Fn) == N - 1, max(abs(crossprod(Fn) - diag(N - 1))) < 1e-12)

f_SIG <- function(rho, bhat, sige, Wn, Z, n, t, kz) {        # SDPDmod R/SIG_OMG.R, as written there
  Sni <- solve(diag(n) - rho * Wn); Gn <- Wn %*% Sni
  pterm <- sum(diag(Gn %*% Gn + Gn %*% t(Gn)))
  GZb <- as.vector(kronecker(diag(t), Gn) %*% (Z %*% bhat))
  SIG <- matrix(0, kz + 2, kz + 2)
  SIG[1:kz, 1:kz] <- crossprod(Z) / sige
  SIG[1:kz, kz + 1] <- SIG[kz + 1, 1:kz] <- as.vector(crossprod(Z, GZb)) / sige
  SIG[kz + 1, kz + 1] <- sum(GZb^2) / sige + pterm * t
  SIG[kz + 2, kz + 2] <- n * t / (2 * sige^2)
  SIG[kz + 1, kz + 2] <- SIG[kz + 2, kz + 1] <- t * sum(diag(Gn)) / sige
  list(SIG = SIG, Gn = Gn, Sni = Sni)
}
f_OMG <- function(sige, Gn, n, kz, mu4) {
  OMG <- matrix(0, kz + 2, kz + 2)
  OMG[kz + 1, kz + 1] <- sum(diag(Gn)^2) / n
  OMG[kz + 1, kz + 2] <- OMG[kz + 2, kz + 1] <- sum(diag(Gn)) / (2 * sige * n)
  OMG[kz + 2, kz + 2] <- 1 / (4 * sige^2)
  ((mu4 - 3 * sige^2) / sige^2) * OMG
}

leeyu <- function(model, fe, dynamic) {
  zn <- c(terms_of[[dynamic]], xvars, if (model == "SDM") paste0("W_", xvars))
  y <- dd$lgsp; Z <- as.matrix(dd[, zn])
  n <- N; Wn <- W
  if (fe %in% c("time", "twoway")) {                 # F_N' per period
    tr <- function(v) as.vector(crossprod(Fn, matrix(v, N, Tp)))
    y <- tr(y); Z <- apply(Z, 2, tr); n <- N - 1; Wn <- crossprod(Fn, W %*% Fn)
  }
  if (fe %in% c("entity", "twoway")) {               # individual demeaning over the T' periods
    dm <- function(v) { m <- matrix(v, n, Tp); as.vector(m - rowMeans(m)) }
    y <- dm(y); Z <- apply(Z, 2, dm)
  }
  evn <- eigen(Wn, only.values = TRUE)$values
  Wy <- as.vector(kronecker(diag(Tp), Wn) %*% y)
  bo <- qr.coef(qr(Z), y); bd <- qr.coef(qr(Z), Wy)
  eo <- y - Z %*% bo; ed <- Wy - Z %*% bd
  nll <- function(r) {
    e <- eo - r * ed
    n * Tp / 2 * log(sum(e^2) / (n * Tp)) - Tp * sum(Re(log(1 - r * as.complex(evn))))
  }
  re <- Re(evn[abs(Im(evn)) < 1e-10])
  opt <- optimize(nll, c(1 / min(re) + 1e-6, 1 / max(re) - 1e-6), tol = TOL_OPT)
  rho <- opt$minimum
  bhat <- as.vector(bo - rho * bd); names(bhat) <- zn
  e <- as.vector(eo - rho * ed); sige <- sum(e^2) / (n * Tp)
  kz <- ncol(Z)
  loglik <- -opt$objective - n * Tp / 2 * (log(2 * pi) + 1)
  out <- list(model = model, fixed_effects = fe, dynamic = dynamic, units = n,
              uncorrected = c(named(bhat, pyname[zn]), list(rho = rho, sigma2 = sige)), loglik = loglik)
  if (fe == "time") {                                  # transformation only, information SEs
    fs <- f_SIG(rho, bhat, sige, Wn, Z, n, Tp, kz)
    V <- solve(fs$SIG)
    out$coefficients <- out$uncorrected
    out$std_errors <- named(sqrt(diag(V))[1:(kz + 1)], c(pyname[zn], "rho"))
    return(out)
  }
  fs <- f_SIG(rho, bhat, sige, Wn, Z, n, Tp, kz)
  SIGi <- solve(fs$SIG / (n * Tp)); Sni <- fs$Sni; Gn <- fs$Gn
  tau <- if ("tau" %in% zn) bhat[["tau"]] else 0
  eta <- if ("eta" %in% zn) bhat[["eta"]] else 0
  An <- Sni %*% (tau * diag(n) + eta * Wn)
  mm <- sum(Re(eigen(An, only.values = TRUE)$values) > 1 - 1 / n)
  stopifnot(mm == 0)                                   # B_n = A_n in SDPDmod
  M <- solve(diag(n) - An) %*% Sni
  b <- rep(0, kz + 2)
  if ("tau" %in% zn) b[match("tau", zn)] <- sum(diag(M)) / n
  if ("eta" %in% zn) b[match("eta", zn)] <- sum(diag(Wn %*% M)) / n
  b[kz + 1] <- tau * sum(diag(Gn %*% M)) / n + eta * sum(diag(Gn %*% Wn %*% M)) / n + sum(diag(Gn)) / n
  b[kz + 2] <- 1 / (2 * sige)
  bias <- -SIGi %*% b / Tp
  theta1 <- c(bhat, rho, sige) - as.vector(bias)
  b1 <- theta1[1:kz]; rho1 <- theta1[kz + 1]; s1 <- theta1[kz + 2]
  fs1 <- f_SIG(rho1, b1, s1, Wn, Z, n, Tp, kz)
  SIGi1 <- solve(fs1$SIG / (n * Tp))
  se <- sqrt(diag(SIGi1)) / sqrt(n * Tp)
  resid1 <- y - as.vector(solve(diag(n * Tp) - rho1 * kronecker(diag(Tp), Wn), Z %*% b1))  # SDPDmod's resid1
  mu4 <- sum(resid1^4) / (n * Tp)
  se_qml <- sqrt(abs(diag(SIGi1 + SIGi1 %*% f_OMG(s1, fs1$Gn, n, kz, mu4) %*% SIGi1))) / sqrt(n * Tp)
  out$coefficients <- c(named(b1, pyname[zn]), list(rho = rho1, sigma2 = s1))
  out$std_errors <- named(se[1:(kz + 1)], c(pyname[zn], "rho"))
  out$se_qml_sdpdmod <- named(se_qml[1:(kz + 1)], c(pyname[zn], "rho"))
  out$bias_vector_b <- b
  out
}
ly_cases <- list(c("SDM", "entity", "both"), c("SDM", "twoway", "both"), c("SAR", "entity", "both"),
                 c("SAR", "twoway", "both"), c("SAR", "entity", "time"), c("SDM", "time", "both"))
ly <- lapply(ly_cases, function(x) leeyu(x[1], x[2], x[3]))

# Dense long-run effects are computed in the Python test itself from the formula.
ref <- list(
  meta = list(created = format(Sys.time(), tz = "UTC"), R = R.version.string,
              spatialreg = as.character(packageVersion("spatialreg")),
              spdep = as.character(packageVersion("spdep")),
              data = "plm::Produc via tests/reference/panel/produc_data.csv; W: produc_neighbors.csv, row-standardised",
              formula = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp",
              N = N, T = TT, periods_used = Tp, initial_period = years[1]),
  none = none, lee_yu = ly)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(outdir, "reference.json"))
cat("wrote", file.path(outdir, "reference.json"), "\n")
