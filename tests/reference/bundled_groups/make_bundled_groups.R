# Per-cohort time-to-event rows of the bundled SYNTHETIC muller2024 run (Table "Time-to-event
# outcomes": one row per cohort under each endpoint), computed independently in R from the CSV
# files in smalltrial/data/muller2024/ (nothing derived by smalltrial is read).
#
# Conventions (as tests/reference/bundled/make_bundled.R and analyses/muller2024.toml):
#  * B-cell reconstitution: first day > 0 with cd19_bcells >= 10 cells/uL on a row not flagged
#    BLQ; otherwise censored at the last post-infusion cd19_bcells day; months = days / 30.4375;
#    survfit(Surv(time, event) ~ 1, conf.type = "log-log") within each cohort; median and its
#    CI by quantile.survfit; landmarks 3, 6, 12 months by summary(..., extend = TRUE);
#  * relapse: events per patient-year, poisson.test(#relapse, sum(last_contact days) / 365.25)
#    within each cohort; Kaplan-Meier of time to relapse censored at last contact.
#
# Run: cd tests/reference/bundled_groups && Rscript make_bundled_groups.R
suppressPackageStartupMessages({ library(jsonlite); library(survival) })

month <- 30.4375
year <- 365.25
landmarks <- c(3, 6, 12)
dir <- "../../../smalltrial/data/muller2024"
as_bool <- function(x) if (is.logical(x)) x else tolower(as.character(x)) %in% c("true", "1")
subj <- read.csv(file.path(dir, "subjects.csv"), stringsAsFactors = FALSE,
                 colClasses = c(subject = "character"))
meas <- read.csv(file.path(dir, "measurements.csv"), stringsAsFactors = FALSE,
                 colClasses = c(subject = "character"))
ev <- read.csv(file.path(dir, "events.csv"), stringsAsFactors = FALSE,
               colClasses = c(subject = "character"))
meas$blq <- as_bool(meas$blq)
lc <- setNames(ev$day[ev$event == "last_contact"], ev$subject[ev$event == "last_contact"])

b <- meas[meas$parameter == "cd19_bcells" & meas$day > 0, ]
bcell <- do.call(rbind, lapply(subj$subject, function(s) {
  r <- b[b$subject == s, ]
  hit <- r[r$value >= 10 & !r$blq, ]
  if (nrow(hit)) data.frame(subject = s, time = min(hit$day) / month, event = 1)
  else data.frame(subject = s, time = (if (nrow(r)) max(r$day) else 0) / month, event = 0)
}))
relapse <- do.call(rbind, lapply(subj$subject, function(s) {
  d <- ev$day[ev$subject == s & ev$event == "relapse"]
  if (length(d)) data.frame(subject = s, time = min(d) / month, event = 1)
  else data.frame(subject = s, time = lc[[s]] / month, event = 0)
}))

km <- function(tte) {
  fit <- survfit(Surv(time, event) ~ 1, data = tte, conf.type = "log-log")
  q <- quantile(fit, 0.5)
  s <- summary(fit, times = landmarks, extend = TRUE)
  list(n = nrow(tte), events = sum(tte$event),
       median = unname(q$quantile), median_lower = unname(q$lower), median_upper = unname(q$upper),
       at = list(time = s$time, n_risk = s$n.risk, survival = s$surv, std_error = s$std.err,
                 lower = s$lower, upper = s$upper))
}

out <- list()
for (g in unique(subj$cohort)) {
  ids <- subj$subject[subj$cohort == g]
  n_rel <- sum(ev$event == "relapse" & ev$subject %in% ids)
  pt <- poisson.test(n_rel, sum(lc[ids]) / year)
  out[[g]] <- list(
    b_cell_reconstitution = km(bcell[bcell$subject %in% ids, ]),
    relapse = c(km(relapse[relapse$subject %in% ids, ]),
                list(rate = list(events = n_rel, exposure = sum(lc[ids]) / year,
                                 rate = unname(pt$estimate), lower = pt$conf.int[1],
                                 upper = pt$conf.int[2]))))
}
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
      "bundled_groups.json")
