# Independent reference values for spatial panel ML estimators (spatialinno).
#
# Run from the repository root:
#     Rscript tests/reference/panel/make_reference.R
#
# Writes into tests/reference/panel/:
#   produc_data.csv       plm::Produc raw columns (state, year, gsp, pcap, pc, emp, unemp)
#   produc_neighbors.csv  queen contiguity (spdep::poly2nb on spData::us_states), directed edges
#   state_name_map.csv    us_states$NAME  <->  Produc state spelling
#   reference.json        reference estimates (see README.md for the schema)
#
# Model: log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp, N = 48 states, T = 17 years.
#
# Fixed effects ("bias_correction = none" in Elhorst 2014 terms) are obtained as the EXACT ML
# estimates of the least-squares-dummy-variable (LSDV) model: spatialreg::lagsarlm / errorsarlm
# with method = "eigen" on the stacked NT data with explicit dummy columns.  splm is not used.
#
#   * Stacking: rows sorted by year, then state (Produc's alphabetical state order), so that
#     W_NT = kronecker(I_T, W_N) with W_N the row-standardised queen contiguity matrix.
#   * Dummy coding: an intercept is KEPT; entity dummies for the 47 states other than the first
#     (ALABAMA); for two-way also 16 year dummies other than the first (1970).  (R treatment
#     contrasts on factors.)  Only the intercept-free, non-dummy coefficients are stored,
#     plus the recovered fixed effects of the two-way SAR in the Elhorst normalisation.
#   * SDM: Durbin = TRUE is NOT used (it would spatially lag the dummies); W x is computed by
#     hand, per year, for the four regressors and added as W_lpcap, W_lpc, W_lemp, W_unemp.
#   * Jacobian: eigenvalues of W_N are computed from the symmetric similar matrix
#     D^{-1/2} B D^{-1/2} (B binary symmetric contiguity, D = diag(rowSums(B))), so they are
#     real and exact to machine precision; the NT eigenvalues are rep(ev, T) and are passed as
#     control$pre_eig.  Optimiser tolerance control$tol.opt = 1e-12 (default eps^0.5).
#   * Standard errors: with method = "eigen" and n <= control$small (1500) spatialreg computes the
#     ANALYTIC asymptotic covariance (inverse information matrix) of the full dummy model
#     (sigma2, rho/lambda, all betas incl. dummies); the submatrix for the non-dummy
#     parameters is stored.  For SEM the beta block is block-diagonal to (sigma2, lambda).
#
# Second independent check: the same FE models by the within (demeaning) approach in plain R,
# W applied BEFORE demeaning (Wy and Wx are demeaned themselves), concentrated likelihood
#     logL(rho) = -NT/2 log(2 pi s2) + T log|I_N - rho W_N| - e'e/(2 s2),  s2 = e'e/NT,
# optimised with stats::optimize on (1/min(ev), 1/max(ev)).
#
# Random effects SAR and SEM by ML in plain R (formulas in the comments at the function
# definitions below), stored under "random".

suppressPackageStartupMessages({
  library(plm)
  library(sf)
  library(spData)
  library(spdep)
  library(spatialreg)
  library(jsonlite)
  library(numDeriv)
})

outdir <- file.path("tests", "reference", "panel")
stopifnot(dir.exists(outdir))
TOL_OPT <- 1e-12

# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------
data("Produc", package = "plm")
prod <- data.frame(state = as.character(Produc$state), year = Produc$year,
                   gsp = Produc$gsp, pcap = Produc$pcap, pc = Produc$pc,
                   emp = Produc$emp, unemp = Produc$unemp, stringsAsFactors = FALSE)
# Written in plm's original order (state, then year); the fits below re-sort by year, state.
write.csv(prod, file.path(outdir, "produc_data.csv"), row.names = FALSE)

states <- sort(unique(prod$state))      # Produc's (alphabetical) spelling, incl. "TENNESSE"
years <- sort(unique(prod$year))
N <- length(states); T <- length(years); NT <- N * T
stopifnot(N == 48, T == 17, nrow(prod) == NT)

# ------------------------------------------------------------------------------------------
# Weights: queen contiguity on spData::us_states (49 features incl. DC; DC dropped)
# ------------------------------------------------------------------------------------------
us <- us_states[us_states$NAME != "District of Columbia", ]
key <- gsub(" ", "_", toupper(us$NAME))
key[key == "TENNESSEE"] <- "TENNESSE"   # Produc's spelling
stopifnot(setequal(key, states), length(key) == N)
name_map <- data.frame(us_states_NAME = us$NAME, produc_state = key, stringsAsFactors = FALSE)
name_map <- name_map[order(name_map$produc_state), ]
write.csv(name_map, file.path(outdir, "state_name_map.csv"), row.names = FALSE)
us <- us[match(states, key), ]
nb <- poly2nb(us, queen = TRUE)
stopifnot(is.symmetric.nb(nb), all(card(nb) > 0))
edges <- do.call(rbind, lapply(seq_len(N), function(i)
  data.frame(from_state = states[i], to_state = states[nb[[i]]], stringsAsFactors = FALSE)))
