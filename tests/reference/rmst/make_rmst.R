# Reference values for smalltrial.survival.rmst: R survival's restricted mean
# (print(survfit(...), rmean = tau) / summary(fit, rmean = tau)$table: rmean, se(rmean)).
# Run: cd tests/reference/rmst && Rscript make_rmst.R   (writes rmst.json)
library(survival)
library(jsonlite)

one <- function(time, event, tau) {
  d <- data.frame(time = time, event = event)
  fit <- survfit(Surv(time, event) ~ 1, data = d)
  tab <- summary(fit, rmean = tau)$table
  list(data = d, tau = tau, rmean = unname(tab["rmean"]), se = unname(tab["se(rmean)"]))
}

cases <- list(
  # ties of events, and of an event with a censoring (events first)
  ties = one(c(3, 5, 5, 5, 8, 8, 12, 15, 15, 20), c(1, 1, 1, 0, 1, 0, 1, 1, 0, 0), 14),
  # tau exactly at an event time
  tau_at_event = one(c(3, 5, 5, 5, 8, 8, 12, 15, 15, 20), c(1, 1, 1, 0, 1, 0, 1, 1, 0, 0), 12),
  # tau exactly at the last follow-up time (a censoring)
  tau_at_last = one(c(3, 5, 5, 5, 8, 8, 12, 15, 15, 20), c(1, 1, 1, 0, 1, 0, 1, 1, 0, 0), 20),
  # every subject has the event; tau = last time (the curve reaches 0)
  all_events = one(c(2, 4, 4, 7, 9, 11), c(1, 1, 1, 1, 1, 1), 11),
  # the curve reaches 0 before tau (last two subjects fail together)
  zero_before_tau = one(c(2, 4, 6, 6, 9), c(1, 0, 1, 1, 0), 9),
  # all censored before tau: RMST = tau, SE 0
  all_censored = one(c(30, 60, 90, 120), c(0, 0, 0, 0), 100),
  # (tau before the first time: R stops with "Truncation point ... < smallest survival";
  #  smalltrial returns tau with SE 0, checked by hand in tests/test_rmst.py)
  # n = 1
  n1_event = one(c(42), c(1), 42),
  n1_censored = one(c(42), c(0), 42),
  # a small CAR-T-like series in days, censorings between events
  days = one(c(84, 98, 112, 112, 140, 182, 200, 365, 365, 400, 410),
             c(1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0), 365)
)

# two groups: per-group rmean and se, and the difference (hand: se = sqrt(se1^2 + se2^2))
g <- data.frame(time = c(3, 5, 5, 8, 12, 15, 4, 6, 9, 10, 10, 18),
                event = c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0),
                group = c(rep("A", 6), rep("B", 6)))
gfit <- survfit(Surv(time, event) ~ group, data = g)
gtab <- summary(gfit, rmean = 15)$table
rm <- unname(gtab[, "rmean"]); se <- unname(gtab[, "se(rmean)"])
diff <- rm[2] - rm[1]; dse <- sqrt(se[1]^2 + se[2]^2)
z <- qnorm(0.975)
groups <- list(data = g, tau = 15, group = c("A", "B"), rmean = rm, se = se,
               difference = diff, difference_se = dse,
               difference_lower = diff - z * dse, difference_upper = diff + z * dse,
               pvalue = 2 * pnorm(-abs(diff / dse)))

writeLines(toJSON(list(cases = cases, groups = groups,
                       R = R.version.string, survival = as.character(packageVersion("survival"))),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "rmst.json")
