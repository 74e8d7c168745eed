# Reference values for the spec's efficacy_monitoring table (smalltrial/builders/monitoring.py):
# the BOP2 and predictive-probability designs of analyses/phase2_onc.toml (and a variant with an
# early efficacy stop), found by an independent base-R search of the published rules, with their
# boundaries, exact operating characteristics (a per-look dbinom convolution) and the posterior
# P(p > p0 | x of n) at the observed point. Base R only (pbeta, dbinom, lchoose, lbeta).
# Run: Rscript make_monitoring_efficacy.R
library(jsonlite)

# exact stop probabilities for "stop when count >= up[k] or <= lo[k]" at looks n[k]
# (up = n + 1: no upper stop; lo = -1: no lower stop); alive = final count distribution
recursion <- function(n, up, lo, p) {
  alive <- 1; prev <- 0
  pup <- numeric(length(n)); plo <- numeric(length(n))
  for (k in seq_along(n)) {
    d <- n[k] - prev
    inc <- dbinom(0:d, d, p)
    new <- numeric(n[k] + 1)
    for (x in seq_along(alive)) new[x:(x + d)] <- new[x:(x + d)] + alive[x] * inc
    cnt <- 0:n[k]
    if (up[k] <= n[k]) { pup[k] <- sum(new[cnt >= up[k]]); new[cnt >= up[k]] <- 0 }
    if (lo[k] >= 0) { plo[k] <- sum(new[cnt <= lo[k]]); new[cnt <= lo[k]] <- 0 }
    alive <- new; prev <- n[k]
  }
  list(up = pup, lo = plo, alive = alive)
}
# operating characteristics: interim futility lo[-K], efficacy up[-K]; success at N if >= s
oc <- function(looks, lo, up, s, p) {
  K <- length(looks); N <- looks[K]
  r <- recursion(looks, c(up, N + 1), c(lo, -1), p)
  eff <- sum(r$up[-K]); fut <- sum(r$lo[-K])
  list(p = p, prob_success = eff + sum(r$alive[(0:N) >= s]), prob_stop_futility = fut,
       prob_stop_efficacy = eff,
       expected_n = sum((r$up[-K] + r$lo[-K]) * looks[-K]) + (1 - eff - fut) * N)
}

# ---- BOP2, binary (Zhou, Lee & Yuan 2017): at n of N stop for futility when
# Pr(p <= p0 | x) > 1 - lambda (n/N)^gamma, i.e. Pr(p > p0 | x) < lambda (n/N)^gamma; at N
# promising when not. (lambda, gamma) maximise the power with type I error <= alpha (ties: the
# smaller expected N at p0, then the smaller lambda, then the smaller gamma).
bop2 <- function(p0, p1, looks, alpha, a, b, rates) {
  K <- length(looks); N <- looks[K]
  best <- NULL
  for (l in round((1:99) / 100, 2)) for (g in round((1:60) * 0.05, 2)) {
    f <- sapply(looks, function(m) {
      x <- 0:m
      post <- pbeta(p0, a + x, b + m - x, lower.tail = FALSE)
      keep <- post < l * (m / N)^g
      if (any(keep)) max(x[keep]) else -1
    })
    o0 <- oc(looks, f[-K], rep(N + 1, K - 1), f[K] + 1, p0)
    o1 <- oc(looks, f[-K], rep(N + 1, K - 1), f[K] + 1, p1)
    if (o0$prob_success > alpha + 1e-12) next
    if (is.null(best) || o1$prob_success > best$power + 1e-15 ||
        (abs(o1$prob_success - best$power) <= 1e-15 && o0$expected_n < best$expected_n0 - 1e-12))
      best <- list(lambda = l, gamma = g, futility = f[-K], success_at = f[K] + 1,
                   type1_error = o0$prob_success, power = o1$prob_success,
                   expected_n0 = o0$expected_n, pet0 = o0$prob_stop_futility)
  }
  c(list(p0 = p0, p1 = p1, looks = looks, alpha = alpha, prior = c(a, b)), best,
    list(oc = lapply(rates, function(p) oc(looks, best$futility, rep(N + 1, K - 1),
                                           best$success_at, p))))
}