write.csv(edges, file.path(outdir, "produc_neighbors.csv"), row.names = FALSE)

B <- nb2mat(nb, style = "B", zero.policy = FALSE)
dimnames(B) <- list(states, states)
W <- B / rowSums(B)                                   # row-standardised W_N
Dm12 <- diag(1 / sqrt(rowSums(B)))
ev <- eigen(Dm12 %*% B %*% Dm12, symmetric = TRUE, only.values = TRUE)$values
ev_NT <- rep(ev, T)
interval_rho <- c(1 / min(ev), 1 / max(ev))
stopifnot(abs(max(ev) - 1) < 1e-12)

# NT listw = kronecker(I_T, W_N), row-standardised
nb_NT <- mat2listw(kronecker(diag(T), B), style = "B")$neighbours
lw_NT <- nb2listw(nb_NT, style = "W")
stopifnot(max(abs(as.matrix(listw2mat(lw_NT)) - kronecker(diag(T), W))) < 1e-15)

# ------------------------------------------------------------------------------------------
# Stacked data, sorted by year then state
# ------------------------------------------------------------------------------------------
d <- prod[order(prod$year, match(prod$state, states)), ]
rownames(d) <- NULL
stopifnot(all(d$state == rep(states, T)), all(d$year == rep(years, each = N)))
d$lgsp <- log(d$gsp); d$lpcap <- log(d$pcap); d$lpc <- log(d$pc); d$lemp <- log(d$emp)
applyW <- function(v) as.vector(W %*% matrix(v, N, T))   # per-year W_N  (== W_NT %*% v)
xvars <- c("lpcap", "lpc", "lemp", "unemp")
for (v in xvars) d[[paste0("W_", v)]] <- applyW(d[[v]])
d$fstate <- factor(d$state, levels = states)               # treatment contrasts: drop ALABAMA
d$fyear <- factor(d$year, levels = years)                  # treatment contrasts: drop 1970

pyname <- c(lpcap = "np.log(pcap)", lpc = "np.log(pc)", lemp = "np.log(emp)", unemp = "unemp",
            W_lpcap = "W_np.log(pcap)", W_lpc = "W_np.log(pc)", W_lemp = "W_np.log(emp)",
            W_unemp = "W_unemp")

# ------------------------------------------------------------------------------------------
# 1. LSDV ML fits with spatialreg
# ------------------------------------------------------------------------------------------
make_formula <- function(model, fe) {
  rhs <- xvars
  if (model == "SDM") rhs <- c(rhs, paste0("W_", xvars))
  rhs <- c(rhs, "fstate")
  if (fe == "twoway") rhs <- c(rhs, "fyear")
  as.formula(paste("lgsp ~", paste(rhs, collapse = " + ")))
}

named_list <- function(x, nms = names(x)) { l <- as.list(unname(x)); names(l) <- nms; l }

