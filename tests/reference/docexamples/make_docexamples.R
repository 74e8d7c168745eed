# Reference values for the docstring examples of the finished modules (quality pass):
# tests/test_marginal.py, tests/test_survival_input.py, tests/test_paired.py and
# tests/test_simulate.py read docexamples.json through conftest.load_reference("docexamples").
# Run: cd tests/reference/docexamples && Rscript make_docexamples.R
suppressPackageStartupMessages({
  library(nlme)
  library(survival)
  library(jsonlite)
})

out <- list()

# marginal_model(covariance="cs"): nlme::gls with corCompSymm, REML
cs <- data.frame(id = rep(1:5, 3), visit = factor(rep(0:2, each = 5)),
                 y = c(12, 16, 8, 10, 14, 6, 9, 5, 4, 8, 2, 5, 0, 1, 4))
fit <- gls(y ~ visit, cs, correlation = corCompSymm(form = ~ 1 | id), method = "REML")
tt <- summary(fit)$tTable
out$gls_cs <- list(
  estimate = unname(tt[c("visit1", "visit2"), "Value"]),
  std_error = unname(tt[c("visit1", "visit2"), "Std.Error"]),
  loglik = as.numeric(logLik(fit))
)

# kaplan_meier(..., group=): survfit by group, log-log intervals
km <- data.frame(t = c(3, 5, 5, 8, 12, 15, 4, 6, 9, 10),
                 e = c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1),
                 g = rep(c("A", "B"), c(6, 4)))
one <- survfit(Surv(t, e) ~ 1, data = subset(km, g == "A"), conf.type = "log-log")
s1 <- summary(one, times = c(6, 12))
out$km_one <- list(time = s1$time, n_risk = s1$n.risk, survival = s1$surv,
                   std_error = s1$std.err, lower = s1$lower, upper = s1$upper)
byg <- survfit(Surv(t, e) ~ g, data = km, conf.type = "log-log")
s6 <- summary(byg, times = 6)
q <- quantile(byg, 0.5)
out$km_groups <- list(
  survival_at_6 = s6$surv, lower_at_6 = s6$lower, upper_at_6 = s6$upper,
  median = unname(q$quantile[, 1]), median_lower = unname(q$lower[, 1]),
  median_upper = unname(q$upper[, 1])  # NA: not reached
)

# PowerResult.confidence_interval: Clopper-Pearson as binom.test
out$clopper_pearson <- list(
  k9_m10 = as.numeric(binom.test(9, 10)$conf.int),
  k0_m4_level90 = as.numeric(binom.test(0, 4, conf.level = 0.9)$conf.int)
)

# signed_rank_distribution(1:3): dsignrank
out$dsignrank_3 <- dsignrank(0:6, 3)

write_json(out, "docexamples.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