# ---- predictive probability design (Lee & Liu 2008): looks after every patient from
# first_look; at N success when P(p > p0 | x) > theta_t (r_final = the smallest such x); at an
# interim look n, PP = P(x + Y >= r_final), Y beta-binomial(N - n, a + x, b + n - x); stop for
# futility when PP < theta_l, for efficacy when PP > theta_u (theta_u = 1: never). Search: the
# smallest N from n_min with a (theta_t, theta_l) meeting type I error <= alpha and power >=
# power; among those the smallest expected N at p0 (ties: larger power, smaller theta_t, smaller
# theta_l).
pp_matrix <- function(N, looks, r_final, a, b) {
  lapply(looks, function(m) {
    rem <- N - m
    sapply(0:m, function(x) {
      y <- 0:rem
      pred <- exp(lchoose(rem, y) + lbeta(a + x + y, b + m - x + rem - y) - lbeta(a + x, b + m - x))
      sum(pred[x + y >= r_final])
    })
  })
}
pp_search <- function(p0, p1, n_max, alpha, power, first, a, b, theta_u, rates) {
  tts <- round((80:99) / 100, 2)
  tls <- round(c((1:9) / 1000, (1:20) / 100), 3)
  for (N in (first + 1):n_max) {
    looks <- first:N
    K <- length(looks)
    x <- 0:N
    post <- pbeta(p0, a + x, b + N - x, lower.tail = FALSE)
    best <- NULL; seen <- c()
    for (tt in tts) {
      r_final <- if (any(post > tt)) min(x[post > tt]) else N + 1
      if (r_final %in% seen) next
      seen <- c(seen, r_final)
      pp <- pp_matrix(N, looks[-K], r_final, a, b)
      up <- sapply(seq_len(K - 1), function(k) {
        if (theta_u >= 1) return(looks[k] + 1)
        hit <- which(pp[[k]] > theta_u)
        if (length(hit)) hit[1] - 1 else looks[k] + 1
      })
      for (tl in tls) {
        lo <- sapply(seq_len(K - 1), function(k) {
          hit <- which(pp[[k]] < tl)
          if (length(hit)) max(hit) - 1 else -1
        })
        o0 <- oc(looks, lo, up, r_final, p0)
        o1 <- oc(looks, lo, up, r_final, p1)
        if (o0$prob_success > alpha + 1e-12 || o1$prob_success < power - 1e-12) next
        if (is.null(best) || o0$expected_n < best$expected_n0 - 1e-12 ||
            (abs(o0$expected_n - best$expected_n0) <= 1e-12 && o1$prob_success > best$power + 1e-15))
          best <- list(N = N, theta_t = tt, theta_l = tl, futility = lo, efficacy = up,
                       success_at = r_final, type1_error = o0$prob_success,
                       power = o1$prob_success, expected_n0 = o0$expected_n,
                       pet0 = o0$prob_stop_futility + o0$prob_stop_efficacy, looks = looks)
      }
    }
    if (!is.null(best)) {
      return(c(list(p0 = p0, p1 = p1, n_max = n_max, alpha = alpha, nominal_power = power,
                    first_look = first, prior = c(a, b), theta_u = theta_u), best,
               list(oc = lapply(rates, function(p) oc(best$looks, best$futility,
                                                      best$efficacy, best$success_at, p)))))
    }
  }
  NULL
}

rates <- c(0.05, 0.15, 0.25, 0.35, 0.45)
b <- bop2(0.15, 0.35, c(10, 15, 20, 23), 0.10, 0.15, 0.85, rates)
# the example's observed point: 8 responders among the 23 patients (hand count in the test)
b$posterior_8_of_23 <- pbeta(0.15, 0.15 + 8, 0.85 + 15, lower.tail = FALSE)
pp <- pp_search(0.15, 0.35, 30, 0.10, 0.80, 10, 1, 1, 1, rates)
pp$posterior_8_of_22 <- pbeta(0.15, 1 + 8, 1 + 14, lower.tail = FALSE)
ppe <- pp_search(0.15, 0.35, 30, 0.10, 0.80, 10, 1, 1, 0.95, rates)
out <- list(bop2 = b, pp = pp, pp_efficacy = ppe, r_version = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE),
           "monitoring_efficacy.json")