fits <- list()
fixed <- list()
for (fe in c("entity", "twoway")) {
  fixed[[fe]] <- list()
  for (model in c("SAR", "SEM", "SDM")) {
    f <- make_formula(model, fe)
    ctrl <- list(tol.opt = TOL_OPT, pre_eig = ev_NT)
    if (model == "SEM") {
      # errorsarlm evaluates SSE(lambda) as y'y - ||Q'y||^2; with log(gsp) ~ 10 the
      # cancellation makes SSE noisy at ~1e-10 relative, which moves the optimum by ~5e-6 and
      # inflates the reported loglik by ~1e-7.  The LSDV-SEM likelihood is exactly invariant to
      # subtracting any entity-constant vector (1_T x v) from y, because
      # (I - lambda W_NT)(1_T x v) = 1_T x (I - lambda W_N) v lies in the span of the entity
      # dummies.  So y is replaced by y minus its per-state time mean (only the intercept and
      # dummy coefficients change).  The fit on the raw y is kept as a diagnostic.
      d_sem <- d
      d_sem$lgsp <- d$lgsp - rep(rowMeans(matrix(d$lgsp, N, T)), T)
      fit <- errorsarlm(f, data = d_sem, listw = lw_NT, method = "eigen", quiet = TRUE,
                        control = ctrl)
      fit_raw <- errorsarlm(f, data = d, listw = lw_NT, method = "eigen", quiet = TRUE,
                            control = ctrl)
      sp_name <- "lambda"; sp <- fit$lambda; sp_se <- fit$lambda.se
      rfun <- "spatialreg::errorsarlm"
    } else {
      fit <- lagsarlm(f, data = d, listw = lw_NT, method = "eigen", quiet = TRUE,
                      control = ctrl)
      sp_name <- "rho"; sp <- fit$rho; sp_se <- fit$rho.se
      rfun <- "spatialreg::lagsarlm"
    }
    fits[[fe]][[model]] <- fit
    stopifnot(isTRUE(fit$ase))                       # analytic asymptotic SEs were computed
    cf <- summary(fit)$Coef
    keep <- intersect(names(pyname), rownames(cf))
    keep <- keep[match(names(pyname)[names(pyname) %in% keep], keep)]
    V <- fit$resvar
    vn <- c(sp_name, keep)
    Vsub <- V[vn, vn]
    dimnames(Vsub) <- list(c(sp_name, pyname[keep]), c(sp_name, pyname[keep]))
    res <- residuals(fit)
    k_R <- as.integer(attr(logLik(fit), "df"))      # all betas (incl. intercept, dummies) + spatial + sigma2
    stopifnot(k_R == length(fit$coefficients) + 2L)
    entry <- list(
      coefficients = named_list(cf[keep, "Estimate"], pyname[keep]),
      std_errors = named_list(cf[keep, "Std. Error"], pyname[keep]),
      sigma2 = fit$s2,
      sigma2_check_SSE_over_NT = sum(res^2) / NT,
      loglik = as.numeric(fit$LL),
      n = NT, N = N, T = T,
      AIC = AIC(fit),
      k_AIC_R = k_R,
      AIC_nondummy = -2 * as.numeric(fit$LL) + 2 * (length(keep) + 2),
      k_AIC_nondummy = length(keep) + 2L,
      vcov = list(names = c(sp_name, unname(pyname[keep])), matrix = unname(Vsub)),
      intercept_and_dummies = list(
        intercept = unname(coef(fit)["(Intercept)"]),
        n_entity_dummies = sum(grepl("^fstate", names(coef(fit)))),
        n_time_dummies = sum(grepl("^fyear", names(coef(fit))))),
      r_function = rfun,
      r_formula = paste(deparse(f, width.cutoff = 500), collapse = ""),
      r_options = list(method = "eigen", listw = "nb2listw(kronecker(I_T, B_N) as nb, style='W')",
                       control = list(tol.opt = TOL_OPT, pre_eig = "rep(eigenvalues of W_N, T)"),
                       interval = fit$interval, Durbin = FALSE),
      se_type = paste("analytic inverse information matrix of the full LSDV model",
                      "(spatialreg method='eigen', n <= control$small => ase=TRUE);",
                      "no Lee-Yu bias correction; sigma2 = SSE/NT")
    )
    entry[[sp_name]] <- sp
    entry[[paste0(sp_name, "_se")]] <- as.numeric(sp_se)
    if (model == "SEM") {
      entry$dependent_variable_note <- paste(
        "fitted with y = log(gsp) minus its per-state time mean (exactly equivalent for the",
        "LSDV SEM; avoids cancellation in errorsarlm's SSE); intercept is for that y")
      cfr <- summary(fit_raw)$Coef
      entry$diagnostic_errorsarlm_raw_y <- list(
        lambda = fit_raw$lambda, lambda_se = fit_raw$lambda.se, loglik = as.numeric(fit_raw$LL),
        coefficients = named_list(cfr[keep, "Estimate"], pyname[keep]),
        note = paste("errorsarlm on the uncentred log(gsp): optimum perturbed by SSE",
                     "cancellation error; NOT the reference"))
    }
    fixed[[fe]][[model]] <- entry
    cat(sprintf("%-7s %-4s %s=%.10f (se %.6f) LL=%.8f s2=%.8g\n", fe, model, sp_name, sp,
                sp_se, fit$LL, fit$s2))
  }
}

# ------------------------------------------------------------------------------------------
# 2. Within (demeaning) approach in plain R, W applied BEFORE demeaning
# ------------------------------------------------------------------------------------------
demean <- function(v, fe) {
  M <- matrix(v, N, T)        # M[s, t]; column t = year t
  if (fe == "entity") as.vector(M - rowMeans(M))
  else as.vector(M - rowMeans(M) - rep(colMeans(M), each = N) + mean(M))
}
logdet <- function(r) sum(log(1 - r * ev))          # log|I_N - r W_N|

