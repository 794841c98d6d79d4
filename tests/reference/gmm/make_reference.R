# Reference values for spatialinno.dynamic_gmm: R plm::pgmm on EmplUK (Arellano & Bond 1991).
# Run from the repository root:  Rscript tests/reference/gmm/make_reference.R
# (writes emplUK.csv and reference.json next to this script; plm and R versions are recorded in the JSON).
# Tests read only the CSV and JSON (no R at test time).
suppressPackageStartupMessages({library(plm); library(jsonlite)})
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
setwd(here)
data("EmplUK", package = "plm")
write.csv(EmplUK[, c("firm", "year", "sector", "emp", "wage", "capital", "output")], "emplUK.csv", row.names = FALSE)

ab <- log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) + lag(log(output), 0:1) | lag(log(emp), 2:99)
bb <- log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) |
  lag(log(emp), 2:99) + lag(log(wage), 2:99) + lag(log(capital), 2:99)

ab_pre <- log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) + lag(log(output), 0:1) |
  lag(log(emp), 2:99) + lag(log(wage), 1:99)
ab_max4 <- log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) + lag(log(output), 0:1) |
  lag(log(emp), 2:4)
bb_max3 <- log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) |
  lag(log(emp), 2:3) + lag(log(wage), 2:3) + lag(log(capital), 2:3)

fit <- function(form, model, transformation, collapse = FALSE) {
  pgmm(form, data = EmplUK, effect = "twoways", model = model, transformation = transformation,
       collapse = collapse)
}

extract <- function(x) {
  two <- is.list(x$coefficients)
  b <- if (two) x$coefficients[[2L]] else x$coefficients
  vr <- vcovHC(x)
  vn <- vcov(x)
  m <- function(order, v) { t <- mtest(x, order = order, vcov = v); c(statistic = unname(t$statistic), p_value = unname(t$p.value)) }
  s2 <- sargan(x, "twosteps"); s1 <- sargan(x, "onestep")
  list(names = names(b), coef = unname(b),
       se_robust = unname(sqrt(diag(vr))), se_nonrobust = unname(sqrt(diag(vn))),
       ar1_robust = as.list(m(1, vr)), ar2_robust = as.list(m(2, vr)),
       ar1_nonrobust = as.list(m(1, NULL)), ar2_nonrobust = as.list(m(2, NULL)),
       sargan_twosteps_weights = list(statistic = unname(s2$statistic), df = unname(s2$parameter),
                                      p_value = unname(s2$p.value)),
       sargan_onestep_weights = list(statistic = unname(s1$statistic), df = unname(s1$parameter),
                                     p_value = unname(s1$p.value)),
       n_instruments = ncol(x$W[[1L]]), n_groups = length(x$W))
}

out <- list(
  plm_version = as.character(packageVersion("plm")), R_version = R.version.string,
  ab_onestep = extract(fit(ab, "onestep", "d")),
  ab_twosteps = extract(fit(ab, "twosteps", "d")),
  ab_twosteps_collapse = extract(fit(ab, "twosteps", "d", collapse = TRUE)),
  bb_onestep = extract(fit(bb, "onestep", "ld")),
  bb_twosteps = extract(fit(bb, "twosteps", "ld")),
  bb_twosteps_collapse = extract(fit(bb, "twosteps", "ld", collapse = TRUE)),
  ab_predetermined_twosteps = extract(fit(ab_pre, "twosteps", "d")),
  ab_maxlag4_twosteps = extract(fit(ab_max4, "twosteps", "d")),
  bb_maxlag3_twosteps = extract(fit(bb_max3, "twosteps", "ld"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
cat("wrote reference.json\n")
