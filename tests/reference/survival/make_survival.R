# Reference values for tests/test_survival*.py: R survival (survfit, summary.survfit,
# quantile.survfit, survdiff), stats::poisson.test and cmprsk::cuminc/timepoints.
# Run: cd tests/reference/survival && Rscript make_survival.R   (writes survival.json)
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})

versions <- list(R = R.version.string,
                 survival = as.character(packageVersion("survival")),
                 cmprsk = as.character(packageVersion("cmprsk")))

# ---- one-sample data sets ------------------------------------------------------------------
km_data <- list(
  ties = list(time = c(7, 14, 14, 28, 28, 28, 60, 60, 91, 91, 120),
              event = c(1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0)),
  # B-cell reconstitution at protocol visits: many ties, events and censorings together
  visits = list(time = c(56, 84, 84, 84, 112, 112, 112, 140, 140, 168, 168, 180),
                event = c(1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0)),
  all_censored = list(time = c(150, 240, 240, 365, 510), event = c(0, 0, 0, 0, 0)),
  all_events = list(time = c(1, 2, 2, 3), event = c(1, 1, 1, 1)),
  # S = 0.5 exactly and flat until the last follow-up time
  midpoint_end = list(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  # S = 0.5 exactly on [3, 5), then drops
  midpoint_mid = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 1, 1)),
  n1_event = list(time = c(5), event = c(1)),
  n1_censored = list(time = c(5), event = c(0)),
  # censoring tied with an event at the last time
  censor_last = list(time = c(2, 4, 4, 6, 6), event = c(1, 1, 0, 1, 0)),
  # first observation censored (log-log limits NA while S = 1), time 0 present
  first_censored = list(time = c(0, 3, 5, 5, 8, 10), event = c(0, 0, 1, 0, 1, 0)),
  event_at_zero = list(time = c(0, 0, 5, 10, 10), event = c(1, 0, 1, 0, 1)),
  # B-cell-like: 5 patients, mean ~110 days
  bcell5 = list(time = c(70, 98, 112, 126, 154), event = c(1, 1, 1, 1, 1)),
  # times equal up to rounding: survfit's timefix (aeqSurv) merges them
  near_ties = list(time = c(1, 1 + 1e-10, 2, 2, 3, 3.000000001, 5),
                   event = c(1, 1, 0, 1, 1, 0, 1)),
  nonint = list(time = c(0.5, 1.25, 1.25, 2.75, 3.1, 4.4, 4.4, 6.0),
                event = c(1, 0, 1, 1, 0, 1, 1, 0))
)
# random data with heavy ties
set.seed(20241124)
for (i in 1:6) {
  n <- sample(3:25, 1)
  km_data[[paste0("random", i)]] <- list(
    time = sample(seq(7, 210, by = 7)[1:sample(4:30, 1)], n, replace = TRUE),
    event = rbinom(n, 1, runif(1, 0.2, 0.9)))
}

fit_table <- function(f) {
  list(time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censored = f$n.censor,
       survival = f$surv, std_err_cumhaz = f$std.err, lower = f$lower, upper = f$upper)
}

km_out <- list()
for (nm in names(km_data)) {
  d <- km_data[[nm]]
  maxt <- max(d$time)
  ut <- sort(unique(d$time))
  at <- sort(unique(c(0, ut, ut + 0.5, maxt - 0.25, min(ut) / 2)))
  at <- at[at >= 0 & at <= maxt]
  res <- list(data = d, at_times = at, conf = list())
  for (level in c(0.95, 0.9)) {
    for (ct in c("log-log", "log", "plain")) {
      f <- survfit(Surv(d$time, d$event) ~ 1, conf.type = ct, conf.int = level)
      s <- summary(f, times = at, extend = TRUE)
      q <- quantile(f, probs = c(0.25, 0.5, 0.75))
      key <- paste0(ct, "_", level)
      res$conf[[key]] <- list(
        conf_type = ct, level = level,
        table = fit_table(f),
        summary_se = summary(f, censored = TRUE)$std.err,
        at = list(time = s$time, n_risk = s$n.risk, survival = s$surv, std_error = s$std.err,
                  lower = s$lower, upper = s$upper),
        quantile = list(p = c(0.25, 0.5, 0.75), estimate = unname(q$quantile),
                        lower = unname(q$lower), upper = unname(q$upper)))
    }
  }
  # median follow-up, reverse Kaplan-Meier
  for (ct in c("log-log", "log")) {
    rf <- survfit(Surv(d$time, 1 - d$event) ~ 1, conf.type = ct)
    rq <- quantile(rf, probs = 0.5)
    res[[paste0("followup_", ct)]] <- list(estimate = unname(rq$quantile),
                                           lower = unname(rq$lower),
                                           upper = unname(rq$upper))
  }
  km_out[[nm]] <- res
}

