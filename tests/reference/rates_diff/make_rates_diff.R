# Reference values for smalltrial.rates.proportion_difference and fisher_exact
# (tests/test_rate_difference.py). R's base distribution has none of these intervals: this is R
# code of ours, written from the papers' definitions:
#   Newcombe (1998) method 10 (hybrid score from two Wilson intervals);
#   Miettinen & Nurminen (1985) score interval (restricted MLE closed form, variance * N/(N-1));
#   Chan & Zhang (1999) exact unconditional interval (score statistic without N/(N-1), each tail
#   maximised over the nuisance parameter on a grid of 201 points + optimize(); bounds by bisection).
# Boschloo (1970) exact unconditional test: Fisher's one-sided p-value (phyper) as the statistic,
#   maximised over the common proportion as above; two-sided = twice the smaller one-sided p-value.
# Fisher's exact test: base R fisher.test. The counts are synthetic.
suppressMessages(library(jsonlite))

wilson <- function(x, n, z) {
  centre <- 2 * x + z^2; half <- z * sqrt(z^2 + 4 * x * (n - x) / n); den <- 2 * (n + z^2)
  c(max(0, (centre - half) / den), min(1, (centre + half) / den))
}
newcombe <- function(x1, n1, x2, n2, level) {
  z <- qnorm(0.5 + level / 2); p1 <- x1 / n1; p2 <- x2 / n2
  w1 <- wilson(x1, n1, z); w2 <- wilson(x2, n2, z); d <- p1 - p2
  c(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
# restricted MLE under p1 - p2 = delta: Miettinen & Nurminen (1985) closed form
rmle <- function(p1, p2, n1, n2, delta) {
  th <- n2 / n1; a <- 1 + th
  b <- -(1 + th + p1 + th * p2 + delta * (th + 2))
  c <- delta^2 + delta * (2 * p1 + th + 1) + p1 + th * p2
  d <- -p1 * delta * (1 + delta)
  v <- b^3 / (27 * a^3) - b * c / (6 * a^2) + d / (2 * a)
  u <- sign(v) * sqrt(pmax(b^2 / (9 * a^2) - c / (3 * a), 0))
  r <- ifelse(u == 0, 0, v / u^3)
  w <- (pi + acos(pmin(pmax(r, -1), 1))) / 3
  q1 <- 2 * u * cos(w) - b / (3 * a)
  q1 <- pmin(pmax(q1, max(0, delta)), min(1, 1 + delta))
  cbind(q1, q1 - delta)
}
# check the closed form against direct maximisation of the restricted likelihood
for (s in list(c(3, 10, 7, 12, 0.1), c(0, 5, 0, 7, -0.3), c(5, 5, 2, 9, 0.6), c(1, 1, 0, 1, -0.2))) {
  x1 <- s[1]; n1 <- s[2]; x2 <- s[3]; n2 <- s[4]; del <- s[5]
  ll <- function(p2) dbinom(x1, n1, p2 + del, log = TRUE) + dbinom(x2, n2, p2, log = TRUE)
  num <- optimize(ll, c(max(0, -del), min(1, 1 - del)), maximum = TRUE, tol = 1e-12)$maximum
  cf <- rmle(x1 / n1, x2 / n2, n1, n2, del)[1, 2]
  if (abs(num - cf) > 1e-6) stop("restricted MLE closed form disagrees: ", paste(s, collapse = ","))
}
score_z <- function(a, b, n1, n2, delta, factor = 1) {
  p1 <- a / n1; p2 <- b / n2; q <- rmle(p1, p2, n1, n2, delta)
  v <- (q[, 1] * (1 - q[, 1]) / n1 + q[, 2] * (1 - q[, 2]) / n2) * factor
  num <- p1 - p2 - delta
  z <- num / sqrt(v)
  z[abs(num) < 1e-14] <- 0
  z[v <= 0 & abs(num) >= 1e-14] <- sign(num[v <= 0 & abs(num) >= 1e-14]) * Inf
  z
}
bisect <- function(f, lo, hi, tol) {
  while (hi - lo > tol) { mid <- (lo + hi) / 2; if (mid == lo || mid == hi) break
    if (f(mid)) lo <- mid else hi <- mid }
  (lo + hi) / 2
}
mn <- function(x1, n1, x2, n2, level) {
  z <- qnorm(0.5 + level / 2); fac <- (n1 + n2) / (n1 + n2 - 1); d <- x1 / n1 - x2 / n2
  inside <- function(t) abs(score_z(x1, x2, n1, n2, t, fac)) <= z
  lo <- if (inside(-1)) -1 else bisect(function(t) !inside(t), -1, d, 1e-15)
  hi <- if (inside(1)) 1 else bisect(inside, d, 1, 1e-15)
  zz <- score_z(x1, x2, n1, n2, 0, fac)
  c(lo, hi, min(1, 2 * pnorm(-abs(zz))))
}
cz_tail <- function(x1, n1, x2, n2, delta, side) {
  g <- expand.grid(a = 0:n1, b = 0:n2)
  t <- score_z(g$a, g$b, n1, n2, delta)
  tobs <- t[g$a == x1 & g$b == x2]
  fz <- if (is.finite(tobs)) 1e-9 * max(1, abs(tobs)) else 0
  reg <- switch(side, upper = t >= tobs - fz, lower = t <= tobs + fz, two = abs(t) >= abs(tobs) - fz)
  prob <- function(p2) sum(dbinom(g$a[reg], n1, min(max(p2 + delta, 0), 1)) * dbinom(g$b[reg], n2, p2))
  lo <- max(0, -delta); hi <- min(1, 1 - delta)
  if (hi <= lo) return(min(1, prob(lo)))
  grid <- seq(lo, hi, length.out = 201)
  vals <- sapply(grid, prob); i <- which.max(vals)
  opt <- optimize(prob, c(grid[max(i - 1, 1)], grid[min(i + 1, 201)]), maximum = TRUE, tol = 1e-12)
  min(1, max(vals[i], opt$objective))
}
chan_zhang <- function(x1, n1, x2, n2, level) {
  a2 <- (1 - level) / 2; d <- x1 / n1 - x2 / n2
  lo <- if (d <= -1 || cz_tail(x1, n1, x2, n2, -1, "upper") > a2) -1 else
    bisect(function(t) cz_tail(x1, n1, x2, n2, t, "upper") <= a2, -1, d, 1e-11)
  hi <- if (d >= 1 || cz_tail(x1, n1, x2, n2, 1, "lower") > a2) 1 else
    bisect(function(t) cz_tail(x1, n1, x2, n2, t, "lower") > a2, d, 1, 1e-11)
  c(lo, hi, cz_tail(x1, n1, x2, n2, 0, "two"))
}

boschloo_one <- function(x1, n1, x2, n2, side) {
  g <- expand.grid(a = 0:n1, b = 0:n2); m <- g$a + g$b
  pf <- if (side == "greater") phyper(g$a - 1, n1, n2, m, lower.tail = FALSE) else phyper(g$a, n1, n2, m)
  reg <- pf <= pf[g$a == x1 & g$b == x2] * (1 + 1e-7)
  prob <- function(p) sum(dbinom(g$a[reg], n1, p) * dbinom(g$b[reg], n2, p))
  grid <- seq(0, 1, length.out = 201); vals <- sapply(grid, prob); i <- which.max(vals)
  opt <- optimize(prob, c(grid[max(i - 1, 1)], grid[min(i + 1, 201)]), maximum = TRUE, tol = 1e-12)
  min(1, max(vals[i], opt$objective))
}
boschloo <- function(x1, n1, x2, n2) {
  g <- boschloo_one(x1, n1, x2, n2, "greater"); l <- boschloo_one(x1, n1, x2, n2, "less")
  list(two = min(1, 2 * min(g, l)), greater = g, less = l)
}

cases <- list(c(9, 10, 3, 10), c(0, 5, 0, 7), c(5, 5, 7, 7), c(0, 6, 6, 6), c(6, 6, 0, 6),
              c(1, 1, 0, 1), c(1, 1, 1, 1), c(12, 20, 5, 18), c(3, 15, 8, 12), c(0, 1, 0, 1),
              c(2, 3, 20, 25))
out <- list()
for (s in cases) {
  x1 <- s[1]; n1 <- s[2]; x2 <- s[3]; n2 <- s[4]
  for (level in c(0.95, 0.90)) {
    nc <- newcombe(x1, n1, x2, n2, level); m <- mn(x1, n1, x2, n2, level)
    cz <- chan_zhang(x1, n1, x2, n2, level)
    tab <- matrix(c(x1, n1 - x1, x2, n2 - x2), 2)
    out[[length(out) + 1]] <- list(
      x1 = x1, n1 = n1, x2 = x2, n2 = n2, level = level,
      newcombe = nc, miettinen_nurminen = m[1:2], mn_pvalue = m[3],
      chan_zhang = cz[1:2], cz_pvalue = cz[3],
      fisher = list(two = fisher.test(tab)$p.value, greater = fisher.test(tab, alternative = "greater")$p.value,
                 less = fisher.test(tab, alternative = "less")$p.value),
      boschloo = boschloo(x1, n1, x2, n2))
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "rates_diff.json")