# SAR/SDM:  e(rho) = (y~ - rho (Wy)~) - X~ b(rho);  b(rho) = (X~'X~)^{-1} X~'(y~ - rho (Wy)~)
# SEM:      e(lam) = (y~ - lam (Wy)~) - (X~ - lam (WX)~) b(lam)   (GLS on the transformed data)
# logL = -NT/2 log(2 pi s2) - NT/2 + T log|I - r W|,  s2 = e'e / NT
within_fit <- function(model, fe) {
  xv <- if (model == "SDM") c(xvars, paste0("W_", xvars)) else xvars
  X <- as.matrix(d[, xv]); y <- d$lgsp
  yd <- demean(y, fe); Wyd <- demean(applyW(y), fe)
  Xd <- apply(X, 2, demean, fe = fe)
  WXd <- apply(X, 2, function(v) demean(applyW(v), fe))
  ef <- function(r) {
    ys <- yd - r * Wyd
    Xs <- if (model == "SEM") Xd - r * WXd else Xd
    b <- solve(crossprod(Xs), crossprod(Xs, ys))
    list(b = drop(b), e = drop(ys - Xs %*% b))
  }
  ll <- function(r) {
    e <- ef(r)$e; s2 <- sum(e^2) / NT
    -NT / 2 * log(2 * pi * s2) - NT / 2 + T * logdet(r)
  }
  opt <- optimize(ll, interval = interval_rho, maximum = TRUE, tol = TOL_OPT)
  r <- opt$maximum; fe_ <- ef(r)
  list(r = r, loglik = ll(r), b = fe_$b, s2 = sum(fe_$e^2) / NT, Xd = Xd, yd = yd, Wyd = Wyd,
       e = fe_$e, xv = xv)
}

# Analytic information matrix for the within SAR/SDM, parameters (b, rho, sigma2):
#   I_bb = X~'X~/s2,  I_b,rho = X~'(Wt X~ b)/s2,  I_rho,rho = T tr(Wt_N Wt_N + Wt_N'Wt_N) + q/s2,
#   I_rho,s2 = T tr(Wt_N)/s2,  I_s2,s2 = NT/(2 s2^2),   Wt_N = W_N (I - rho W_N)^{-1},
#   q = ||M_D (I_T x Wt_N) X~ b||^2  ("exact": equals the LSDV information after partialling
#       out the dummies; M_D = the within projection), or
#   q = ||(I_T x Wt_N) X~ b||^2      ("textbook": no re-demeaning after applying Wt; this is
#       what formulas written as  (W~ X* b)'(W~ X* b)  with demeaned X* give).
# The two coincide for entity FE (I_T x Wt_N commutes with the entity within-transform) and
# differ slightly for two-way FE (column sums of Wt_N are not constant).
sar_info_se <- function(wf, fe, variant) {
  r <- wf$r; s2 <- wf$s2; Xd <- wf$Xd; b <- wf$b; k <- ncol(Xd)
  Wt <- W %*% solve(diag(N) - r * W)
  WtXb <- as.vector(Wt %*% matrix(Xd %*% b, N, T))
  q <- if (variant == "exact") sum(demean(WtXb, fe)^2) else sum(WtXb^2)
  I <- matrix(0, k + 2, k + 2)
  I[1:k, 1:k] <- crossprod(Xd) / s2
  I[1:k, k + 1] <- I[k + 1, 1:k] <- crossprod(Xd, WtXb) / s2
  I[k + 1, k + 1] <- T * (sum(diag(Wt %*% Wt)) + sum(Wt * Wt)) + q / s2
  I[k + 1, k + 2] <- I[k + 2, k + 1] <- T * sum(diag(Wt)) / s2
  I[k + 2, k + 2] <- NT / (2 * s2^2)
  se <- sqrt(diag(solve(I)))
  list(b = se[1:k], rho = se[k + 1], sigma2 = se[k + 2])
}

within <- list()
for (fe in c("entity", "twoway")) {
  within[[fe]] <- list()
  for (model in c("SAR", "SEM", "SDM")) {
    wf <- within_fit(model, fe)
    ref <- fixed[[fe]][[model]]
    sp_name <- if (model == "SEM") "lambda" else "rho"
    bn <- unname(pyname[wf$xv])
    refb <- unlist(ref$coefficients[bn])
    entry <- list(
      coefficients = named_list(wf$b, bn),
      sigma2 = wf$s2, loglik = wf$loglik,
      diff_vs_LSDV = list(spatial = wf$r - ref[[sp_name]], loglik = wf$loglik - ref$loglik,
                          sigma2 = wf$s2 - ref$sigma2, max_abs_coef = max(abs(wf$b - refb))),
      method = paste("plain R within transformation (W applied before demeaning),",
                     "concentrated loglik maximised by stats::optimize, tol =", TOL_OPT)
    )
    entry[[sp_name]] <- wf$r
    if (model != "SEM") {
      for (variant in c("exact", "textbook")) {
        s <- sar_info_se(wf, fe, variant)
        entry[[paste0("analytic_se_", variant)]] <- list(
          coefficients = named_list(s$b, bn), rho = s$rho, sigma2 = s$sigma2)
      }
      s <- entry$analytic_se_exact
      entry$diff_vs_LSDV$max_abs_se_exact <- max(abs(c(unlist(s$coefficients) -
        unlist(ref$std_errors[bn]), s$rho - ref$rho_se)))
    } else {
      # SEM information matrix: beta block X*'X*/s2 (X* = transformed, demeaned X) is
      # block-diagonal to (s2, lambda): [[NT/(2 s2^2), T tr(Wt)/s2],
      #                                  [T tr(Wt)/s2, T (tr(Wt Wt) + tr(Wt'Wt))]],
      # Wt = W_N (I - lambda W_N)^{-1}
      lam <- wf$r
      Xs <- wf$Xd - lam * apply(as.matrix(d[, wf$xv]), 2, function(v) demean(applyW(v), fe))
      se_b <- sqrt(diag(solve(crossprod(Xs))) * wf$s2)
      Wt <- W %*% solve(diag(N) - lam * W)
      I2 <- matrix(c(NT / (2 * wf$s2^2), T * sum(diag(Wt)) / wf$s2, T * sum(diag(Wt)) / wf$s2,
                     T * (sum(diag(Wt %*% Wt)) + sum(Wt * Wt))), 2, 2)
      se2 <- sqrt(diag(solve(I2)))
      entry$analytic_se <- list(coefficients = named_list(se_b, bn), lambda = se2[2],
                                sigma2 = se2[1])
      entry$diff_vs_LSDV$max_abs_se <- max(abs(c(se_b - unlist(ref$std_errors[bn]),
                                                 se2[2] - ref$lambda_se)))
    }
    within[[fe]][[model]] <- entry
    cat(sprintf("within %-7s %-4s %s=%.10f dLL=%.2e d%s=%.2e dcoef=%.2e\n", fe, model, sp_name,
                wf$r, entry$diff_vs_LSDV$loglik, sp_name, entry$diff_vs_LSDV$spatial,
                entry$diff_vs_LSDV$max_abs_coef))
    if (model != "SEM") cat(sprintf("        max|se_exact - se_LSDV| = %.2e\n",
                                    entry$diff_vs_LSDV$max_abs_se_exact))
    else cat(sprintf("        max|se - se_LSDV| = %.2e\n", entry$diff_vs_LSDV$max_abs_se))
  }
}

