# Reference values for smalltrial.rates (tests/test_rates.py).
# Run: cd tests/reference/rates && Rscript make_rates.R   (R >= 4.2, jsonlite)
# binom.test / prop.test / qbeta / pbeta are base R; mid-p, Blaker, Agresti-Coull, Wald, the HPD
# interval and the beta-binomial predictive probabilities are written out here, with algorithms
# independent of the Python code (Blaker: scan + bisection on the full acceptability function).
library(jsonlite)

ns <- c(1, 2, 3, 4, 5, 7, 8, 10, 15, 20, 29, 50, 100)
levels <- c(0.95, 0.90, 0.80, 0.99)
alts <- c("two.sided", "greater", "less")
alt_name <- c(two.sided = "two-sided", greater = "greater", less = "less")

relErr <- 1 + 1e-7

# ---- mid-p: invert the mid-p test; lower solves 0.5 P(X = x) + P(X > x) = tail -------------
midp_lower <- function(x, n, tail) {
  if (x == 0) return(0)
  f <- function(p) 0.5 * dbinom(x, n, p) + pbinom(x, n, p, lower.tail = FALSE) - tail
  uniroot(f, c(0, 1), tol = 1e-15, maxiter = 10000)$root
}
midp_upper <- function(x, n, tail) {
  if (x == n) return(1)
  f <- function(p) 0.5 * dbinom(x, n, p) + pbinom(x - 1, n, p) - tail
  uniroot(f, c(0, 1), tol = 1e-15, maxiter = 10000)$root
}

# ---- Blaker (2000): acceptability P(gamma(X) <= gamma(x)), gamma = smaller tail -------------
acceptbin <- function(x, n, p) {
  k <- 0:n
  lo <- pbinom(k, n, p)
  hi <- pbinom(k - 1, n, p, lower.tail = FALSE)
  g <- pmin(lo, hi)
  sum(dbinom(k, n, p)[g <= g[x + 1] * relErr])
}
# As Blaker's appendix code: start at the Clopper-Pearson bound and move inward until the
# acceptability reaches alpha (step 1e-5), then bisect the last step to 1e-15.
blaker_lower <- function(x, n, level) {
  if (x == 0) return(0)
  alpha <- 1 - level
  step <- 1e-5
  p <- qbeta(alpha / 2, x, n - x + 1)
  while (acceptbin(x, n, p) < alpha) p <- p + step
  lo <- max(p - step, 0); hi <- p
  if (acceptbin(x, n, lo) >= alpha) return(lo)
  while (hi - lo > 1e-15) {
    mid <- (lo + hi) / 2
    if (acceptbin(x, n, mid) >= alpha) hi <- mid else lo <- mid
  }
  hi
}
blaker_upper <- function(x, n, level) {
  if (x == n) return(1)
  alpha <- 1 - level
  step <- 1e-5
  p <- qbeta(1 - alpha / 2, x + 1, n - x)
  while (acceptbin(x, n, p) < alpha) p <- p - step
  lo <- p; hi <- min(p + step, 1)
  if (acceptbin(x, n, hi) >= alpha) return(hi)
  while (hi - lo > 1e-15) {
    mid <- (lo + hi) / 2
    if (acceptbin(x, n, mid) >= alpha) lo <- mid else hi <- mid
  }
  lo
}

ac_wald <- function(x, n, z, agresti) {
  if (agresti) {
    nt <- n + z^2; pt <- (x + z^2 / 2) / nt
  } else {
    nt <- n; pt <- x / n
  }
  h <- z * sqrt(pt * (1 - pt) / nt)
  c(max(pt - h, 0), min(pt + h, 1))
}

intervals <- list()
for (n in ns) for (x in 0:n) for (level in levels) for (alt in alts) {
  alpha <- 1 - level
  tail <- if (alt == "two.sided") alpha / 2 else alpha
  z <- qnorm(1 - tail)
  cp <- binom.test(x, n, alternative = alt, conf.level = level)$conf.int
  w <- suppressWarnings(prop.test(x, n, alternative = alt, conf.level = level, correct = FALSE)$conf.int)
  wcc <- suppressWarnings(prop.test(x, n, alternative = alt, conf.level = level, correct = TRUE)$conf.int)
  jl <- if (x == 0) 0 else qbeta(tail, x + 0.5, n - x + 0.5)
  ju <- if (x == n) 1 else qbeta(1 - tail, x + 0.5, n - x + 0.5)
  ml <- midp_lower(x, n, tail); mu <- midp_upper(x, n, tail)
  ac <- ac_wald(x, n, z, TRUE); wa <- ac_wald(x, n, z, FALSE)
  if (alt == "greater") {
    ju <- 1; mu <- 1; ac[2] <- 1; wa[2] <- 1
  }
  if (alt == "less") {
    jl <- 0; ml <- 0; ac[1] <- 0; wa[1] <- 0
  }
  row <- list(x = x, n = n, level = level, alternative = unname(alt_name[alt]),
              "clopper-pearson" = as.numeric(cp), wilson = as.numeric(w),
              "wilson-cc" = as.numeric(wcc), jeffreys = c(jl, ju), "mid-p" = c(ml, mu),
              "agresti-coull" = ac, wald = wa)
  if (n <= 50 && alt == "two.sided" && level != 0.80) {
    row$blaker <- c(blaker_lower(x, n, level), blaker_upper(x, n, level))
  }
  intervals[[length(intervals) + 1]] <- row
}

