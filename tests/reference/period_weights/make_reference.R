# Reference values for Moran's I by period with time-varying economic-distance weights (R spdep).
#
# Run from the repository root, after make_inputs.py:
#     Rscript tests/reference/period_weights/make_reference.R
#
# For each year t of demo_values.csv, W_t is built HERE from that year's pgdp:
# w_ij = 1 / |pgdp_i - pgdp_j| (i != j), row-standardised (spdep::mat2listw(style = "W")),
# and spdep::moran.test(innov, W_t) is run under normality and under randomisation.
# Writes reference.json: per year I, expectation, variance (normal and randomisation).

suppressPackageStartupMessages({
  library(spdep)
  library(jsonlite)
})

dir <- file.path("tests", "reference", "period_weights")
if (!dir.exists(dir)) stop("run from the repository root")
d <- read.csv(file.path(dir, "demo_values.csv"))
out <- list()
for (yr in sort(unique(d$year))) {
  s <- d[d$year == yr, ]
  s <- s[order(s$code), ]
  v <- s$pgdp
  m <- 1 / abs(outer(v, v, "-"))
  diag(m) <- 0
  lw <- mat2listw(m, style = "W", row.names = s$code)
  tn <- moran.test(s$innov, lw, randomisation = FALSE, alternative = "two.sided")
  tr <- moran.test(s$innov, lw, randomisation = TRUE, alternative = "two.sided")
  out[[as.character(yr)]] <- list(
    I = unname(tn$estimate[1]), expected = unname(tn$estimate[2]),
    variance_norm = unname(tn$estimate[3]), variance_rand = unname(tr$estimate[3]),
    z_norm = unname(tn$statistic), z_rand = unname(tr$statistic)
  )
}
meta <- list(R = R.version.string, spdep = as.character(packageVersion("spdep")))
writeLines(toJSON(list(meta = meta, moran_by_period = out), digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(dir, "reference.json"))
cat("wrote", file.path(dir, "reference.json"), "\n")