# ------------------------------------------------------------------------------------------
# 3. Fixed effects of the two-way SAR (Elhorst 2014 definitions)
#    alpha  = mean_{i,t}(y_it - rho (Wy)_it - x_it b)
#    mu_i   = mean_t(y_it - rho (Wy)_it - x_it b) - alpha          (sum_i mu_i = 0)
#    xi_t   = mean_i(y_it - rho (Wy)_it - x_it b) - alpha          (sum_t xi_t = 0)
#  computed (a) from the LSDV rho, b by these formulas and (b) from the dummy coefficients:
#    alpha = c + mean(s) + mean(g), mu_i = s_i - mean(s), xi_t = g_t - mean(g)
#  with c the intercept, s_i (s_ALABAMA = 0) the state and g_t (g_1970 = 0) the year dummies.
# ------------------------------------------------------------------------------------------
fit <- fits$twoway$SAR
cf <- coef(fit)
r <- as.vector(d$lgsp - fit$rho * applyW(d$lgsp) - as.matrix(d[, xvars]) %*% cf[xvars])
Rm <- matrix(r, N, T)
alpha <- mean(Rm); mu <- rowMeans(Rm) - alpha; xi <- colMeans(Rm) - alpha
s <- c(0, cf[paste0("fstate", states[-1])]); g <- c(0, cf[paste0("fyear", years[-1])])
alpha_d <- unname(cf["(Intercept)"] + mean(s) + mean(g))
mu_d <- s - mean(s); xi_d <- g - mean(g)
fe_twoway_sar <- list(
  alpha = alpha,
  mu = named_list(mu, states),
  xi = named_list(xi, as.character(years)),
  normalisation = "Elhorst 2014: sum_i mu_i = 0, sum_t xi_t = 0, overall constant alpha",
  from_dummy_coefficients = list(alpha = alpha_d, mu = named_list(mu_d, states),
                                 xi = named_list(xi_d, as.character(years))),
  max_abs_diff_formula_vs_dummies = max(abs(c(alpha - alpha_d, mu - mu_d, xi - xi_d))),
  lsdv_dummy_coefficients = list(intercept = unname(cf["(Intercept)"]),
                                 state = named_list(s, states),
                                 year = named_list(g, as.character(years)),
                                 coding = "treatment: ALABAMA and 1970 are the base (0)")
)
cat(sprintf("two-way SAR FE: alpha=%.8f, max diff formula vs dummies = %.2e\n", alpha,
            fe_twoway_sar$max_abs_diff_formula_vs_dummies))
stopifnot(fe_twoway_sar$max_abs_diff_formula_vs_dummies < 1e-8)

# ------------------------------------------------------------------------------------------
# 4. Random effects by ML in plain R (intercept included; sort by year then state)
# ------------------------------------------------------------------------------------------
X_re <- cbind("(Intercept)" = 1, as.matrix(d[, xvars]))
y_re <- d$lgsp
Wy_re <- applyW(y_re)
tmean <- function(v) rowMeans(matrix(v, N, T))   # per-state time mean (N-vector)
re_pyname <- c("(Intercept)" = "Intercept", pyname[xvars])

