# Time-to-event endpoints derived from a small SYNTHETIC events table (events.csv) and tumour
# assessments (assessments.csv), independently of smalltrial, for tests/test_time_to_event.py:
#  * PFS: first progression or death from infusion (day 0), censored at last contact, and
#    censored at the last tumour assessment instead ("last_assessment:tumour");
#  * duration of remission: from the first remission to relapse, censored at last contact
#    (subjects without remission are left out);
#  * relapse with death as a competing event: cumulative incidence (cmprsk::cuminc).
# Kaplan-Meier by survival::survfit (log-log CI). Run: Rscript make_tte.R
library(survival)
library(cmprsk)
library(jsonlite)

ev <- read.csv("events.csv", stringsAsFactors = FALSE)
as_ <- read.csv("assessments.csv", stringsAsFactors = FALSE)
ids <- unique(ev$subject)
lc <- setNames(ev$day[ev$event == "last_contact"], ev$subject[ev$event == "last_contact"])
first_day <- function(s, kinds, from = 0) {
  d <- ev$day[ev$subject == s & ev$event %in% kinds & ev$day >= from]
  if (length(d)) min(d) else NA
}
derive <- function(kinds, censor) {
  t <- numeric(0); e <- integer(0)
  for (s in ids) {
    d <- first_day(s, kinds)
    if (!is.na(d)) { t <- c(t, d); e <- c(e, 1L) } else { t <- c(t, censor[[s]]); e <- c(e, 0L) }
  }
  data.frame(subject = ids, time = t, event = e)
}
last_tumour <- sapply(ids, function(s) {
  d <- as_$day[as_$subject == s & as_$parameter == "tumour" & as_$day >= 0]
  if (length(d)) max(d) else 0
})
km <- function(d) {
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  s <- summary(fit, censored = TRUE)
  list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, survival = s$surv,
       std_error = s$std.err, lower = s$lower, upper = s$upper)
}
pfs <- derive(c("progression", "death"), as.list(lc))
pfs_assess <- derive(c("progression", "death"), as.list(last_tumour))

# duration of remission: origin = first remission; relapse on or after it ends it
dor <- do.call(rbind, lapply(ids, function(s) {
  r <- first_day(s, "remission")
  if (is.na(r)) return(NULL)
  d <- first_day(s, "relapse", from = r)
  if (!is.na(d)) data.frame(subject = s, time = d - r, event = 1L)
  else data.frame(subject = s, time = lc[[s]] - r, event = 0L)
}))
excluded <- setdiff(ids, dor$subject)

# relapse (1) with death (2) competing, from infusion, censored (0) at last contact
crr <- do.call(rbind, lapply(ids, function(s) {
  r <- first_day(s, "relapse"); d <- first_day(s, "death")
  if (is.na(r) && is.na(d)) return(data.frame(subject = s, time = lc[[s]], event = 0L))
  if (!is.na(r) && (is.na(d) || r <= d)) return(data.frame(subject = s, time = r, event = 1L))
  data.frame(subject = s, time = d, event = 2L)
}))
ci <- cuminc(crr$time, crr$event, cencode = 0)
cif1 <- ci[["1 1"]]
times <- sort(unique(crr$time))
tp <- timepoints(ci, times)

ref <- list(
  pfs = as.list(pfs), pfs_km = km(pfs),
  pfs_assess = as.list(pfs_assess), pfs_assess_km = km(pfs_assess),
  dor = as.list(dor), dor_excluded = excluded, dor_km = km(dor),
  relapse_competing = as.list(crr),
  cif_times = times, cif_relapse = unname(tp$est["1 1", ]), cif_relapse_var = unname(tp$var["1 1", ]),
  cif_death = unname(tp$est["1 2", ]))
write_json(ref, "tte.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