# ---- binom.test p-values and mid-p p-values --------------------------------------------
tests <- list()
for (n in c(1, 2, 5, 8, 10, 15, 29, 43)) for (x in unique(round(seq(0, n, length.out = 6)))) {
  for (p0 in c(0.05, 0.1, 0.2, 0.3, 0.5, 0.7)) for (alt in alts) {
    bt <- binom.test(x, n, p0, alternative = alt)
    g <- pbinom(x, n, p0, lower.tail = FALSE) + 0.5 * dbinom(x, n, p0)
    l <- pbinom(x - 1, n, p0) + 0.5 * dbinom(x, n, p0)
    mid <- switch(alt, greater = g, less = l, two.sided = min(1, 2 * min(g, l)))
    tests[[length(tests) + 1]] <- list(x = x, n = n, p0 = p0, alternative = unname(alt_name[alt]),
                                       pvalue = bt$p.value, mid_pvalue = mid,
                                       conf_int = as.numeric(bt$conf.int))
  }
}

# ---- Beta posterior: equal-tailed and HPD intervals, P(p > p0), predictive ----------------
hpd <- function(a, b, level) {
  if (a <= 1 && b > 1) return(c(0, qbeta(level, a, b)))
  if (b <= 1 && a > 1) return(c(qbeta(1 - level, a, b), 1))
  f <- function(t) dbeta(qbeta(t + level, a, b), a, b) - dbeta(qbeta(t, a, b), a, b)
  t <- uniroot(f, c(0, 1 - level), tol = 1e-15, maxiter = 10000)$root
  c(qbeta(t, a, b), qbeta(t + level, a, b))
}
# P(final responders >= k_total) when m more patients are enrolled (beta-binomial)
pred_success <- function(x, a, b, m, k_total) {
  y <- 0:m
  w <- exp(lchoose(m, y) + lbeta(a + y, b + m - y) - lbeta(a, b))
  sum(w[x + y >= k_total])
}
# Lee & Liu (2008): P(posterior P(p > p0) > theta at the final analysis)
pred_prob <- function(x, n, a0, b0, m, p0, theta) {
  a <- a0 + x; b <- b0 + n - x
  y <- 0:m
  w <- exp(lchoose(m, y) + lbeta(a + y, b + m - y) - lbeta(a, b))
  post <- pbeta(p0, a0 + x + y, b0 + n + m - x - y, lower.tail = FALSE)
  sum(w[post > theta])
}
posteriors <- list()
for (case in list(c(5, 5, 1, 1), c(8, 8, 1, 1), c(12, 15, 1, 1), c(0, 10, 1, 1), c(0, 5, 0.5, 0.5),
                  c(5, 5, 0.5, 0.5), c(3, 10, 0.5, 0.5), c(1, 1, 1, 1), c(4, 20, 2, 3),
                  c(10, 12, 0.2, 0.8), c(0, 1, 1, 1), c(7, 9, 1, 1))) {
  x <- case[1]; n <- case[2]; a0 <- case[3]; b0 <- case[4]
  a <- a0 + x; b <- b0 + n - x
  ints <- list()
  for (level in c(0.95, 0.9, 0.5)) {
    ints[[length(ints) + 1]] <- list(level = level,
      equal_tailed = c(qbeta((1 - level) / 2, a, b), qbeta(1 - (1 - level) / 2, a, b)),
      hpd = hpd(a, b, level))
  }
  preds <- list()
  for (m in c(1, 5, 10)) for (k in c(x, x + 1, x + 3, n + m - 2)) {
    if (k < 0) next
    preds[[length(preds) + 1]] <- list(m = m, k_total = k, prob = pred_success(x, a, b, m, k))
  }
  pps <- list()
  for (m in c(5, 10)) for (p0 in c(0.2, 0.5)) for (theta in c(0.9, 0.95)) {
    pps[[length(pps) + 1]] <- list(m = m, p0 = p0, threshold = theta,
                                   prob = pred_prob(x, n, a0, b0, m, p0, theta))
  }
  posteriors[[length(posteriors) + 1]] <- list(
    x = x, n = n, prior = c(a0, b0), a = a, b = b, mean = a / (a + b), median = qbeta(0.5, a, b),
    intervals = ints,
    prob_above = lapply(c(0.05, 0.2, 0.5, 0.9), function(p0) list(p0 = p0, prob = pbeta(p0, a, b, lower.tail = FALSE))),
    predictive = preds, predictive_probability = pps)
}

# ---- exact coverage (closed intervals) ------------------------------------------------------
cover <- function(n, p, lower, upper) sum(dbinom(0:n, n, p)[lower <= p & p <= upper])
coverages <- list()
ps <- c(0.01, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.62, 0.8, 0.95, 0.999)
for (n in c(1, 5, 10, 15, 30)) for (level in c(0.95, 0.9)) {
  cp <- t(sapply(0:n, function(x) binom.test(x, n, conf.level = level)$conf.int))
  w <- t(sapply(0:n, function(x) suppressWarnings(prop.test(x, n, conf.level = level, correct = FALSE)$conf.int)))
  coverages[[length(coverages) + 1]] <- list(n = n, level = level, p = ps,
    "clopper-pearson" = sapply(ps, function(p) cover(n, p, cp[, 1], cp[, 2])),
    wilson = sapply(ps, function(p) cover(n, p, w[, 1], w[, 2])))
}

write_json(list(generated_by = "tests/reference/rates/make_rates.R", r_version = R.version.string,
                intervals = intervals, tests = tests, posteriors = posteriors,
                coverage = coverages),
           "rates.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
