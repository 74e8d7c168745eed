# Reference values for the spec's safety_monitoring table (tests/test_run_monitoring.py):
# the Bayesian toxicity rule of analyses/phase2_onc.toml (Thall, Simon & Estey 1995: stop after
# n patients when P(p > limit | x of n) > cutoff, Beta(a, b) prior), its exact operating
# characteristics (per-look dbinom convolution, as in tests/reference/monitoring), and the
# posterior probability at the observed looks. Base R only. Run: Rscript make_run_monitoring.R
library(jsonlite)

recursion <- function(n, up, p) {
  alive <- 1; prev <- 0; pup <- numeric(length(n))
  for (k in seq_along(n)) {
    d <- n[k] - prev
    inc <- dbinom(0:d, d, p)
    new <- numeric(n[k] + 1)
    for (x in seq_along(alive)) new[x:(x + d)] <- new[x:(x + d)] + alive[x] * inc
    cnt <- 0:n[k]
    if (up[k] <= n[k]) { pup[k] <- sum(new[cnt >= up[k]]); new[cnt >= up[k]] <- 0 }
    alive <- new; prev <- n[k]
  }
  pup
}
bdry <- function(n, limit, cutoff, a, b) {
  sapply(n, function(m) {
    x <- 0:m
    post <- pbeta(limit, a + x, b + m - x, lower.tail = FALSE)
    if (any(post > cutoff)) min(x[post > cutoff]) else NA
  })
}
case <- function(n_max, limit, cutoff, a, b, rates, x_obs, n_obs) {
  n <- seq_len(n_max)
  s <- bdry(n, limit, cutoff, a, b)
  up <- ifelse(is.na(s), n + 1, s)
  oc <- lapply(rates, function(p) {
    pup <- recursion(n, up, p)
    list(p = p, prob_stop = sum(pup), expected_n = sum(pup * n) + (1 - sum(pup)) * n_max)
  })
  list(n = n, stop_at = ifelse(is.na(s), "NA", s), oc = oc,
       posterior = pbeta(limit, a + x_obs, b + n_obs - x_obs, lower.tail = FALSE))
}
rates <- c(0.1, 0.2, 0.3, 0.4, 0.5)
out <- list(
  # phase2_onc: grade >= 3 AEs, 6 of 23 patients, never at the boundary
  phase2_onc = case(23, 0.3, 0.9, 0.6, 1.4, rates, 6, 23),
  # the same data under a flat prior: crossed at patient 3 with 2 of 3
  flat = case(23, 0.3, 0.9, 1, 1, rates, 2, 3)
)
write_json(out, "run_monitoring.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
