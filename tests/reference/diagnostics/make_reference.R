# Reference values for spatialinno's spatial diagnostics, computed with R spdep.
#
# Run from the repository root:
#     Rscript tests/reference/diagnostics/make_reference.R
#
# Needs R packages: spdep, spData, plm, sf, jsonlite (Debian: r-cran-spdep
# r-cran-spdata r-cran-plm r-cran-sf r-cran-jsonlite).
#
# Writes into tests/reference/diagnostics/:
#   columbus_data.csv                             (spData columbus; links col.gal.nb)
#   boston_data.csv                               (spData boston.c; links boston.soi)
#   produc_data.csv                               (plm Produc; links: queen contiguity
#                                                  of spData us_states)
#   reference.json                                 (all reference numbers,
#                                                  doubles written with %.17g)
#
# Neighbour files are binary edge lists `from_id,to_id`, one row per directed
# link (every symmetric pair appears twice).  The Columbus and Boston lists are
# the ones in tests/reference/crosssection/ (one copy, written by the script
# there): this script checks that they hold exactly the links built here.  Style "W" = row-standardised,
# style "B" = binary (unit weights), both built here with spdep::nb2listw.

suppressPackageStartupMessages({
  library(spdep)
  library(spData)
  library(plm)
  library(sf)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference", "diagnostics")
if (!dir.exists(out_dir)) {
  stop("run from the repository root (", out_dir, " not found)")
}
set.seed(20240101)

# the neighbour lists live once: Columbus and Boston in tests/reference/crosssection, Produc in
# tests/reference/panel (written by the scripts there); check they hold the links built here
shared_nb_dir <- file.path("tests", "reference", "crosssection")
check_shared_edges <- function(edges, file, dir = shared_nb_dir) {
  stored <- read.csv(file.path(dir, file), stringsAsFactors = FALSE)
  if (!identical(dim(stored), dim(edges)) ||
      !all(unname(as.matrix(stored)) == unname(as.matrix(edges)))) {
    stop(file, " in ", dir, " differs from the links built here")
  }
  invisible(TRUE)
}

has_fun <- function(name) exists(name, envir = asNamespace("spdep"), inherits = FALSE)
num <- function(x) as.numeric(unname(x))

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
# write.csv prints doubles with 15 significant digits, which is exact for the
# raw data (they have fewer digits) but not for derived columns such as
# logCMEDV; those cells are written with "%.17g" so every value round-trips.
write_csv_exact <- function(df, path) {
  chr_cols <- which(vapply(df, function(v) is.character(v) || is.factor(v), logical(1)))
  for (k in names(df)) {
    v <- df[[k]]
    if (is.double(v)) {
      s <- as.character(v)
      bad <- !is.na(v) & as.numeric(s) != v
      s[bad] <- sprintf("%.17g", v[bad])
      stopifnot(all(as.numeric(s) == v))
      df[[k]] <- s
    }
  }
  write.csv(df, path, row.names = FALSE, quote = if (length(chr_cols)) chr_cols else FALSE)
}

nb_edges <- function(nb, ids) {
  from <- integer(0); to <- integer(0)
  for (i in seq_along(nb)) {
    nbi <- nb[[i]]
    nbi <- nbi[nbi > 0L]
    if (length(nbi)) {
      from <- c(from, rep(i, length(nbi)))
      to <- c(to, nbi)
    }
  }
  data.frame(from_id = ids[from], to_id = ids[to])
}

moran_block <- function(x, lw, randomisation) {
  r2 <- moran.test(x, lw, randomisation = randomisation, alternative = "two.sided")
  rg <- moran.test(x, lw, randomisation = randomisation, alternative = "greater")
  list(I = num(r2$estimate[1]), expectation = num(r2$estimate[2]),
       variance = num(r2$estimate[3]), z = num(r2$statistic),
       p_value = num(r2$p.value), p_value_greater = num(rg$p.value))
}

geary_block <- function(x, lw, randomisation) {
  r2 <- geary.test(x, lw, randomisation = randomisation, alternative = "two.sided")
  rg <- geary.test(x, lw, randomisation = randomisation, alternative = "greater")
  list(C = num(r2$estimate[1]), expectation = num(r2$estimate[2]),
       variance = num(r2$estimate[3]), z = num(r2$statistic),
       p_value = num(r2$p.value), p_value_greater = num(rg$p.value))
}

globalg_block <- function(x, lw) {
  rg <- suppressWarnings(globalG.test(x, lw, alternative = "greater"))
  r2 <- suppressWarnings(globalG.test(x, lw, alternative = "two.sided"))
  list(G = num(rg$estimate[1]), expectation = num(rg$estimate[2]),
       variance = num(rg$estimate[3]), z = num(rg$statistic),
       p_value = num(r2$p.value), p_value_greater = num(rg$p.value))
}

localmoran_block <- function(x, lw, conditional) {
  lm_ <- localmoran(x, lw, conditional = conditional, mlvar = TRUE,
                    alternative = "two.sided")
  list(Ii = num(lm_[, 1]), E_Ii = num(lm_[, 2]), Var_Ii = num(lm_[, 3]),
       Z_Ii = num(lm_[, 4]), p_value = num(lm_[, 5]))
}

localg_block <- function(x, lw) {
  g <- localG(x, lw, return_internals = TRUE, alternative = "two.sided")
  ints <- attr(g, "internals")
  list(G = num(ints[, 1]), E_G = num(ints[, 2]), V_G = num(ints[, 3]),
       z = num(g), p_value = num(ints[, 5]))
}

lmtests_block <- function(model, lw) {
  res <- suppressWarnings(lm.LMtests(model, lw, test = "all"))
  map <- c(RSerr = "LMerr", RSlag = "LMlag", adjRSerr = "RLMerr",
           adjRSlag = "RLMlag", SARMA = "SARMA")
  out <- list()
  for (k in names(map)) {
    h <- res[[map[[k]]]]
    out[[k]] <- list(statistic = num(h$statistic), df = num(h$parameter),
                     p_value = num(h$p.value), spdep_name = map[[k]])
  }
  out
}

lmmoran_block <- function(model, lw) {
  r <- suppressWarnings(lm.morantest(model, lw, alternative = "two.sided"))
  list(I = num(r$estimate[1]), expectation = num(r$estimate[2]),
       variance = num(r$estimate[3]), z = num(r$statistic),
       p_value = num(r$p.value))
}

univariate_all <- function(x, nb, local_styles) {
  lws <- list(W = nb2listw(nb, style = "W"), B = nb2listw(nb, style = "B"))
  nbs <- include.self(nb)
  lws_self <- list(W = nb2listw(nbs, style = "W"), B = nb2listw(nbs, style = "B"))
  res <- list(moran = list(), geary = list(), global_g = list())
  for (s in c("W", "B")) {
    res$moran[[s]] <- list(randomisation = moran_block(x, lws[[s]], TRUE),
                           normality = moran_block(x, lws[[s]], FALSE))
    res$geary[[s]] <- list(randomisation = geary_block(x, lws[[s]], TRUE),
                           normality = geary_block(x, lws[[s]], FALSE))
    res$global_g[[s]] <- globalg_block(x, lws[[s]])
  }
  res$local_moran <- list(); res$local_g <- list(); res$local_g_star <- list()
  for (s in local_styles) {
    res$local_moran[[s]] <- list(
      anselin1995 = localmoran_block(x, lws[[s]], conditional = FALSE),
      conditional = localmoran_block(x, lws[[s]], conditional = TRUE))
    res$local_g[[s]] <- localg_block(x, lws[[s]])
    res$local_g_star[[s]] <- localg_block(x, lws_self[[s]])
  }
  res
}

# ---------------------------------------------------------------------------
# (1) Columbus
# ---------------------------------------------------------------------------
data(columbus, package = "spData")        # columbus, col.gal.nb
col <- columbus
stopifnot(identical(as.integer(col$POLYID), 1:49))
col_ids <- 1:49
col_df <- data.frame(id = col_ids, col[, c("CRIME", "HOVAL", "INC", "OPEN",
                                           "PLUMB", "DISCBD", "X", "Y", "NSA",
                                           "NSB", "EW", "CP")])
write_csv_exact(col_df, file.path(out_dir, "columbus_data.csv"))
check_shared_edges(nb_edges(col.gal.nb, col_ids), "columbus_neighbors.csv")

col_lw <- list(W = nb2listw(col.gal.nb, style = "W"),
               B = nb2listw(col.gal.nb, style = "B"))
col_vars <- list()
for (v in c("CRIME", "HOVAL", "INC")) {
  col_vars[[v]] <- univariate_all(col[[v]], col.gal.nb, local_styles = c("W", "B"))
}

# Bivariate Moran: spdep::moran_bv (present in this spdep) returns a boot object;
# t0 is the observed statistic  sum(lag.listw(W, y) * x) / sum(x^2)  with
# x <- scale(x), y <- scale(y) (sample sd, n-1).  Also recomputed in plain R with
# population-sd z-scores: I_B = z_x' W z_y / n  (identical value, see README).
bv_one <- function(xname, yname, lw) {
  x <- col[[xname]]; y <- col[[yname]]; n <- length(x)
  spdep_val <- NA_real_
  if (has_fun("moran_bv")) {
    spdep_val <- num(moran_bv(x, y, lw, nsim = 99)$t0)
  }
  zp <- function(v) (v - mean(v)) / sqrt(mean((v - mean(v))^2))
  Wm <- listw2mat(lw)
  plain <- num(sum(zp(x) * (Wm %*% zp(y))) / n)
  lee_val <- NA_real_
  if (has_fun("lee")) lee_val <- num(lee(x, y, lw, n)$L)
  list(x = xname, y = yname, I = spdep_val, I_plain_R = plain, lee_L = lee_val)
}
col_bv <- list(W = list(INC_CRIME = bv_one("INC", "CRIME", col_lw$W),
                        CRIME_INC = bv_one("CRIME", "INC", col_lw$W)))

col_fit <- lm(CRIME ~ INC + HOVAL, data = col)
col_lm <- list(
  formula_r = "CRIME ~ INC + HOVAL",
  formula_python = "CRIME ~ INC + HOVAL",
  coefficients = as.list(coef(col_fit)),
  sigma2_ml = num(sum(resid(col_fit)^2) / nobs(col_fit)),
  tests = list(W = lmtests_block(col_fit, col_lw$W),
               B = lmtests_block(col_fit, col_lw$B)),
  residual_moran = list(W = lmmoran_block(col_fit, col_lw$W),
                        B = lmmoran_block(col_fit, col_lw$B))
)

columbus_out <- list(
  n = 49L, data_file = "columbus_data.csv", neighbors_file = "../crosssection/columbus_neighbors.csv",
  source = "spData::columbus (rows in POLYID order, id = POLYID = row number) with spData col.gal.nb",
  n_directed_links = sum(card(col.gal.nb)),
  variables = col_vars,
  bivariate_moran = col_bv,
  ols = col_lm
)

# ---------------------------------------------------------------------------
# (2) Boston
# ---------------------------------------------------------------------------
data(boston, package = "spData")          # boston.c, boston.soi
bos <- boston.c
bos$CHAS <- as.integer(as.character(bos$CHAS))   # factor "0"/"1" -> 0/1
bos$logCMEDV <- log(bos$CMEDV)
bos_ids <- 1:506
bos_df <- data.frame(id = bos_ids,
                     bos[, c("CMEDV", "logCMEDV", "MEDV", "CRIM", "ZN", "INDUS",
                             "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX",
                             "PTRATIO", "B", "LSTAT", "LON", "LAT", "TOWNNO", "TRACT")])
write_csv_exact(bos_df, file.path(out_dir, "boston_data.csv"))
check_shared_edges(nb_edges(boston.soi, bos_ids), "boston_neighbors.csv")

bos_lw <- list(W = nb2listw(boston.soi, style = "W"),
               B = nb2listw(boston.soi, style = "B"))
bos_vars <- list()
for (v in c("CMEDV", "logCMEDV")) {
  bos_vars[[v]] <- univariate_all(bos[[v]], boston.soi, local_styles = c("W"))
}
bos_form <- log(CMEDV) ~ CRIM + ZN + INDUS + CHAS + I(NOX^2) + I(RM^2) + AGE +
  log(DIS) + log(RAD) + TAX + PTRATIO + B + log(LSTAT)
bos_fit <- lm(bos_form, data = bos)
bos_lm <- list(
  formula_r = paste(deparse(bos_form, width.cutoff = 500L), collapse = ""),
  formula_python = paste("np.log(CMEDV) ~ CRIM + ZN + INDUS + CHAS + I(NOX**2) +",
                         "I(RM**2) + AGE + np.log(DIS) + np.log(RAD) + TAX +",
                         "PTRATIO + B + np.log(LSTAT)"),
  coefficients = as.list(coef(bos_fit)),
  sigma2_ml = num(sum(resid(bos_fit)^2) / nobs(bos_fit)),
  tests = list(W = lmtests_block(bos_fit, bos_lw$W)),
  residual_moran = list(W = lmmoran_block(bos_fit, bos_lw$W))
)
boston_out <- list(
  n = 506L, data_file = "boston_data.csv", neighbors_file = "../crosssection/boston_neighbors.csv",
  source = "spData::boston.c (id = row number) with spData boston.soi (sphere-of-influence graph)",
  n_directed_links = sum(card(boston.soi)),
  variables = bos_vars,
  ols = bos_lm
)

# ---------------------------------------------------------------------------
# (3) Produc panel: 48 states x 17 years, queen contiguity from spData us_states
# ---------------------------------------------------------------------------
data(Produc, package = "plm")
data(us_states, package = "spData")
state_levels <- levels(Produc$state)            # alphabetical, Produc spelling
poly_to_produc <- function(nm) {
  p <- toupper(gsub(" ", "_", nm))
  p[p == "TENNESSEE"] <- "TENNESSE"             # Produc misspells Tennessee
  p
}
st <- us_states[us_states$NAME != "District of Columbia", ]
st$PNAME <- poly_to_produc(st$NAME)
stopifnot(setequal(st$PNAME, state_levels), nrow(st) == 48L)
st <- st[match(state_levels, st$PNAME), ]
stopifnot(identical(st$PNAME, state_levels))
st_nb <- poly2nb(st, queen = TRUE, row.names = st$PNAME)
stopifnot(is.symmetric.nb(st_nb, verbose = FALSE), all(card(st_nb) > 0))

N <- length(state_levels); years <- sort(unique(Produc$year)); TT <- length(years)
pr <- Produc
pr$state <- as.character(pr$state)
pr <- pr[order(pr$year, match(pr$state, state_levels)), ]   # time-major stacking
stopifnot(nrow(pr) == N * TT,
          identical(pr$state, rep(state_levels, TT)),
          identical(pr$year, rep(years, each = N)))
pr_out <- data.frame(state = pr$state, year = pr$year,
                     region = as.integer(as.character(pr$region)),
                     pr[, c("pcap", "hwy", "water", "util", "pc", "gsp", "emp", "unemp")])
write_csv_exact(pr_out, file.path(out_dir, "produc_data.csv"))
pe <- nb_edges(st_nb, seq_len(N))
check_shared_edges(data.frame(from_id = state_levels[pe$from_id], to_id = state_levels[pe$to_id]),
                   "produc_neighbors.csv", dir = file.path("tests", "reference", "panel"))

B_N <- nb2mat(st_nb, style = "B")
W_N <- nb2mat(st_nb, style = "W")
dimnames(W_N) <- NULL
T_W <- sum(diag(crossprod(W_N) + W_N %*% W_N))   # tr(W'W + WW), N x N
lw_NT <- mat2listw(kronecker(diag(TT), B_N), style = "W")  # I_T (x) W_N, row-std

y_raw <- log(pr$gsp)
X_raw <- cbind(log_pcap = log(pr$pcap), log_pc = log(pr$pc),
               log_emp = log(pr$emp), unemp = pr$unemp)
within_tf <- function(v, effect) {
  si <- ave(v, pr$state); ti <- ave(v, pr$year)
  switch(effect,
         entity = v - si,
         time = v - ti,
         twoway = v - si - ti + mean(v))
}
plm_effect <- c(entity = "individual", time = "time", twoway = "twoways")
pdat <- pdata.frame(pr, index = c("state", "year"))

panel_results <- list()
for (fe in c("entity", "time", "twoway")) {
  yt <- within_tf(y_raw, fe)
  Xt <- apply(X_raw, 2, within_tf, effect = fe)
  fit <- lm(yt ~ Xt - 1)
  b <- coef(fit); names(b) <- colnames(X_raw)
  pfit <- plm(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp, data = pdat,
              model = "within", effect = plm_effect[[fe]])
  stopifnot(max(abs(num(coef(pfit)) - num(b))) < 1e-10)

  # (a) spdep on the within-transformed OLS fit with the NT x NT listw
  via_spdep <- lmtests_block(fit, lw_NT)

  # (b) explicit formulas (Anselin 1988; Elhorst 2014 sec. 3.3)
  e <- num(resid(fit)); NT <- length(e)
  s2 <- sum(e^2) / NT
  Wblk <- function(v) as.vector(W_N %*% matrix(v, nrow = N))   # (I_T (x) W_N) v
  We <- Wblk(e); Wy <- Wblk(yt); WXb <- Wblk(num(fitted(fit)))
  Mwxb <- WXb - Xt %*% solve(crossprod(Xt), crossprod(Xt, WXb))
  TTW <- TT * T_W
  J <- (sum(WXb * Mwxb) + TTW * s2) / s2
  r_lag <- sum(e * Wy) / s2; r_err <- sum(e * We) / s2
  stats <- c(
    RSlag = r_lag^2 / J,
    RSerr = r_err^2 / TTW,
    adjRSlag = (r_lag - r_err)^2 / (J - TTW),
    adjRSerr = (r_err - TTW / J * r_lag)^2 / (TTW * (1 - TTW / J)))
  stats["SARMA"] <- stats[["adjRSlag"]] + stats[["RSerr"]]
  dfs <- c(RSlag = 1, RSerr = 1, adjRSlag = 1, adjRSerr = 1, SARMA = 2)
  explicit <- list()
  for (k in c("RSerr", "RSlag", "adjRSerr", "adjRSlag", "SARMA")) {
    explicit[[k]] <- list(statistic = num(stats[[k]]), df = num(dfs[[k]]),
                          p_value = num(pchisq(stats[[k]], dfs[[k]], lower.tail = FALSE)))
  }
  maxdiff <- max(sapply(names(explicit), function(k)
    abs(explicit[[k]]$statistic - via_spdep[[k]]$statistic)))
  stopifnot(maxdiff < 1e-8)
  panel_results[[fe]] <- list(
    coefficients = as.list(b),
    sigma2 = s2,
    J = num(J), T_W = num(T_W),
    tests_spdep = via_spdep,
    tests_explicit = explicit,
    max_abs_diff_spdep_vs_explicit = maxdiff
  )
}

produc_out <- list(
  N = N, T = TT, years = years, states = state_levels,
  data_file = "produc_data.csv", neighbors_file = "../panel/produc_neighbors.csv",
  source = paste("plm::Produc; W_N = queen contiguity (spdep::poly2nb(queen=TRUE),",
                 "default snap) of spData::us_states without District of Columbia;",
                 "polygon NAME mapped to Produc state by toupper + spaces->underscores,",
                 "'TENNESSEE' -> 'TENNESSE'"),
  state_order = "state index i = position in `states` (Produc factor levels, alphabetical)",
  stacking = "produc_data.csv rows are time-major: year outer (1970..1986), state inner (order of `states`); W_NT = kronecker(I_T, W_N)",
  n_directed_links = sum(card(st_nb)),
  formula_r = "log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp",
  formula_python = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp",
  fixed_effects = panel_results
)

# ---------------------------------------------------------------------------
# meta + write
# ---------------------------------------------------------------------------
meta <- list(
  generated_by = "tests/reference/diagnostics/make_reference.R",
  R_version = R.version.string,
  packages = list(spdep = as.character(packageVersion("spdep")),
                  spData = as.character(packageVersion("spData")),
                  plm = as.character(packageVersion("plm")),
                  sf = as.character(packageVersion("sf")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  spdep_functions_present = list(
    lm.RStests = has_fun("lm.RStests"), lm.LMtests = has_fun("lm.LMtests"),
    moran_bv = has_fun("moran_bv"), lee = has_fun("lee"),
    localmoran_bv = has_fun("localmoran_bv"), localG_perm = has_fun("localG_perm")),
  weights = list(
    W = "nb2listw(nb, style='W'): binary links row-standardised",
    B = "nb2listw(nb, style='B'): binary links, weight 1",
    self_included = "G_i* uses nb2listw(include.self(nb), style=...): self link w_ii = 1 before row-standardisation"),
  methods = list(
    moran = paste("moran.test(x, listw, randomisation=TRUE|FALSE, alternative='two.sided')",
                  "-> I, expectation, variance, z (standard deviate), p_value;",
                  "p_value_greater from alternative='greater'. adjust.n=TRUE (default), no zero links here."),
    geary = paste("geary.test(x, listw, randomisation=TRUE|FALSE, alternative='two.sided')",
                  "-> C, expectation (=1), variance, z, p_value; p_value_greater from",
                  "alternative='greater' (spdep default). spdep z = (E[C] - C)/sqrt(Var):",
                  "positive z = positive autocorrelation (C < 1)."),
    global_g = paste("globalG.test(x, listw, alternative='greater') -> G, expectation, variance, z,",
                     "p_value_greater; p_value from alternative='two.sided'. Defaults adjust.n=TRUE,",
                     "B1correct=TRUE, adjust.x=TRUE, Arc_all_x=FALSE. spdep recommends binary weights",
                     "('B'); the 'W' entry was computed anyway (warning suppressed)."),
    local_moran = paste("localmoran(x, listw, mlvar=TRUE, alternative='two.sided',",
                        "conditional=FALSE|TRUE). mlvar=TRUE: s2 = m2 = sum(z^2)/n so",
                        "Ii = z_i * sum_j w_ij z_j / m2 (z = x - mean(x)); b2 = (sum(z^4)/n)/m2^2.",
                        "'anselin1995' = conditional=FALSE (total randomisation, Anselin 1995 /",
                        "Sokal et al. 1998 A3-A4): E.Ii = -w_i./(n-1),",
                        "Var.Ii = w_i(2)(n-b2)/(n-1) + (w_i.^2 - w_i(2))(2b2-n)/((n-1)(n-2)) - E.Ii^2.",
                        "'conditional' = conditional=TRUE, the default of this spdep version",
                        "(Sokal et al. 1998 A7-A8): E.Ii = -z_i^2 w_i./((n-1) m2),",
                        "Var.Ii = (z_i/m2)^2 n/(n-2) (w_i(2) - w_i.^2/(n-1)) (m2 - z_i^2/(n-1))."),
    local_g = paste("localG(x, listw, return_internals=TRUE, alternative='two.sided', GeoDa=FALSE):",
                    "z = spdep's returned value; G, E_G, V_G, p_value from attr 'internals'.",
                    "G_i = sum_{j!=i} w_ij x_j / sum_{j!=i} x_j; moments use leave-one-out mean/variance",
                    "(si2 = sum_{j!=i} x_j^2/(n-1) - xibar_i^2)."),
    local_g_star = paste("localG(x, nb2listw(include.self(nb), style), return_internals=TRUE,",
                         "alternative='two.sided'): G_i* = sum_j w_ij x_j / sum_j x_j;",
                         "xbar = mean(x), s2 = sum((x-xbar)^2)/n, VG uses (n S1i - Wi^2)/(n-1)."),
    bivariate_moran = paste("spdep::moran_bv(x, y, listw, nsim=99)$t0 (observed statistic; the",
                            "permutation part is not stored) = sum(lag.listw(listw, scale(y)) * scale(x)) /",
                            "sum(scale(x)^2) = z_x' W z_y / (n-1) with sample-sd z. I_plain_R =",
                            "z_x' W z_y / n with population-sd z (same number). lee_L = spdep::lee(x, y, listw, n)$L",
                            "(Lee's L, different statistic, for information)."),
    ols_lm_tests = paste("lm.LMtests(lm(formula), listw, test='all') (this spdep has no lm.RStests;",
                         "names LMerr->RSerr, LMlag->RSlag, RLMerr->adjRSerr, RLMlag->adjRSlag,",
                         "SARMA->SARMA). sigma2 = e'e/n. df 1 (SARMA 2). Style 'B' entries are",
                         "computed with a non-row-standardised listw (spdep warns; warning suppressed)."),
    ols_residual_moran = "lm.morantest(lm(formula), listw, alternative='two.sided') -> I, expectation, variance, z, p_value",
    panel_lm_tests = paste("Within transform in R: entity y - ybar_i; time y - ybar_t;",
                           "twoway y - ybar_i - ybar_t + ybar (balanced panel). OLS without",
                           "intercept on transformed data (coefficients checked against",
                           "plm(model='within', effect=individual|time|twoways)).",
                           "tests_spdep: lm.LMtests(lm(yt ~ Xt - 1), mat2listw(kronecker(I_T, B_N), style='W'),",
                           "test='all') with the NT x NT row-standardised block-diagonal W.",
                           "tests_explicit: s2 = e'e/(NT) (no degrees-of-freedom correction),",
                           "T_W = tr(W_N'W_N + W_N W_N) (N x N, row-standardised),",
                           "J = ((W Xb)' M (W Xb) + T*T_W*s2)/s2 with M = I - X(X'X)^-1 X' and W = I_T (x) W_N;",
                           "RSlag = (e'Wy/s2)^2/J; RSerr = (e'We/s2)^2/(T*T_W);",
                           "adjRSlag = (e'Wy/s2 - e'We/s2)^2/(J - T*T_W);",
                           "adjRSerr = (e'We/s2 - T*T_W/J * e'Wy/s2)^2/(T*T_W*(1 - T*T_W/J));",
                           "SARMA = adjRSlag + RSerr; p = chi2 upper tail (df 1; SARMA df 2).",
                           "Xb = fitted values of the within regression, y = within-transformed y.")
  )
)

ref <- list(meta = meta, columbus = columbus_out, boston = boston_out, produc = produc_out)
# jsonlite's digits = NA is "max precision" but in jsonlite 1.8.4 that means
# 15 significant digits, which does not round-trip doubles.  So every double is
# pre-formatted with "%.17g" (exact round trip) and passed through verbatim.
fmt17 <- function(v) {
  s <- sprintf("%.17g", v)
  s[!is.finite(v)] <- "null"
  s
}
as_json_numbers <- function(obj) {
  if (is.list(obj)) {
    nm <- names(obj)
    obj <- lapply(obj, as_json_numbers)
    names(obj) <- nm
    return(obj)
  }
  if (is.double(obj)) {
    s <- fmt17(unname(obj))
    if (length(s) == 1L) return(structure(s, class = "json"))
    return(structure(paste0("[", paste(s, collapse = ", "), "]"), class = "json"))
  }
  obj
}
json_txt <- toJSON(as_json_numbers(ref), json_verbatim = TRUE, auto_unbox = TRUE,
                   pretty = TRUE, digits = NA)
writeLines(json_txt, file.path(out_dir, "reference.json"))
# round-trip check: every double read back equals the value in memory
back <- fromJSON(file.path(out_dir, "reference.json"), simplifyVector = TRUE)
chk <- function(a, b, path = "") {
  if (is.list(a)) {
    for (k in names(a)) chk(a[[k]], b[[k]], paste0(path, "/", k))
  } else if (is.double(a)) {
    if (!isTRUE(all(unname(a) == unname(b)))) stop("JSON round trip mismatch at ", path)
  }
}
chk(ref, back)
cat("wrote", file.path(out_dir, "reference.json"), "\n")