# ---- log-rank ------------------------------------------------------------------------------
lr_data <- list(
  two = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 1, 0, 1),
             group = c("a", "a", "a", "b", "b", "b")),
  cohorts = list(time = c(84, 98, 112, 112, 140, 150, 84, 126, 168, 180, 200, 200),
                 event = c(1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0),
                 group = c(rep("SLE", 6), rep("SSc", 6))),
  three = list(time = c(3, 5, 5, 7, 9, 2, 4, 4, 8, 6, 6, 10, 11),
               event = c(1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0),
               group = c(rep("IIM", 5), rep("SLE", 4), rep("SSc", 4))),
  no_events_one_group = list(time = c(5, 6, 7, 1, 2, 3), event = c(0, 0, 0, 1, 1, 0),
                             group = c("x", "x", "x", "y", "y", "y"))
)
# exact permutation p-value by brute force over all relabellings (group sizes kept)
perm_p <- function(time, event, group) {
  obs <- survdiff(Surv(time, event) ~ group)$chisq
  n <- length(time)
  lev <- sort(unique(group))
  sizes <- as.vector(table(factor(group, levels = lev)))
  assign_all <- function(avail, k) {
    if (k == length(lev)) return(list(setNames(list(avail), lev[k])))
    out <- list()
    cmb <- combn(avail, sizes[k], simplify = FALSE)
    if (length(avail) == sizes[k]) cmb <- list(avail)
    for (cm in cmb) {
      for (tail in assign_all(setdiff(avail, cm), k + 1)) {
        out[[length(out) + 1]] <- c(setNames(list(cm), lev[k]), tail)
      }
    }
    out
  }
  all <- assign_all(seq_len(n), 1)
  chis <- vapply(all, function(a) {
    g <- character(n)
    for (l in names(a)) g[a[[l]]] <- l
    survdiff(Surv(time, event) ~ g)$chisq
  }, numeric(1))
  list(p = mean(chis >= obs * (1 - 1e-9) - 1e-12), n = length(chis))
}
lr_out <- list()
for (nm in names(lr_data)) {
  d <- lr_data[[nm]]
  sd <- survdiff(Surv(d$time, d$event) ~ d$group)
  pp <- perm_p(d$time, d$event, d$group)
  lr_out[[nm]] <- list(data = d, chisq = sd$chisq, df = sum(sd$exp > 0) - 1,
                       pvalue = sd$pvalue, observed = sd$obs, expected = sd$exp,
                       exact_pvalue = pp$p, n_labellings = pp$n)
}

# ---- Poisson rates (poisson.test) ----------------------------------------------------------
pois_cases <- list(c(0, 10.3), c(1, 10.3), c(3, 25.5), c(12, 4.2), c(0, 1), c(7, 100))
pois_out <- list()
for (cs in pois_cases) {
  for (alt in c("two.sided", "less", "greater")) {
    for (level in c(0.95, 0.9)) {
      pt <- poisson.test(cs[1], cs[2], alternative = alt, conf.level = level)
      pois_out[[length(pois_out) + 1]] <- list(
        events = cs[1], exposure = cs[2], alternative = alt, level = level,
        rate = unname(pt$estimate), lower = pt$conf.int[1],
        upper = ifelse(is.finite(pt$conf.int[2]), pt$conf.int[2], -1))
    }
  }
}

# ---- competing risks (cmprsk::cuminc) ------------------------------------------------------
cr_data <- list(
  ties = list(time = c(2, 3, 3, 3, 5, 6, 6, 8, 9, 9), event = c(1, 2, 1, 0, 1, 2, 0, 1, 0, 0)),
  visits = list(time = c(28, 56, 56, 56, 84, 84, 112, 112, 112, 140, 168, 168),
                event = c(1, 1, 2, 1, 0, 1, 2, 2, 1, 0, 1, 0)),
  last_is_event = list(time = c(1, 2, 2, 4, 5), event = c(2, 1, 1, 0, 1)),
  all_fail = list(time = c(1, 1, 2, 3, 3), event = c(1, 2, 1, 1, 2)),
  no_cause1 = list(time = c(2, 4, 6), event = c(2, 0, 2)),
  three_causes = list(time = c(1, 2, 2, 3, 3, 3, 4, 5, 6, 6, 7),
                      event = c(3, 1, 2, 1, 1, 3, 0, 2, 1, 0, 1))
)
set.seed(7)
for (i in 1:4) {
  n <- sample(5:30, 1)
  cr_data[[paste0("random", i)]] <- list(time = sample(1:12, n, replace = TRUE),
                                         event = sample(0:2, n, replace = TRUE))
}
cr_out <- list()
for (nm in names(cr_data)) {
  d <- cr_data[[nm]]
  ci <- cuminc(d$time, d$event)
  at <- sort(unique(c(-1, 0, d$time, d$time + 0.5, max(d$time) + 1)))
  tp <- timepoints(ci, at)
  causes <- sort(unique(d$event[d$event != 0]))
  per <- list()
  for (cs in causes) {
    key <- paste("1", cs)
    per[[as.character(cs)]] <- list(cause = cs,
                                    time = ci[[key]]$time, est = ci[[key]]$est,
                                    var = ci[[key]]$var,
                                    at_est = unname(tp$est[key, ]),
                                    at_var = unname(tp$var[key, ]))
  }
  cr_out[[nm]] <- list(data = d, at_times = at, causes = per)
}

out <- list(versions = versions, km = km_out, logrank = lr_out, poisson = pois_out,
            cuminc = cr_out)
write_json(out, "survival.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
cat("wrote survival.json\n")