# --- RE SAR (Elhorst 2003, 2014 sec. 3.4; Baltagi): ------------------------------------------
#   y_t = rho W y_t + X_t b + mu + e_t,  mu_i ~ iid N(0, s2_mu), e ~ iid N(0, s2)
#   theta = sqrt(s2 / (T s2_mu + s2)) in (0, 1];  z*_it = z_it - (1 - theta) zbar_i  (zbar_i =
#   time mean of state i), applied to y, Wy and X (the intercept becomes theta).
#   logL = -NT/2 log(2 pi s2) + N/2 log(theta^2) + T log|I_N - rho W_N|
#          - 1/(2 s2) (y* - rho (Wy)* - X* b)'(y* - rho (Wy)* - X* b)
#   Concentrated in b (OLS on starred data) and s2 = e*'e*/NT; maximised over (rho, theta) by
#   nested stats::optimize (outer theta, inner rho).  s2_mu = s2 (1/theta^2 - 1) / T.
re_sar_star <- function(v, th) v - (1 - th) * rep(tmean(v), T)
re_sar_full_ll <- function(p) {      # p = (b, rho, theta, s2)
  k <- ncol(X_re); b <- p[1:k]; rho <- p[k + 1]; th <- p[k + 2]; s2 <- p[k + 3]
  Xs <- apply(X_re, 2, re_sar_star, th = th)
  e <- re_sar_star(y_re, th) - rho * re_sar_star(Wy_re, th) - Xs %*% b
  -NT / 2 * log(2 * pi * s2) + N * log(th) + T * logdet(rho) - sum(e^2) / (2 * s2)
}
re_sar_inner <- function(th) {
  ys <- re_sar_star(y_re, th); Wys <- re_sar_star(Wy_re, th)
  Xs <- apply(X_re, 2, re_sar_star, th = th)
  XtX <- crossprod(Xs); b0 <- solve(XtX, crossprod(Xs, ys)); b1 <- solve(XtX, crossprod(Xs, Wys))
  e0 <- drop(ys - Xs %*% b0); e1 <- drop(Wys - Xs %*% b1)
  llr <- function(rho) { s2 <- sum((e0 - rho * e1)^2) / NT
    -NT / 2 * log(2 * pi * s2) - NT / 2 + N * log(th) + T * logdet(rho) }
  o <- optimize(llr, interval_rho, maximum = TRUE, tol = TOL_OPT)
  list(rho = o$maximum, ll = o$objective, b = drop(b0 - o$maximum * b1),
       s2 = sum((e0 - o$maximum * e1)^2) / NT)
}
o <- optimize(function(th) re_sar_inner(th)$ll, c(1e-6, 1), maximum = TRUE, tol = TOL_OPT)
th <- o$maximum; inn <- re_sar_inner(th)
p_hat <- c(inn$b, inn$rho, th, inn$s2)
H <- numDeriv::hessian(re_sar_full_ll, p_hat)
se <- sqrt(diag(solve(-H)))
k <- ncol(X_re)
# dense NT x NT check: Omega = s2_mu (J_T x I_N) + s2 I_NT, r = (I - rho W_NT) y - X b,
# logL = -NT/2 log(2 pi) - 1/2 log|Omega| + T log|I - rho W_N| - 1/2 r' Omega^{-1} r
re_dense_ll <- function(r, Omega, ldA) {
  cO <- chol(Omega)
  -NT / 2 * log(2 * pi) - sum(log(diag(cO))) + ldA - sum(backsolve(cO, r, transpose = TRUE)^2) / 2
}
s2mu_sar <- inn$s2 * (1 / th^2 - 1) / T
ll_dense_sar <- re_dense_ll(y_re - inn$rho * Wy_re - drop(X_re %*% inn$b),
                            s2mu_sar * kronecker(matrix(1, T, T), diag(N)) + inn$s2 * diag(NT),
                            T * logdet(inn$rho))
grad_sar <- numDeriv::grad(re_sar_full_ll, p_hat)
re_sar <- list(
  loglik_check_dense_Omega = ll_dense_sar,
  max_abs_gradient_times_se = max(abs(grad_sar * sqrt(diag(solve(-H))))),
  coefficients = named_list(inn$b, re_pyname[colnames(X_re)]),
  std_errors = named_list(se[1:k], re_pyname[colnames(X_re)]),
  rho = inn$rho, rho_se = se[k + 1],
  theta = th, theta_se = se[k + 2],
  sigma2 = inn$s2, sigma2_se = se[k + 3],
  sigma2_mu = inn$s2 * (1 / th^2 - 1) / T,
  loglik = inn$ll, loglik_check_full = re_sar_full_ll(p_hat),
  n = NT, N = N, T = T,
  formula = paste("theta = sqrt(s2/(T s2_mu + s2)); z* = z - (1-theta) zbar_i; logL = -NT/2",
                  "log(2 pi s2) + N/2 log(theta^2) + T log|I - rho W| - e*'e*/(2 s2)"),
  method = paste("plain R; concentrated loglik in (rho, theta) maximised by nested",
                 "stats::optimize (tol", TOL_OPT, "); SEs from numDeriv::hessian (Richardson)",
                 "of the full loglik in (b, rho, theta, s2)")
)
cat(sprintf("RE SAR: rho=%.8f theta=%.8f s2=%.6g s2_mu=%.6g LL=%.8f dense-dLL=%.2e max|grad*se|=%.2e\n",
            inn$rho, th, inn$s2, re_sar$sigma2_mu, inn$ll, ll_dense_sar - inn$ll, re_sar$max_abs_gradient_times_se))

