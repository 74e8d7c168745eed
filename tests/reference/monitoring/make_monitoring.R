# Reference values for smalltrial.monitoring, computed by an independent R implementation of the
# same rules (base R only: pbeta, qbinom, dbinom; the recursion is a per-look dbinom convolution,
# not smalltrial's patient-by-patient update). Run: Rscript make_monitoring.R
library(jsonlite)

# exact crossing probabilities for "stop when count >= up[k] or <= lo[k]" at looks n[k]
# (up = n + 1: no upper stop; lo = -1: no lower stop). Returns per-look stop probabilities and
# the final count distribution among trials that never stopped.
recursion <- function(n, up, lo, p) {
  alive <- 1  # distribution of the count 0..n_prev among running trials
  prev <- 0
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

# ---- Bayesian safety rule (Thall, Simon & Estey 1995)
bayes_bdry <- function(n, limit, cutoff, a, b) {
  sapply(n, function(m) {
    x <- 0:m
    post <- pbeta(limit, a + x, b + m - x, lower.tail = FALSE)
    if (any(post > cutoff)) min(x[post > cutoff]) else NA
  })
}
safety_oc <- function(n, stop_at, ps) {
  up <- ifelse(is.na(stop_at), n + 1, stop_at)
  lo <- rep(-1, length(n))
  rows <- lapply(ps, function(p) {
    r <- recursion(n, up, lo, p)
    list(p = p, prob_stop = sum(r$up), expected_n = sum(r$up * n) + (1 - sum(r$up)) * max(n),
         stop_by_look = r$up)
  })
  rows
}
bayes_cases <- list(
  list(id = "every10", n_max = 10, limit = 0.2, cutoff = 0.9, prior = c(1, 1), looks = NULL),
  list(id = "looks30", n_max = 30, limit = 0.3, cutoff = 0.8, prior = c(0.6, 1.4),
       looks = c(5, 10, 15, 20, 25, 30)),
  list(id = "n1", n_max = 1, limit = 0.5, cutoff = 0.6, prior = c(1, 1), looks = NULL),
  list(id = "strict", n_max = 12, limit = 0.1, cutoff = 0.999, prior = c(0.5, 0.5), looks = NULL),
  list(id = "every100", n_max = 100, limit = 0.25, cutoff = 0.95, prior = c(1, 3), looks = NULL)
)
ps <- c(0, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.8, 1)
bayes <- lapply(bayes_cases, function(cs) {
  n <- if (is.null(cs$looks)) seq_len(cs$n_max) else cs$looks
  s <- bayes_bdry(n, cs$limit, cs$cutoff, cs$prior[1], cs$prior[2])
  list(id = cs$id, n_max = cs$n_max, limit = cs$limit, cutoff = cs$cutoff, prior = cs$prior,
       looks = if (is.null(cs$looks)) NA else cs$looks, n = n,
       stop_at = ifelse(is.na(s), "NA", s), oc = safety_oc(n, s, ps))
})

# ---- repeated-significance toxicity boundary (Ivanova, Qaqish & Schell 2005; clinfun::toxbdry's
# boundary family, searched here by bisection on the nominal alpha to the largest alpha whose
# exact crossing probability at p0 is <= the target)
rsig_stop_at <- function(n, p0, alpha, delta) {
  r <- qbinom(1 - pnorm(qnorm(alpha) / (n / max(n))^delta), n, p0)
  r + 1  # stop when count > r; n + 1 = never
}
rsig <- function(n, p0, crossing, delta) {
  cross <- function(alpha) {
    s <- rsig_stop_at(n, p0, alpha, delta)
    sum(recursion(n, s, rep(-1, length(n)), p0)$up)
  }
  lo <- 0; hi <- 1
  for (i in 1:60) {
    mid <- (lo + hi) / 2
    if (cross(mid) <= crossing) lo <- mid else hi <- mid
    if (hi - lo < 1e-12) break
  }
  s <- rsig_stop_at(n, p0, lo, delta)
  list(stop_at = ifelse(s > n, "NA", s), crossing_p0 = cross(lo))
}
rsig_cases <- list(
  list(id = "pocock4", n_max = 20, p0 = 0.2, crossing = 0.1, delta = 0, looks = c(5, 10, 15, 20)),
  list(id = "obf30", n_max = 30, p0 = 0.1, crossing = 0.1, delta = 0.5, looks = NULL),
  list(id = "wt25", n_max = 25, p0 = 0.3, crossing = 0.05, delta = 0.25, looks = NULL),
  list(id = "pocock60", n_max = 60, p0 = 0.15, crossing = 0.2, delta = 0, looks = seq(10, 60, 10))
)
tox <- lapply(rsig_cases, function(cs) {
  n <- if (is.null(cs$looks)) seq_len(cs$n_max) else cs$looks
  res <- rsig(n, cs$p0, cs$crossing, cs$delta)
  s <- suppressWarnings(as.numeric(res$stop_at))
  list(id = cs$id, n_max = cs$n_max, p0 = cs$p0, crossing = cs$crossing, delta = cs$delta,
       looks = if (is.null(cs$looks)) NA else cs$looks, n = n, stop_at = res$stop_at,
       crossing_p0 = res$crossing_p0, oc = safety_oc(n, s, ps))
})

# ---- BOP2, binary endpoint (Zhou, Lee & Yuan 2017), futility only
bop2_bounds <- function(looks, p0, lambda, gamma, a, b) {
  N <- max(looks)
  sapply(looks, function(m) {
    x <- 0:m
    post <- pbeta(p0, a + x, b + m - x, lower.tail = FALSE)  # P(p > p0 | x)
    thr <- lambda * (m / N)^gamma
    if (any(post < thr)) max(x[post < thr]) else -1
  })
}
eff_oc <- function(looks, fut, success_at, ps) {
  K <- length(looks); N <- max(looks)
  lapply(ps, function(p) {
    r <- recursion(looks, rep(N + 1, K), c(fut[-K], -1), p)
    final <- sum(r$alive[(0:N) >= success_at])
    stop <- sum(r$lo[-K])
    list(p = p, prob_success = final, prob_stop_futility = stop,
         expected_n = sum(r$lo[-K] * looks[-K]) + (1 - stop) * N)
  })
}
bop2_search <- function(looks, p0, p1, alpha, a, b, lambdas, gammas) {
  best <- NULL
  for (l in lambdas) for (g in gammas) {
    f <- bop2_bounds(looks, p0, l, g, a, b)
    K <- length(looks)
    oc <- eff_oc(looks, f, f[K] + 1, c(p0, p1))
    t1 <- oc[[1]]$prob_success; pw <- oc[[2]]$prob_success; en0 <- oc[[1]]$expected_n
    if (t1 <= alpha + 1e-12) {
      better <- is.null(best) || pw > best$power + 1e-15 ||
        (abs(pw - best$power) <= 1e-15 && en0 < best$en0 - 1e-15)
      if (better) best <- list(lambda = l, gamma = g, fut = f, power = pw, t1 = t1, en0 = en0)
    }
  }
  best
}
bop2_cases <- list(
  list(id = "b20", p0 = 0.2, p1 = 0.4, looks = c(10, 20), alpha = 0.1, prior = c(0.2, 0.8)),
  list(id = "b40", p0 = 0.3, p1 = 0.5, looks = c(10, 20, 30, 40), alpha = 0.05, prior = c(1, 1))
)
lambdas <- round(seq(0.02, 0.98, 0.04), 2); gammas <- round(seq(0.1, 3, 0.1), 2)
bop2 <- lapply(bop2_cases, function(cs) {
  s <- bop2_search(cs$looks, cs$p0, cs$p1, cs$alpha, cs$prior[1], cs$prior[2], lambdas, gammas)
  K <- length(cs$looks)
  c(cs, list(lambdas = lambdas, gammas = gammas, lambda = s$lambda, gamma = s$gamma,
             futility = s$fut[-K], success_at = s$fut[K] + 1, type1_error = s$t1, power = s$power,
             oc = eff_oc(cs$looks, s$fut, s$fut[K] + 1, ps)))
})

# ---- predictive probability design (Lee & Liu 2008): boundaries and OC of given thresholds
pp_design <- function(N, first, p0, a, b, theta_t, theta_l) {
  x <- 0:N
  post <- pbeta(p0, a + x, b + N - x, lower.tail = FALSE)
  r_final <- if (any(post > theta_t)) min(x[post > theta_t]) else N + 1
  looks <- first:N
  fut <- sapply(looks[-length(looks)], function(m) {
    rem <- N - m
    pp <- sapply(0:m, function(xx) {
      y <- 0:rem
      # beta-binomial predictive probability of y responders among rem
      pred <- exp(lchoose(rem, y) + lbeta(a + xx + y, b + m - xx + rem - y) - lbeta(a + xx, b + m - xx))
      sum(pred[xx + y >= r_final])
    })
    if (any(pp < theta_l)) max((0:m)[pp < theta_l]) else -1
  })
  list(looks = looks, futility = fut, success_at = r_final)
}
pp_cases <- list(
  list(id = "pp25", N = 25, first = 10, p0 = 0.2, prior = c(1, 1), theta_t = 0.9, theta_l = 0.05),
  list(id = "pp40", N = 40, first = 10, p0 = 0.2, prior = c(0.6, 2.4), theta_t = 0.92, theta_l = 0.01)
)
pp <- lapply(pp_cases, function(cs) {
  d <- pp_design(cs$N, cs$first, cs$p0, cs$prior[1], cs$prior[2], cs$theta_t, cs$theta_l)
  c(cs, d, list(oc = eff_oc(d$looks, c(d$futility, -1), d$success_at, ps)))
})

# ---- BOP2 with efficacy and toxicity (Dirichlet-multinomial; Zhou, Lee & Yuan 2017): stop when
# Pr(pE <= phiE | D) > C(n) or Pr(pT > phiT | D) > C(n), C(n) = 1 - lambda (n/N)^gamma (the same
# cut-off for both endpoints, as in smalltrial). Outcome cells: (R&T, R only, T only, neither).
joint_bounds <- function(looks, phi_e, phi_t, lambda, gamma, a) {
  N <- max(looks)
  fut <- tox <- integer(length(looks))
  for (k in seq_along(looks)) {
    m <- looks[k]; x <- 0:m
    cn <- 1 - lambda * (m / N)^gamma
    pe_le <- pbeta(phi_e, a[1] + a[2] + x, a[3] + a[4] + m - x)        # Pr(pE <= phiE)
    pt_gt <- pbeta(phi_t, a[1] + a[3] + x, a[2] + a[4] + m - x, lower.tail = FALSE)
    fut[k] <- if (any(pe_le > cn)) max(x[pe_le > cn]) else -1
    tox[k] <- if (any(pt_gt > cn)) min(x[pt_gt > cn]) else m + 1
  }
  list(fut = fut, tox = tox)
}
joint_oc <- function(looks, fut, tox, scen) {
  N <- max(looks); K <- length(looks)
  f <- matrix(0, N + 1, N + 1); f[1, 1] <- 1   # rows: responders 0..N, cols: toxicities 0..N
  prev <- 0; early <- 0; en <- 0
  for (k in 1:K) {
    for (i in seq_len(looks[k] - prev)) {
      g <- f * scen[4]
      g[-1, ] <- g[-1, ] + f[-(N + 1), ] * scen[2]
      g[, -1] <- g[, -1] + f[, -(N + 1)] * scen[3]
      g[-1, -1] <- g[-1, -1] + f[-(N + 1), -(N + 1)] * scen[1]
      f <- g
    }
    prev <- looks[k]
    e <- row(f) - 1; t <- col(f) - 1
    if (k < K) {
      hit <- (e <= fut[k]) | (t >= tox[k])
      early <- early + sum(f[hit]); en <- en + looks[k] * sum(f[hit]); f[hit] <- 0
    }
  }
  e <- row(f) - 1; t <- col(f) - 1
  list(prob_success = sum(f[e >= fut[K] + 1 & t < tox[K]]), prob_stop_early = early,
       expected_n = en + (1 - early) * N)
}
joint_cases <- list(list(id = "j30", phi_e = 0.2, phi_t = 0.3, looks = c(10, 20, 30), alpha = 0.1,
  null = rbind(c(0.06, 0.14, 0.24, 0.56), c(0.15, 0.25, 0.25, 0.35), c(0.04, 0.06, 0.26, 0.64)),
  alternative = c(0.08, 0.32, 0.12, 0.48)))
jl <- round(seq(0.05, 0.95, 0.05), 2); jg <- round(seq(0.25, 3, 0.25), 2)
joint <- lapply(joint_cases, function(cs) {
  a <- cs$null[1, ]
  best <- NULL
  for (l in jl) for (g in jg) {
    b <- joint_bounds(cs$looks, cs$phi_e, cs$phi_t, l, g, a)
    t1 <- max(sapply(1:nrow(cs$null), function(i) joint_oc(cs$looks, b$fut, b$tox, cs$null[i, ])$prob_success))
    pw <- joint_oc(cs$looks, b$fut, b$tox, cs$alternative)$prob_success
    if (t1 <= cs$alpha + 1e-12 && (is.null(best) || pw > best$power + 1e-15))
      best <- list(lambda = l, gamma = g, fut = b$fut, tox = b$tox, type1_error = t1, power = pw)
  }
  scen <- rbind(cs$null, cs$alternative)
  c(cs[c("id", "phi_e", "phi_t", "looks", "alpha", "alternative")],
    list(null = cs$null, lambdas = jl, gammas = jg), best,
    list(oc = lapply(1:nrow(scen), function(i) c(list(scenario = scen[i, ]),
                                                  joint_oc(cs$looks, best$fut, best$tox, scen[i, ])))))
})

out <- list(ps = ps, bayes = bayes, toxbdry = tox, bop2 = bop2, pp = pp, joint = joint,
            r_version = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE), "monitoring.json")
