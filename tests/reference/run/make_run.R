# End-to-end reference for `smalltrial run` on the bundled mackensen2022 trial (SYNTHETIC data):
# every number of the tables computed independently in R from the CSV files.
# Run: cd tests/reference/run && Rscript make_run.R
suppressPackageStartupMessages({
  library(jsonlite); library(survival); library(lmerTest); library(emmeans)
})
emm_options(lmer.df = "kenward-roger")
dir <- "../../../smalltrial/data/mackensen2022"
subj <- read.csv(file.path(dir, "subjects.csv"), stringsAsFactors = FALSE)
meas <- read.csv(file.path(dir, "measurements.csv"), stringsAsFactors = FALSE)
ev <- read.csv(file.path(dir, "events.csv"), stringsAsFactors = FALSE)
month <- 30.4375
out <- list()

# Table 1: median (range); baseline value = last value on day <= 0
base <- function(p) {
  m <- meas[meas$parameter == p & meas$day <= 0, ]
  m <- m[order(m$subject, m$day), ]
  sapply(split(m$value, m$subject), function(v) v[length(v)])
}
desc <- function(x) list(median = median(x), min = min(x), max = max(x))
out$baseline <- list(age = desc(subj$age))
for (p in c("sledai2k", "anti_dsdna", "c3", "upcr", "prednisone_mg")) out$baseline[[p]] <- desc(base(p))

# efficacy: exact Clopper-Pearson for the counts of the table (DORIS derived by smalltrial)
ci <- function(x, n) { b <- binom.test(x, n); list(x = x, n = n, lower = b$conf.int[1], upper = b$conf.int[2]) }
out$efficacy <- list(month2 = ci(2, 5), month3 = ci(5, 5), month6 = ci(4, 4))

# time to B-cell reconstitution: first day > 0 with >= 10 cells/uL (not BLQ); else censored
b <- meas[meas$parameter == "cd19_bcells" & meas$day > 0, ]
b$blq <- b$blq %in% c("True", "TRUE", "true")
tte <- do.call(rbind, lapply(subj$subject, function(s) {
  r <- b[b$subject == s, ]
  hit <- r[r$value >= 10 & !r$blq, ]
  if (nrow(hit)) data.frame(time = min(hit$day) / month, event = 1)
  else data.frame(time = max(r$day) / month, event = 0)
}))
fit <- survfit(Surv(time, event) ~ 1, data = tte, conf.type = "log-log")
q <- quantile(fit, 0.5)
s3 <- summary(fit, times = 3)
out$bcell <- list(median = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper),
                  surv3 = s3$surv, lower3 = s3$lower, upper3 = s3$upper)

# follow-up: reverse Kaplan-Meier (no deaths), relapse rate per patient-year (exact Poisson)
lc <- ev[ev$event == "last_contact", ]
fu <- survfit(Surv(day / month, rep(1, nrow(lc))) ~ 1, data = lc, conf.type = "log-log")
qf <- quantile(fu, 0.5)
years <- sum(lc$day) / 365.25
pt <- poisson.test(0, years)
out$follow_up <- list(median = unname(qf$quantile), lower = unname(qf$lower), upper = unname(qf$upper),
                      rate_upper = pt$conf.int[2])

# longitudinal: lmer value ~ visit + (1 | subject), REML, Kenward-Roger; emmeans and changes.
# The bundled spec keeps every visit where at least 3 patients have a value (min_n = 3), in
# the order of the visit day (the mixed model uses incomplete data: month 6 has 4 of 5).
long <- function(p, log = FALSE) {
  d <- meas[meas$parameter == p, ]
  n_per_visit <- tapply(d$subject, d$visit, function(s) length(unique(s)))
  first_day <- tapply(d$day, d$visit, median)
  visits <- names(sort(first_day[n_per_visit >= 3]))
  d <- d[d$visit %in% visits, ]
  d$visit <- factor(d$visit, levels = visits)
  if (log) d$value <- log(d$value)
  m <- lmer(value ~ visit + (1 | subject), data = d, REML = TRUE)
  e <- emmeans(m, ~ visit)
  es <- summary(e)
  ch <- summary(contrast(e, "trt.vs.ctrl", ref = 1, adjust = "none"), infer = TRUE)
  list(mean = es$emmean, mean_lower = es$lower.CL, mean_upper = es$upper.CL,
       change = ch$estimate, change_lower = ch$lower.CL, change_upper = ch$upper.CL,
       p = ch$p.value, df = ch$df)
}
out$sledai <- long("sledai2k")
out$anti_dsdna_log <- long("anti_dsdna", log = TRUE)

# adverse events: worst CRS grade per patient
crs <- ev[ev$event == "crs", ]
worst <- sapply(subj$subject, function(s) { g <- crs$grade[crs$subject == s]; if (length(g)) max(g) else 0 })
out$crs <- as.list(table(factor(worst, levels = 0:4)))
names(out$crs) <- paste0("grade", 0:4)

write_json(out, "run.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
