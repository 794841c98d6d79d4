# Independent reference values for spatialinno's dynamic spatial panels on Cigar (issue 14).
#
# Run from the repository root (~1 minute):
#     Rscript tests/reference/dynamic/make_cigar_reference.R
#
# Data: plm::Cigar (Baltagi & Levin 1992; 46 states, 1963-1992, state codes 1-51 in alphabetical order of the
# 50 states and DC, without 2 Alaska, 6 Colorado, 12 Hawaii, 34 North Carolina, 38 Oregon).
# logc = log(sales), logp = log(price / cpi), logy = log(ndi / cpi) (SDPDmod's vignette).
# W: queen contiguity (spdep::poly2nb, planar predicates) on spData::us_states (48 contiguous states and DC)
# without Colorado, North Carolina and Oregon, in alphabetical order = Cigar's code order; row-standardised.
# This binary matrix (188 links; Washington's only neighbour is Idaho, South Carolina's is Georgia) was
# checked once, outside this script, to equal SDPDmod 0.0.6's data/usa46 (0 differing cells); SDPDmod itself
# is not packaged for Debian, so the script does not load it.
# 1963 is the initial condition: periods 1964-1992 (T' = 29, n = 46 x 29 = 1334) enter.
#
# 1. "none": spatialreg::lagsarlm (method "eigen", tol.opt 1e-12, exact eigenvalues) on the stacked 1964-1992
#    data (year, then state) with tau = logc_{t-1}, eta = W logc_{t-1} as ordinary regressors, W x by hand
#    (SDM) and explicit state and/or year dummies (treatment contrasts): the dummy-variable ML that
#    bias_correction="none" must equal.
# 2. "lee_yu": SDPDmod's dynamic algorithm (SDPDm, dynamic = TRUE, LYtrans = TRUE) re-implemented in plain R
#    exactly as in make_reference.R (same steps, see there), with the exact log-determinant.
# 3. "sdpdmod_vignette": the numbers SDPDmod 0.0.6's vignette prints for its dynamic Cigar models (mod3: SAR,
#    entity effects; mod5: SDM, two-way), copied from inst/doc/spatial_model.html, for the note. They are
#    not the algorithm's exact values: SDPDmod evaluates log|I - rho W| on a grid of step 0.001 (mod3) and, in
#    its dynamic branch, inverts Matrix::nearPD(SIG) instead of SIG (mod5: the badly scaled but positive
#    definite information matrix is altered, which moves the correction of rho by about 0.09).
#
# Writes tests/reference/dynamic/cigar_data.csv, cigar_neighbors.csv and cigar_reference.json.

suppressPackageStartupMessages({
  library(sf)
  library(spdep)
  library(spatialreg)
  library(spData)
  library(jsonlite)
})
sf_use_s2(FALSE)

outdir <- file.path("tests", "reference", "dynamic")
stopifnot(dir.exists(outdir))
TOL_OPT <- 1e-12

data("Cigar", package = "plm")
codes <- sort(unique(Cigar$state))
stopifnot(length(codes) == 46, setequal(setdiff(1:51, codes), c(2, 6, 12, 34, 38)))
us <- spData::us_states
names46 <- sort(setdiff(us$NAME, c("Colorado", "North Carolina", "Oregon")))
stopifnot(length(names46) == 46)
us46 <- us[match(names46, us$NAME), ]
nb <- poly2nb(us46, queen = TRUE)
stopifnot(is.symmetric.nb(nb), all(card(nb) > 0), sum(card(nb)) == 188)
edges <- do.call(rbind, lapply(seq_along(codes), function(i)
  data.frame(from_state = codes[i], to_state = codes[nb[[i]]])))
write.csv(edges, file.path(outdir, "cigar_neighbors.csv"), row.names = FALSE)

cig <- Cigar[order(Cigar$year, Cigar$state), ]
cig$name <- names46[match(cig$state, codes)]
cig$logc <- log(cig$sales); cig$logp <- log(cig$price / cig$cpi); cig$logy <- log(cig$ndi / cig$cpi)
write.csv(cig[, c("state", "name", "year", "price", "cpi", "ndi", "sales", "logc", "logp", "logy")],
          file.path(outdir, "cigar_data.csv"), row.names = FALSE)

