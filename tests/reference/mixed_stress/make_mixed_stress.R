# Stress-test reference values for smalltrial.longitudinal.mixed_model (tests/test_mixed_stress.py).
# Run: cd tests/reference/mixed_stress && Rscript make_mixed_stress.R
# Generates 320 synthetic longitudinal data sets (seeded; written to mixed_stress.csv with a
# dataset id column so that Python fits exactly the data R fitted) and fits each with lme4:
# y ~ month with (1 | subject) or (1 + month | subject), REML. The reference optimum is the
# better (lower REML criterion) of nloptwrap with tight tolerances and bobyqa with a tight
# final trust radius (lme4's default optimiser can stop ~1e-4 short on small variance
# components). Kenward-Roger SE (sqrt of the diagonal of pbkrtest::vcovAdj) and df
# (pbkrtest::Lb_ddf) per fixed-effect coefficient are computed at that optimum.
# Writes mixed_stress.csv (id, subject, month, y) and mixed_stress.json (one record per id).
suppressPackageStartupMessages({
  library(lme4); library(pbkrtest); library(jsonlite)
})

months <- c(0, 1, 3, 6, 12)
sizes <- c(5, 6, 8, 10, 12, 15, 20, 25, 30, 40)
# variance scenarios: SD of intercept, SD of slope, correlation, residual SD
scenarios <- list(
  typical        = c(2, 0.5, 0, 2),
  correlated     = c(2, 0.5, -0.6, 2),
  small_int      = c(0.05, 0.5, 0, 2),
  no_int         = c(0, 0.5, 0, 2),
  small_slope    = c(2, 0.01, 0, 2),
  no_slope       = c(2, 0, 0, 2),
  perfect_corr   = c(2, 0.5, 1, 2),
  noisy          = c(0.5, 0.1, 0, 4),
  nothing        = c(0, 0, 0, 2)
)
set.seed(20261130)
n_sets <- 320
design <- data.frame(
  id = seq_len(n_sets),
  subjects = sizes[(seq_len(n_sets) - 1) %% length(sizes) + 1],
  random = rep(c("1", "1 + month"), length.out = n_sets),
  dropped = rep(c(FALSE, FALSE, TRUE, TRUE), length.out = n_sets),
  scenario = names(scenarios)[(seq_len(n_sets) - 1) %/% 4 %% length(scenarios) + 1],
  stringsAsFactors = FALSE
)

make_data <- function(row) {
  s <- scenarios[[row$scenario]]
  rows <- list()
  for (i in seq_len(row$subjects)) {
    z1 <- rnorm(1); z2 <- rnorm(1)
    r <- s[3]
    u0 <- s[1] * z1
    u1 <- s[2] * (r * z1 + sqrt(max(0, 1 - r^2)) * z2)
    m <- months
    if (row$dropped) {
      keep <- c(TRUE, runif(length(months) - 1) > 0.3)  # baseline kept, ~30% later visits lost
      m <- months[keep]
    }
    y <- 10 - 0.4 * m + u0 + u1 * m + rnorm(length(m), 0, s[4])
    rows[[i]] <- data.frame(id = row$id, subject = sprintf("S%02d", i), month = m,
                            y = round(y, 4))
  }
  do.call(rbind, rows)
}

data <- do.call(rbind, lapply(seq_len(n_sets), function(k) make_data(design[k, ])))
write.csv(data, "mixed_stress.csv", row.names = FALSE)
data <- read.csv("mixed_stress.csv")  # fit exactly what was written

ctrl_nlopt <- lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
                          check.conv.singular = "ignore",
                          optCtrl = list(ftol_abs = 1e-15, xtol_abs = 1e-12, ftol_rel = 1e-15,
                                         xtol_rel = 1e-12, maxeval = 1e5))
ctrl_bobyqa <- lmerControl(optimizer = "bobyqa", calc.derivs = FALSE,
                           check.conv.singular = "ignore",
                           optCtrl = list(rhoend = 1e-12, maxfun = 1e5))

out <- vector("list", n_sets)
for (k in seq_len(n_sets)) {
  row <- design[k, ]
  d <- data[data$id == row$id, ]
  f <- if (row$random == "1") y ~ month + (1 | subject) else y ~ month + (1 + month | subject)
  fits <- list(
    nloptwrap = suppressWarnings(suppressMessages(lmer(f, d, REML = TRUE, control = ctrl_nlopt))),
    bobyqa = suppressWarnings(suppressMessages(lmer(f, d, REML = TRUE, control = ctrl_bobyqa)))
  )
  crit <- sapply(fits, REMLcrit)
  best <- names(which.min(crit))
  m <- fits[[best]]
  kr <- tryCatch({
    V <- vcovAdj(m)
    p <- length(fixef(m))
    ddf <- sapply(seq_len(p), function(j) { L <- matrix(0, 1, p); L[j] <- 1; Lb_ddf(L, vcov(m), V) })
    list(std_error = unname(sqrt(diag(as.matrix(V)))), df = unname(ddf))
  }, error = function(e) list(std_error = NULL, df = NULL, error = conditionMessage(e)))
  out[[k]] <- list(
    id = row$id, subjects = row$subjects, random = row$random, dropped = row$dropped,
    scenario = row$scenario, n_obs = nrow(d),
    reml = unname(REMLcrit(m)), reml_nloptwrap = unname(crit[["nloptwrap"]]),
    reml_bobyqa = unname(crit[["bobyqa"]]), optimizer = best,
    theta = unname(getME(m, "theta")), sigma = sigma(m), singular = isSingular(m),
    estimate = unname(fixef(m)), kr_std_error = kr$std_error, kr_df = kr$df,
    kr_error = kr$error
  )
}
write_json(list(versions = list(lme4 = as.character(packageVersion("lme4")),
                                pbkrtest = as.character(packageVersion("pbkrtest")),
                                R = R.version.string),
                fits = out),
           "mixed_stress.json", digits = NA, auto_unbox = TRUE, null = "null")
