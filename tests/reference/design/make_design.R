# Reference values for smalltrial.design (tests/test_design.py).
# Run: cd tests/reference/design && Rscript make_design.R   (R >= 4.2, jsonlite)
# clinfun (ph2simon) is not packaged in Debian, so the Simon search is written out here as a
# plain loop over (n, n1, r1) with clinfun's rules (strict alpha/beta inequalities, smaller n1
# on EN0 ties, the largest feasible r), independent of the vectorised Python search; the two-stage
# inference (Jung & Kim 2004 UMVUE; stagewise-ordering p-value and CI, Koyama & Chen 2008) with
# uniroot.
library(jsonlite)

simon_search <- function(p0, p1, alpha, power, nmax) {
  best <- list()
  for (n in 2:nmax) {
    bn <- NULL
    for (n1 in 1:(n - 1)) {
      n2 <- n - n1
      for (r1 in 0:(n1 - 1)) {
        x1 <- (r1 + 1):n1
        r <- r1:(n - 1)
        a <- sapply(r, function(rr) sum(dbinom(x1, n1, p0) * pbinom(rr - x1, n2, p0, lower.tail = FALSE)))
        pw <- sapply(r, function(rr) sum(dbinom(x1, n1, p1) * pbinom(rr - x1, n2, p1, lower.tail = FALSE)))
        # as clinfun::ph2simon: strict inequalities; the largest feasible r
        ok <- which(a < alpha & 1 - pw < 1 - power)
        if (length(ok) == 0) next
        k <- max(ok)
        pet <- pbinom(r1, n1, p0)
        en <- n1 + (1 - pet) * n2
        cand <- c(r1 = r1, n1 = n1, r = r[k], n = n, en0 = en, pet0 = pet, type1 = a[k], power = pw[k])
        if (is.null(bn) || en < bn["en0"] - 1e-9) bn <- cand
      }
    }
    if (!is.null(bn)) best[[length(best) + 1]] <- bn
  }
  do.call(rbind, best)
}

as_design <- function(row) list(r1 = unname(row["r1"]), n1 = unname(row["n1"]), r = unname(row["r"]),
                                n = unname(row["n"]), expected_n0 = unname(row["en0"]),
                                pet0 = unname(row["pet0"]), type1_error = unname(row["type1"]),
                                power = unname(row["power"]))

designs <- list()
for (case in list(c(0.05, 0.25, 0.05, 0.8), c(0.1, 0.3, 0.05, 0.8), c(0.2, 0.4, 0.05, 0.8),
                  c(0.3, 0.5, 0.05, 0.8), c(0.1, 0.3, 0.05, 0.9), c(0.2, 0.4, 0.1, 0.9),
                  c(0.05, 0.2, 0.05, 0.8), c(0.6, 0.8, 0.05, 0.8))) {
  p0 <- case[1]; p1 <- case[2]; alpha <- case[3]; power <- case[4]
  best <- simon_search(p0, p1, alpha, power, 60)
  opt <- best[order(best[, "en0"], best[, "n"])[1], ]
  mm <- best[order(best[, "n"], best[, "en0"])[1], ]
  designs[[length(designs) + 1]] <- list(
    p0 = p0, p1 = p1, alpha = alpha, power = power, nmax = 60,
    optimal = as_design(opt), minimax = as_design(mm),
    best_per_n = lapply(seq_len(nrow(best)), function(i) as_design(best[i, ])))
}

# ---- inference after the trial ------------------------------------------------------------
stage2_tail <- function(p, s, r1, n1, m2) {
  x1 <- (r1 + 1):n1
  sum(dbinom(x1, n1, p) * pbinom(s - x1 - 1, m2, p, lower.tail = FALSE))
}
umvue <- function(s, r1, n1, m2) {
  x1 <- max(r1 + 1, s - m2):min(n1, s)
  sum(choose(n1 - 1, x1 - 1) * choose(m2, s - x1)) / sum(choose(n1, x1) * choose(m2, s - x1))
}
infer <- function(x, r1, n1, m2, p0, level) {
  a <- (1 - level) / 2
  if (m2 == 0) {  # stopped after stage 1
    bt <- binom.test(x, n1, p0, alternative = "greater")
    ci <- binom.test(x, n1, conf.level = level)$conf.int
    return(list(pvalue = bt$p.value, umvue = x / n1, lower = ci[1], upper = ci[2]))
  }
  pv <- stage2_tail(p0, x, r1, n1, m2)
  lo <- uniroot(function(p) stage2_tail(p, x, r1, n1, m2) - a, c(0, 1), tol = 1e-15, maxiter = 10000)$root
  up <- if (x == n1 + m2) 1 else
    uniroot(function(p) 1 - stage2_tail(p, x + 1, r1, n1, m2) - a, c(0, 1), tol = 1e-15, maxiter = 10000)$root
  list(pvalue = pv, umvue = umvue(x, r1, n1, m2), lower = lo, upper = up)
}

inference <- list()
for (d in list(c(1, 10, 5, 29, 0.1), c(3, 13, 12, 43, 0.2), c(0, 9, 2, 17, 0.05))) {
  r1 <- d[1]; n1 <- d[2]; r <- d[3]; n <- d[4]; p0 <- d[5]
  for (level in c(0.95, 0.90)) {
    for (x in 0:r1) {  # stopped after stage 1
      res <- infer(x, r1, n1, 0, p0, level)
      inference[[length(inference) + 1]] <- c(list(design = c(r1, n1, r, n), p0 = p0, level = level,
        x = x, n1_observed = n1, n_observed = n1, stage = 1), res)
    }
    # completed as planned, and with over/under-running of stage 2 (and of stage 1)
    for (sizes in list(c(n1, n), c(n1, n - 3), c(n1, n + 2), c(n1 + 1, n + 1))) {
      n1o <- sizes[1]; no <- sizes[2]
      for (x in (r1 + 1):no) {
        if (x > no) next
        res <- infer(x, r1, n1o, no - n1o, p0, level)
        inference[[length(inference) + 1]] <- c(list(design = c(r1, n1, r, n), p0 = p0, level = level,
          x = x, n1_observed = n1o, n_observed = no, stage = 2), res)
      }
    }
  }
}

write_json(list(generated_by = "tests/reference/design/make_design.R", r_version = R.version.string,
                designs = designs, inference = inference),
           "design.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
