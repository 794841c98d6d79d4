# Independent reference values for the Hausman FE-vs-RE statistic and the regression-based (auxiliary)
# Hausman test, from R plm (Croissant & Millo).
#
# Run from the repository root:
#     Rscript tests/reference/hausman/make_reference.R
#
# Writes tests/reference/hausman/reference.json with, for plm::Produc and plm::Grunfeld:
#   formula, coef_fe / vcov_fe     plm(model = "within") (entity fixed effects), slopes only
#   coef_re / vcov_re              plm(model = "random") (Swamy-Arora GLS), slopes only (no intercept)
#   phtest                         phtest(fe, re): statistic, df, p_value (contrast form, solve())
#   aux                            phtest(formula, data, method = "aux"): statistic, df, p_value
#                                  (random-effects model augmented with the within-transformed regressors,
#                                  Wald test with the classical vcov)
#   theta                          plm's quasi-demeaning parameter of the RE fit
# plm's RE is GLS with the Swamy-Arora variance components, spatialinno's is ML: the tests feed plm's own
# coefficients and covariances into spatialinno's statistic function (the formula is compared, not the fits).
suppressMessages({library(plm); library(jsonlite)})
data(Produc, package = "plm")
data(Grunfeld, package = "plm")

one <- function(formula, data, index) {
  pd <- pdata.frame(data, index = index)
  fe <- plm(formula, data = pd, model = "within")
  re <- plm(formula, data = pd, model = "random")
  common <- names(coef(fe))
  h <- phtest(fe, re)
  aux <- phtest(formula, data = pd, method = "aux")
  list(formula = deparse(formula), slopes = common,
       coef_fe = unname(coef(fe)[common]), vcov_fe = unname(vcov(fe)[common, common]),
       coef_re = unname(coef(re)[common]), vcov_re = unname(vcov(re)[common, common]),
       phtest = list(statistic = unname(h$statistic), df = unname(h$parameter), p_value = h$p.value),
       aux = list(statistic = unname(aux$statistic), df = unname(aux$parameter), p_value = aux$p.value),
       theta = unname(re$ercomp$theta))
}

# phtest(method = "aux") cannot parse log() terms: the logs are precomputed columns
Produc <- transform(Produc, lgsp = log(gsp), lpcap = log(pcap), lpc = log(pc), lemp = log(emp))
out <- list(
  produc = one(lgsp ~ lpcap + lpc + lemp + unemp, Produc, c("state", "year")),
  grunfeld = one(inv ~ value + capital, Grunfeld, c("firm", "year")),
  versions = list(R = R.version.string, plm = as.character(packageVersion("plm"))))
writeLines(toJSON(out, digits = I(17), auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/hausman/reference.json")