N <- length(codes); years <- sort(unique(cig$year)); TT <- length(years); Tp <- TT - 1
stopifnot(all(cig$state == rep(codes, TT)))
B <- nb2mat(nb, style = "B"); dimnames(B) <- list(codes, codes)
W <- B / rowSums(B)
Dm12 <- diag(1 / sqrt(rowSums(B)))
ev <- eigen(Dm12 %*% B %*% Dm12, symmetric = TRUE, only.values = TRUE)$values

Y <- matrix(cig$logc, N, TT)
xvars <- c("logp", "logy")
Xm <- lapply(cig[xvars], function(v) matrix(v, N, TT))
used <- 2:TT
dd <- data.frame(state = rep(codes, Tp), year = rep(years[used], each = N), logc = as.vector(Y[, used]),
                 tau = as.vector(Y[, used - 1]), eta = as.vector(W %*% Y[, used - 1]))
for (v in xvars) {
  dd[[v]] <- as.vector(Xm[[v]][, used])
  dd[[paste0("W_", v)]] <- as.vector(W %*% Xm[[v]][, used])
}
dd$fstate <- factor(dd$state, levels = codes)
dd$fyear <- factor(dd$year)
n <- nrow(dd); stopifnot(n == N * Tp)
terms_of <- list(time = "tau", spacetime = "eta", both = c("tau", "eta"))
named <- function(x, nms) { l <- as.list(unname(x)); names(l) <- nms; l }
lw_NT <- nb2listw(mat2listw(kronecker(diag(Tp), B), style = "B")$neighbours, style = "W")

lsdv <- function(model, fe, dynamic) {
  rhs <- c(terms_of[[dynamic]], xvars)
  if (model == "SDM") rhs <- c(rhs, paste0("W_", xvars))
  if (fe %in% c("entity", "twoway")) rhs <- c(rhs, "fstate")
  if (fe %in% c("time", "twoway")) rhs <- c(rhs, "fyear")
  f <- as.formula(paste("logc ~", paste(rhs, collapse = " + ")))
  fit <- lagsarlm(f, data = dd, listw = lw_NT, method = "eigen", quiet = TRUE,
                  control = list(tol.opt = TOL_OPT, pre_eig = rep(ev, Tp)))
  stopifnot(isTRUE(fit$ase))
  cf <- summary(fit)$Coef
  keep <- setdiff(rhs, c("fstate", "fyear"))
  list(model = model, fixed_effects = fe, dynamic = dynamic,
       coefficients = c(named(cf[keep, "Estimate"], keep), list(rho = unname(fit$rho))),
       std_errors = c(named(cf[keep, "Std. Error"], keep), list(rho = unname(fit$rho.se))),
       sigma2 = fit$s2, loglik = as.numeric(fit$LL), nobs = n)
}

