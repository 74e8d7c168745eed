# Reference values for the Kenward-Roger denominator df at its singular points
# (smalltrial.longitudinal._smalldf.kr_ddf; tests/test_mixed_stress.py).
# Run: cd tests/reference/mixed_stress && Rscript make_kr_constants.R
# pbkrtest::Lb_ddf(L, V0, Vadj) reads only the attributes P (list of p x p matrices) and W
# (covariance of the variance parameters) of Vadj, so hand-made P and W hit the corners of the
# formula exactly: for one contrast (q = 1) A1 = A2 always, and A1 = A2 = 0.5 makes
# V2 = 1 - c3 B = 0 (pbkrtest: rho = Inf, ddf = 4); A1 = A2 = 1 makes 1 - A2/q = V1 = 0
# (pbkrtest's .divZero gives the ratio 1).
suppressPackageStartupMessages({library(pbkrtest); library(jsonlite)})
case <- function(name, L, V0, P, W) {
  Vadj <- V0
  attr(Vadj, "P") <- P
  attr(Vadj, "W") <- W
  list(name = name, L = L, V0 = V0, P = lapply(P, unname), W = W,
       ddf = Lb_ddf(L, V0, Vadj))
}
one <- matrix(1, 1, 1)
cases <- list(
  case("q1_A_half", one, one, list(one), matrix(0.5)),
  case("q1_A_one", one, one, list(one), matrix(1)),
  case("q1_A_quarter", one, one, list(one), matrix(0.25)),
  case("q1_A_two", one, one, list(one), matrix(2)),
  case("q1_two_params", one, matrix(2), list(matrix(1), matrix(-0.5)),
       matrix(c(0.3, 0.1, 0.1, 0.2), 2)),
  case("q2_diag", diag(2), diag(2), list(diag(c(1, 0.5)), diag(c(0.2, 1))),
       matrix(c(0.4, 0.05, 0.05, 0.3), 2)),
  case("q2_general", matrix(c(1, 0, 0, 1, -1, 1), 2), matrix(c(2, 0.3, 0.1, 0.3, 1, 0.2, 0.1, 0.2, 1.5), 3),
       list(matrix(c(1, 0.2, 0, 0.2, 0.5, 0.1, 0, 0.1, 0.3), 3), diag(3) * 0.4),
       matrix(c(0.2, -0.05, -0.05, 0.1), 2))
)
write_json(list(pbkrtest = as.character(packageVersion("pbkrtest")), cases = cases),
           "kr_constants.json", digits = NA, auto_unbox = TRUE, matrix = "rowmajor")
