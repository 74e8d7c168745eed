# Reference values for smalltrial.survival.turnbull: R survival's Turnbull estimate,
# survfit(Surv(left, right, type = "interval2") ~ 1). right = Inf: right-censored;
# left == right: an exact time; otherwise the event lies in (left, right].
# R stops its EM once the curve changes by < 5e-5, so these values are NOT the exact NPMLE
# (they can sit ~1e-3 from it); the tests compare with them at a documented loose tolerance
# and certify smalltrial's exact NPMLE by its KKT (self-consistency) conditions.
# Run: cd tests/reference/turnbull && Rscript make_turnbull.R   (writes turnbull.json)
library(survival)
library(jsonlite)

one <- function(left, right) {
  d <- data.frame(left = left, right = right)
  fit <- survfit(Surv(left, right, type = "interval2") ~ 1, data = d)
  # jsonlite writes Inf as a string; store right-censoring as null and restore in the test
  list(left = left, right = ifelse(is.finite(right), right, NA),
       time = fit$time, surv = fit$surv, n_event = fit$n.event)
}

cases <- list(
  # B-cell reconstitution between visits (days 0, 28, 56, 90, 180, 270, 365): heavy ties
  visits = one(c(28, 28, 56, 56, 90, 28, 180, 90, 270, 365, 56, 0),
               c(56, 56, 90, 90, 180, 56, 270, 180, Inf, Inf, 90, 28)),
  # exact, interval, left-censored (left = 0) and right-censored times mixed
  mixed = one(c(0, 2, 3, 3, 5, 5, 7, 8, 1, 4),
              c(3, 2, 6, 3, 9, Inf, 7, Inf, 4, 8)),
  # an exact time inside an interval: all of (3, 7]'s mass belongs at the exact 5
  exact_inside = one(c(3, 5, 1, 6), c(7, 5, 4, Inf)),
  # overlapping intervals, small and tied (R's EM stops ~1e-3 away from the NPMLE)
  overlapping = one(c(0, 0, 1, 1, 2, 3, 3, 4, 5, 6),
                    c(2, 4, 3, 5, 6, 7, 5, 8, 9, Inf)),
  # interval-censored only, identical intervals
  identical = one(c(10, 10, 10), c(20, 20, 20)),
  # n = 1, one interval
  n1 = one(c(14), c(28))
)

writeLines(toJSON(list(cases = cases, R = R.version.string,
                       survival = as.character(packageVersion("survival"))),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "turnbull.json")