# SDPDmod's algorithm with the exact log-determinant: the steps of make_reference.R's leeyu()
Fn <- local({ e <- eigen(diag(N) - matrix(1 / N, N, N), symmetric = TRUE); e$vectors[, e$values > 0.5] })
f_SIG <- function(rho, bhat, sige, Wn, Z, n, t, kz) {
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
leeyu <- function(model, fe, dynamic) {
  zn <- c(terms_of[[dynamic]], xvars, if (model == "SDM") paste0("W_", xvars))
  y <- dd$logc; Z <- as.matrix(dd[, zn])
  nn <- N; Wn <- W
  if (fe == "twoway") {
    tr <- function(v) as.vector(crossprod(Fn, matrix(v, N, Tp)))
    y <- tr(y); Z <- apply(Z, 2, tr); nn <- N - 1; Wn <- crossprod(Fn, W %*% Fn)
  }
  dm <- function(v) { m <- matrix(v, nn, Tp); as.vector(m - rowMeans(m)) }
  y <- dm(y); Z <- apply(Z, 2, dm)
  evn <- eigen(Wn, only.values = TRUE)$values
  Wy <- as.vector(kronecker(diag(Tp), Wn) %*% y)
  bo <- qr.coef(qr(Z), y); bd <- qr.coef(qr(Z), Wy)
  eo <- y - Z %*% bo; ed <- Wy - Z %*% bd
  nll <- function(r) {
    e <- eo - r * ed
    nn * Tp / 2 * log(sum(e^2) / (nn * Tp)) - Tp * sum(Re(log(1 - r * as.complex(evn))))
  }
  re <- Re(evn[abs(Im(evn)) < 1e-10])
  opt <- optimize(nll, c(1 / min(re) + 1e-6, 1 / max(re) - 1e-6), tol = TOL_OPT)
  rho <- opt$minimum
  bhat <- as.vector(bo - rho * bd); names(bhat) <- zn
  sige <- sum((eo - rho * ed)^2) / (nn * Tp)
  kz <- ncol(Z)
  fs <- f_SIG(rho, bhat, sige, Wn, Z, nn, Tp, kz)
  SIGi <- solve(fs$SIG / (nn * Tp))
  tau <- if ("tau" %in% zn) bhat[["tau"]] else 0
  eta <- if ("eta" %in% zn) bhat[["eta"]] else 0
  An <- fs$Sni %*% (tau * diag(nn) + eta * Wn)
  stopifnot(sum(Re(eigen(An, only.values = TRUE)$values) > 1 - 1 / nn) == 0)
  M <- solve(diag(nn) - An) %*% fs$Sni
  b <- rep(0, kz + 2)
  if ("tau" %in% zn) b[match("tau", zn)] <- sum(diag(M)) / nn
  if ("eta" %in% zn) b[match("eta", zn)] <- sum(diag(Wn %*% M)) / nn
  b[kz + 1] <- tau * sum(diag(fs$Gn %*% M)) / nn + eta * sum(diag(fs$Gn %*% Wn %*% M)) / nn + sum(diag(fs$Gn)) / nn
  b[kz + 2] <- 1 / (2 * sige)
  theta1 <- c(bhat, rho, sige) + as.vector(SIGi %*% b) / Tp
  b1 <- theta1[1:kz]; rho1 <- theta1[kz + 1]; s1 <- theta1[kz + 2]
  se <- sqrt(diag(solve(f_SIG(rho1, b1, s1, Wn, Z, nn, Tp, kz)$SIG)))
  list(model = model, fixed_effects = fe, dynamic = dynamic, units = nn,
       uncorrected = c(named(bhat, zn), list(rho = rho, sigma2 = sige)),
       coefficients = c(named(b1, zn), list(rho = rho1, sigma2 = s1)),
       std_errors = named(se[1:(kz + 1)], c(zn, "rho")))
}

cases <- list(c("SAR", "entity", "both"), c("SDM", "twoway", "both"))
vignette <- list(
  list(model = "SAR", fixed_effects = "entity", dynamic = "both", name = "mod3",
       coefficients = list(tau = 0.9287971, eta = -0.3030634, logp = -0.0864323, logy = -0.0217271, rho = 0.310875),
       std_errors = list(tau = 0.0132188, eta = 0.0350687, logp = 0.0138446, logy = 0.0081269, rho = 0.031508)),
  list(model = "SDM", fixed_effects = "twoway", dynamic = "both", name = "mod5",
       coefficients = list(tau = 0.864412, eta = -0.096270, logp = -0.270872, logy = 0.104262, W_logp = 0.195595,
                           W_logy = -0.032464, rho = 0.162189),
       std_errors = list(tau = 0.012879, eta = 0.038810, logp = 0.023145, logy = 0.029783, W_logp = 0.043870,
                         W_logy = 0.039520, rho = 0.036753)))
ref <- list(
  meta = list(created = format(Sys.time(), tz = "UTC"), R = R.version.string,
              spatialreg = as.character(packageVersion("spatialreg")), spdep = as.character(packageVersion("spdep")),
              plm = as.character(packageVersion("plm")), spData = as.character(packageVersion("spData")),
              data = "plm::Cigar; W: queen contiguity of spData::us_states without CO, NC, OR (cigar_neighbors.csv)",
              formula = "logc ~ logp + logy", N = N, T = TT, periods_used = Tp, initial_period = years[1]),
  none = lapply(cases, function(x) lsdv(x[1], x[2], x[3])),
  lee_yu = lapply(cases, function(x) leeyu(x[1], x[2], x[3])),
  sdpdmod_vignette = vignette)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(outdir, "cigar_reference.json"))
cat("wrote", file.path(outdir, "cigar_reference.json"), "\n")