# --- RE SEM (Anselin 1988; Baltagi, Song & Koh 2003; Elhorst 2014 sec. 3.4): ----------------
#   y_t = X_t b + mu + u_t,  u_t = lambda W u_t + e_t,  B = I_N - lambda W_N,
#   mu_i ~ iid N(0, s2_mu) (NOT spatially correlated), e ~ iid N(0, s2), phi = s2_mu / s2.
#   With year-then-state stacking, Omega = s2 [ Jbar_T x V + E_T x (B'B)^{-1} ],
#   Jbar_T = J_T/T, E_T = I_T - Jbar_T, V = T phi I_N + (B'B)^{-1}.
#   logL = -NT/2 log(2 pi s2) - 1/2 log|V| + (T-1) log|B|
#          - 1/(2 s2) [ T ebar' V^{-1} ebar + sum_t (e_t - ebar)' B'B (e_t - ebar) ]
#   ebar = N-vector of per-state time means of e = y - X b.  Concentrated in b (GLS) and
#   s2 = [...]/NT; maximised over (lambda, log phi) by nested stats::optimize.
re_sem_parts <- function(lam, phi) {
  Bm <- diag(N) - lam * W
  BtB <- crossprod(Bm)
  V <- T * phi * diag(N) + solve(BtB)
  Rv <- chol(solve(V))                                  # R'R = V^{-1}
  ldV <- as.numeric(determinant(V, logarithm = TRUE)$modulus)
  tr <- function(v) {                                   # stacked transform, SSE = quad. form
    m <- tmean(v); dev <- matrix(v, N, T) - m
    c(sqrt(T) * (Rv %*% m), as.vector(Bm %*% dev))
  }
  list(tr = tr, ldV = ldV, ldB = logdet(lam))
}
re_sem_full_ll <- function(p) {      # p = (b, lambda, phi, s2)
  k <- ncol(X_re); b <- p[1:k]; lam <- p[k + 1]; phi <- p[k + 2]; s2 <- p[k + 3]
  P <- re_sem_parts(lam, phi)
  e <- P$tr(drop(y_re - X_re %*% b))
  -NT / 2 * log(2 * pi * s2) - P$ldV / 2 + (T - 1) * P$ldB - sum(e^2) / (2 * s2)
}
re_sem_conc <- function(lam, phi) {
  P <- re_sem_parts(lam, phi)
  ys <- P$tr(y_re); Xs <- apply(X_re, 2, P$tr)
  b <- solve(crossprod(Xs), crossprod(Xs, ys)); e <- ys - Xs %*% b
  s2 <- sum(e^2) / NT
  list(ll = -NT / 2 * log(2 * pi * s2) - NT / 2 - P$ldV / 2 + (T - 1) * P$ldB,
       b = drop(b), s2 = s2)
}
re_sem_inner <- function(lphi) {
  o <- optimize(function(l) re_sem_conc(l, exp(lphi))$ll, interval_rho, maximum = TRUE,
                tol = TOL_OPT)
  list(lam = o$maximum, ll = o$objective)
}
o <- optimize(function(lp) re_sem_inner(lp)$ll, c(-12, 8), maximum = TRUE, tol = TOL_OPT)
lphi <- o$maximum; inn <- re_sem_inner(lphi); cc <- re_sem_conc(inn$lam, exp(lphi))
stopifnot(lphi > -11.9, lphi < 7.9)
p_hat <- c(cc$b, inn$lam, exp(lphi), cc$s2)
H <- numDeriv::hessian(re_sem_full_ll, p_hat)
se <- sqrt(diag(solve(-H)))
Bm <- diag(N) - inn$lam * W
ll_dense_sem <- re_dense_ll(y_re - drop(X_re %*% cc$b),
                            exp(lphi) * cc$s2 * kronecker(matrix(1, T, T), diag(N)) +
                              cc$s2 * kronecker(diag(T), solve(crossprod(Bm))), 0)
