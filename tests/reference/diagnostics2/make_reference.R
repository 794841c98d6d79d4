# Reference values for si.cd_test (plm::pcdtest, test = "cd") and si.moran_residuals (spdep::lm.morantest).
# Run from the repository root:  Rscript tests/reference/diagnostics2/make_reference.R
# Reads the data shipped in tests/reference/diagnostics/ (Produc, columbus and their neighbour lists) and writes
# tests/reference/diagnostics2/reference_r.json plus the plm residual files used by the tests.
suppressPackageStartupMessages({library(plm); library(spdep); library(jsonlite)})
src <- file.path("tests", "reference", "diagnostics")
out <- file.path("tests", "reference", "diagnostics2")
num <- function(x) unname(as.numeric(x))
htest <- function(h) list(statistic = num(h$statistic), p_value = num(h$p.value))
moran_ht <- function(h) {
  est <- num(h$estimate)   # Observed Moran I, Expectation, Variance
  list(I = est[1], expected = est[2], variance = est[3], z = num(h$statistic), p_greater = num(h$p.value))
}
# neighbour lists are kept once: columbus in crosssection/, produc in panel/ (first two columns: from, to)
nb_path <- function(ds) file.path("tests", "reference", if (ds == "produc") "panel" else "crosssection",
                                  paste0(ds, "_neighbors.csv"))
nb_from_csv <- function(path, ids) {
  e <- read.csv(path, stringsAsFactors = FALSE)
  names(e)[1:2] <- c("from_id", "to_id")
  from <- match(as.character(e$from_id), as.character(ids)); to <- match(as.character(e$to_id), as.character(ids))
  nb <- lapply(seq_along(ids), function(i) sort(to[from == i]))
  nb <- lapply(nb, function(v) if (length(v)) as.integer(v) else 0L)
  attr(nb, "region.id") <- as.character(ids); class(nb) <- "nb"; nb
}
res <- list(meta = list(R_version = R.version.string, plm = as.character(packageVersion("plm")),
                        spdep = as.character(packageVersion("spdep"))))

# ---- (1) Pesaran CD on Produc -------------------------------------------------------------------------
pr <- read.csv(file.path(src, "produc_data.csv"), stringsAsFactors = FALSE)
pdat <- pdata.frame(pr, index = c("state", "year"))
states <- sort(unique(pr$state)); yrs <- sort(unique(pr$year))
fml <- log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp
cd <- list()
cd$raw_unemp <- htest(pcdtest(pdat$unemp, test = "cd"))
cd$raw_log_gsp <- htest(pcdtest(log(pdat$gsp), test = "cd"))
fe_ind <- plm(fml, data = pdat, model = "within", effect = "individual")
fe_two <- plm(fml, data = pdat, model = "within", effect = "twoways")
pool <- plm(fml, data = pdat, model = "pooling")
cd$within_individual <- htest(pcdtest(fe_ind, test = "cd"))
cd$within_twoways <- htest(pcdtest(fe_two, test = "cd"))
cd$pooling <- htest(pcdtest(pool, test = "cd"))
cd$within_individual_coef <- as.list(coef(fe_ind))
write_resid <- function(mod, file) {
  ix <- index(mod)
  d <- data.frame(state = as.character(ix[[1]]), year = as.integer(as.character(ix[[2]])),
                  resid = sprintf("%.17g", num(resid(mod))))
  write.csv(d, file.path(out, file), row.names = FALSE, quote = 1)
}
write_resid(fe_ind, "plm_resid_within_individual.csv")
write_resid(fe_two, "plm_resid_within_twoways.csv")
# unbalanced: drop a deterministic set of rows; KANSAS keeps one year only (all its pairs have T_ij = 1 and are
# omitted by plm with a warning); the next ten states lose their first 1..10 years
drop <- (pr$state == "KANSAS" & pr$year != 1980)
for (k in 1:10) drop <- drop | (pr$state == states[k] & pr$year < yrs[1] + k)
pu <- pr[!drop, ]
write.csv(data.frame(state = pr$state[drop], year = pr$year[drop]), file.path(out, "unbalanced_dropped.csv"),
          row.names = FALSE)
