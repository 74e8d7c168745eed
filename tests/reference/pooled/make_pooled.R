# Reference values for smalltrial.rates.pooled_proportion (tests/test_pooled.py).
# Counts are SYNTHETIC (chosen to cover hard cases), not published cohorts.
# glmm: metafor::rma.glmm(measure = "PLO") (lme4::glmer, nAGQ = 7, metafor's default), and the
#       same model refitted by glmer with tight optimiser settings (the stored optimum).
# freeman-tukey: metafor::rma(measure = "PFT", method = "REML") with tight control, back-transformed
#       by transf.ipft.hm (harmonic mean of n).
suppressMessages({library(metafor); library(lme4); library(jsonlite)})

cases <- list(
  friendly = list(x = c(10, 15, 8, 20, 12), n = c(12, 20, 15, 25, 14)),
  zero_cohort = list(x = c(0, 3, 5, 2), n = c(10, 12, 15, 8)),
  full_cohort = list(x = c(10, 8, 12, 5), n = c(10, 9, 15, 5)),
  k2 = list(x = c(7, 12), n = c(10, 20)),
  homogeneous = list(x = c(5, 10, 16), n = c(10, 20, 30)),
  heterogeneous = list(x = c(1, 9, 18, 3, 14), n = c(20, 10, 20, 25, 15)),
  tiny = list(x = c(1, 0, 1, 2), n = c(1, 2, 3, 2)),
  all_zero_one = list(x = c(0, 0, 1), n = c(5, 8, 6))
)

tight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 1e-2, rhoend = 1e-12, maxfun = 1e5),
                      check.conv.singular = "ignore", calc.derivs = TRUE)

out <- list()
for (nm in names(cases)) {
  message(nm)
  x <- cases[[nm]]$x; n <- cases[[nm]]$n; k <- length(x)
  # --- GLMM, metafor defaults
  g <- tryCatch(rma.glmm(measure = "PLO", xi = x, ni = n), error = function(e) NULL)
  pg <- if (is.null(g)) NULL else predict(g, transf = transf.ilogit)
  # --- the same model by glmer, tight settings (two start values, keep the better optimum)
  d <- data.frame(x = x, m = n - x, study = factor(seq_len(k)))
  fits <- lapply(c(0.1, 1), function(s) glmer(cbind(x, m) ~ 1 + (1 | study), data = d, family = binomial,
                 nAGQ = 7, control = tight, start = list(theta = s)))
  dev <- sapply(fits, deviance)
  f <- fits[[which.min(dev)]]
  b <- unname(fixef(f)); se <- sqrt(vcov(f)[1, 1]); tau2 <- unname(VarCorr(f)[[1]][1])
  z <- qnorm(0.975)
  esc <- escalc(measure = "PLO", xi = x, ni = n)   # add 1/2 to only0, as rma.glmm
  w <- 1 / esc$vi
  vt <- (k - 1) * sum(w) / (sum(w)^2 - sum(w^2))
  glmm <- list(
    metafor = if (is.null(g)) "rma.glmm failed" else list(logit = unname(g$beta[1]), se = g$se, tau2 = g$tau2, i2 = g$I2,
                   estimate = pg$pred, lower = pg$ci.lb, upper = pg$ci.ub,
                   prediction_lower = pg$pi.lb, prediction_upper = pg$pi.ub),
    tight = list(logit = b, se = se, tau2 = tau2, i2 = 100 * tau2 / (vt + tau2),
                 estimate = plogis(b), lower = plogis(b - z * se), upper = plogis(b + z * se),
                 prediction_lower = plogis(b - z * sqrt(se^2 + tau2)),
                 prediction_upper = plogis(b + z * sqrt(se^2 + tau2)),
                 loglik = as.numeric(logLik(f))))
  # --- Freeman-Tukey, REML with tight control
  ft <- rma(measure = "PFT", xi = x, ni = n, method = "REML",
            control = list(threshold = 1e-14, maxiter = 10000, stepadj = 0.5))
  pf <- predict(ft, transf = transf.ipft.hm, targs = list(ni = n))
  # per-study exact (Clopper-Pearson) intervals
  cp <- t(sapply(seq_len(k), function(i) binom.test(x[i], n[i])$conf.int))
  out[[nm]] <- list(
    x = x, n = n, glmm = glmm,
    freeman_tukey = list(ft = unname(ft$beta[1]), se = ft$se, tau2 = ft$tau2, i2 = ft$I2,
                         estimate = pf$pred, lower = pf$ci.lb, upper = pf$ci.ub,
                         prediction_lower = pf$pi.lb, prediction_upper = pf$pi.ub),
    study_lower = cp[, 1], study_upper = cp[, 2])
}
# level 0.90 for one case
g90 <- rma.glmm(measure = "PLO", xi = cases$friendly$x, ni = cases$friendly$n, level = 90)
p90 <- predict(g90, transf = transf.ilogit)
ft90 <- rma(measure = "PFT", xi = cases$friendly$x, ni = cases$friendly$n, method = "REML", level = 90,
            control = list(threshold = 1e-14, maxiter = 10000, stepadj = 0.5))
pf90 <- predict(ft90, transf = transf.ipft.hm, targs = list(ni = cases$friendly$n))
out$level90 <- list(glmm = list(lower = p90$ci.lb, upper = p90$ci.ub, prediction_lower = p90$pi.lb,
                                prediction_upper = p90$pi.ub),
                    freeman_tukey = list(lower = pf90$ci.lb, upper = pf90$ci.ub,
                                         prediction_lower = pf90$pi.lb, prediction_upper = pf90$pi.ub))
# every cohort x = n: rma.glmm cannot fit
out$all_full_error <- tryCatch({rma.glmm(measure = "PLO", xi = c(5, 6), ni = c(5, 6)); "fitted"},
                               error = function(e) conditionMessage(e))
# every cohort x = 0: rma.glmm cannot fit either
out$all_zero_error <- tryCatch({rma.glmm(measure = "PLO", xi = c(0, 0, 0), ni = c(5, 8, 6)); "fitted"},
                               error = function(e) conditionMessage(e))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "pooled.json")