grad_sem <- numDeriv::grad(re_sem_full_ll, p_hat)
re_sem <- list(
  loglik_check_dense_Omega = ll_dense_sem,
  max_abs_gradient_times_se = max(abs(grad_sem * sqrt(diag(solve(-H))))),
  coefficients = named_list(cc$b, re_pyname[colnames(X_re)]),
  std_errors = named_list(se[1:k], re_pyname[colnames(X_re)]),
  lambda = inn$lam, lambda_se = se[k + 1],
  phi = exp(lphi), phi_se = se[k + 2],
  sigma2 = cc$s2, sigma2_se = se[k + 3],
  sigma2_mu = exp(lphi) * cc$s2,
  loglik = cc$ll, loglik_check_full = re_sem_full_ll(p_hat),
  n = NT, N = N, T = T,
  formula = paste("phi = s2_mu/s2; V = T phi I + (B'B)^{-1}; logL = -NT/2 log(2 pi s2)",
                  "- 1/2 log|V| + (T-1) log|B| - 1/(2 s2)[T ebar'V^{-1}ebar +",
                  "sum_t (e_t-ebar)'B'B(e_t-ebar)]"),
  method = paste("plain R; concentrated loglik in (lambda, phi) maximised by nested",
                 "stats::optimize over (lambda, log phi) (tol", TOL_OPT, "); SEs from",
                 "numDeriv::hessian (Richardson) of the full loglik in (b, lambda, phi, s2)")
)
cat(sprintf("RE SEM: lambda=%.8f phi=%.8f s2=%.6g s2_mu=%.6g LL=%.8f dense-dLL=%.2e max|grad*se|=%.2e\n",
            inn$lam, exp(lphi), cc$s2, re_sem$sigma2_mu, cc$ll, ll_dense_sem - cc$ll, re_sem$max_abs_gradient_times_se))

# ------------------------------------------------------------------------------------------
# 5. Write JSON
# ------------------------------------------------------------------------------------------
pv <- function(p) as.character(packageVersion(p))
meta <- list(
  created = format(Sys.time(), "%Y-%m-%dT%H:%M:%S%z"),
  script = "tests/reference/panel/make_reference.R",
  R_version = R.version.string,
  packages = named_list(sapply(c("spatialreg", "spdep", "spData", "sf", "plm", "jsonlite",
                                 "numDeriv", "Matrix"), pv)),
  sf_use_s2 = sf::sf_use_s2(),
  data = list(source = "plm::Produc", N = N, T = T, n = NT,
              dependent = "np.log(gsp)",
              regressors = unname(pyname[xvars]),
              r_names = named_list(unname(pyname), names(pyname)),
              csv_order = "produc_data.csv is in plm's order (state, then year)",
              estimation_sort_order = "year, then state (alphabetical Produc spelling); W_NT = kron(I_T, W_N)"),
  weights = list(source = "spdep::poly2nb(spData::us_states without District of Columbia, queen = TRUE)",
                 n_directed_links = nrow(edges), symmetric = TRUE,
                 min_neighbors = min(card(nb)), max_neighbors = max(card(nb)),
                 style = "row-standardised (W); Python must row-normalise produc_neighbors.csv",
                 name_map = "state_name_map.csv (only TENNESSEE -> TENNESSE differs beyond upper case/underscores)",
                 eigenvalue_interval = interval_rho,
                 eigenvalues_W_N = ev),
  fixed_effects_method = list(
    estimator = "exact ML of the LSDV (dummy-variable) model = Elhorst 2014 'bias_correction = none'",
    dummy_coding = paste("intercept kept; fstate treatment contrasts (ALABAMA dropped);",
                         "two-way adds fyear treatment contrasts (1970 dropped)"),
    sdm = "W x computed manually per year for the 4 regressors (Durbin=FALSE), names W_np.log(pcap) etc.",
    standard_errors = paste("analytic: spatialreg method='eigen' inverts the full information",
                            "matrix of the dummy model (sigma2, rho/lambda, all betas)."),
    sigma2 = "SSE/NT (ML)",
    AIC = paste("'AIC' is spatialreg's AIC(): -2 loglik + 2 k_AIC_R with k_AIC_R = all betas",
                "incl. intercept and dummies + spatial parameter + sigma2; 'AIC_nondummy' uses",
                "k = non-dummy betas + spatial parameter + sigma2"),
    vcov = "submatrix of fit$resvar for (spatial parameter, non-dummy betas)",
    tol_opt = TOL_OPT),
  within_check = paste("'within_check' repeats every FE model with the within transformation in",
                       "plain R (W applied before demeaning) and reports differences to LSDV;",
                       "for SAR/SDM it also gives analytic SEs from the demeaned information",
                       "matrix ('exact' = LSDV-equivalent, 'textbook' = no re-demeaning of W~X~b)."),
  random_effects = "see 'random': plain R ML with formulas given in each entry"
)
out <- list(meta = meta, fixed = fixed, within_check = within,
            fixed_effects_twoway_SAR = fe_twoway_sar,
            random = list(SAR = re_sar, SEM = re_sem))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(outdir, "reference.json"))
cat("wrote", file.path(outdir, "reference.json"), "\n")