pud <- pdata.frame(pu, index = c("state", "year"))
cd$unbalanced_raw_unemp <- htest(suppressWarnings(pcdtest(pud$unemp, test = "cd")))
fe_unb <- plm(fml, data = pud, model = "within", effect = "individual")
cd$unbalanced_within_individual <- htest(suppressWarnings(pcdtest(fe_unb, test = "cd")))
write_resid(fe_unb, "plm_resid_within_individual_unbalanced.csv")
# local CD (pairs of neighbours only): binary contiguity matrix in plm's entity order (sorted state names)
Wb <- nb2mat(nb_from_csv(nb_path("produc"), states), style = "B")
stopifnot(identical(levels(index(pdat)[[1]]), states))
cd$local_raw_unemp <- htest(pcdtest(pdat$unemp, test = "cd", w = Wb))
cd$local_within_individual <- htest(pcdtest(fe_ind, test = "cd", w = Wb))
res$cd <- cd

# ---- (2) Residual Moran on columbus (spdep lm.morantest) ------------------------------------------------
co <- read.csv(file.path(src, "columbus_data.csv"))
lw_co <- nb2listw(nb_from_csv(nb_path("columbus"), co$id), style = "W")
lwB_co <- nb2listw(nb_from_csv(nb_path("columbus"), co$id), style = "B")
ols_co <- lm(CRIME ~ INC + HOVAL, data = co)
co$W_INC <- lag.listw(lw_co, co$INC); co$W_HOVAL <- lag.listw(lw_co, co$HOVAL)
slx_co <- lm(CRIME ~ INC + HOVAL + W_INC + W_HOVAL, data = co)
mr <- list()
mr$columbus_ols_W <- moran_ht(lm.morantest(ols_co, lw_co))
mr$columbus_ols_W$p_two_sided <- num(lm.morantest(ols_co, lw_co, alternative = "two.sided")$p.value)
mr$columbus_ols_B <- moran_ht(lm.morantest(ols_co, lwB_co))
mr$columbus_slx_W <- moran_ht(lm.morantest(slx_co, lw_co))

# ---- (3) Residual Moran on the Produc FE panel ---------------------------------------------------------
nb_pr <- nb_from_csv(nb_path("produc"), states)
lw_pr <- nb2listw(nb_pr, style = "W")
pr <- pr[order(pr$year, match(pr$state, states)), ]           # time-major, states in `states` order
pr$ly <- log(pr$gsp); pr$lpcap <- log(pr$pcap); pr$lpc <- log(pr$pc); pr$lemp <- log(pr$emp)
vars <- c("ly", "lpcap", "lpc", "lemp", "unemp")
within <- function(v, effect) {
  out <- v - ave(v, pr$state)
  if (effect == "twoways") out <- out - ave(v, pr$year) + mean(v)
  out
}
NT <- nrow(pr); N <- length(states); TT <- length(yrs)
# stacked block-diagonal neighbours: row (t, i) -> (t, j)
nb_stack <- vector("list", NT)
for (t in seq_len(TT)) for (i in seq_len(N)) nb_stack[[(t - 1) * N + i]] <- as.integer((t - 1) * N + nb_pr[[i]])
attr(nb_stack, "region.id") <- paste(pr$state, pr$year); class(nb_stack) <- "nb"
lw_stack <- nb2listw(nb_stack, style = "W")
panel <- list()
for (effect in c("individual", "twoways")) {
  d <- as.data.frame(lapply(pr[vars], within, effect = effect))
  per <- lapply(yrs, function(y) {
    s <- pr$year == y
    moran_ht(lm.morantest(lm(ly ~ lpcap + lpc + lemp + unemp, data = d[s, ]), lw_pr))
  })
  names(per) <- as.character(yrs)
  f_lsdv <- if (effect == "individual") ly ~ lpcap + lpc + lemp + unemp + factor(state) else
    ly ~ lpcap + lpc + lemp + unemp + factor(state) + factor(year)
  lsdv <- lm(f_lsdv, data = pr)
  panel[[effect]] <- list(per_period = per, pooled = moran_ht(lm.morantest(lsdv, lw_stack)),
                          lsdv_coef = as.list(coef(lsdv)[c("lpcap", "lpc", "lemp", "unemp")]))
}
mr$produc <- panel
res$moran_residuals <- mr
# every double as %.17g (jsonlite rounds to 15 significant digits), passed through verbatim
exact <- function(x) if (is.list(x)) lapply(x, exact) else if (is.numeric(x)) structure(sprintf("%.17g", x),
                                                                                         class = "json") else x
writeLines(toJSON(exact(res), auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE), file.path(out, "reference_r.json"))
cat("written", file.path(out, "reference_r.json"), "\n")
