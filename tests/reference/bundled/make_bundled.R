# End-to-end reference for the two bundled SYNTHETIC trials (mackensen2022, muller2024): the
# headline numbers of smalltrial's analyses, computed independently in R straight from the CSV
# files in smalltrial/data/<name>/ (nothing derived by smalltrial is read).
#
# Conventions (from the smalltrial docstrings and smalltrial/analyses/<name>.toml):
#  * baseline value of a parameter = its last value on day <= 0;
#  * DORIS 2021 remission at a visit (SLE patients only): clinical SLEDAI-2K (the 24 weighted
#    descriptors without low_complement and increased_dna_binding) == 0, PGA < 0.5,
#    prednisone <= 5 mg/day, all recorded on the visit's day; CI = binom.test (Clopper-Pearson);
#  * B-cell reconstitution: first day > 0 with cd19_bcells >= 10 cells/uL on a row not flagged
#    BLQ; otherwise censored at the last post-infusion cd19_bcells day; months = days / 30.4375;
#    Kaplan-Meier survfit(conf.type = "log-log") (smalltrial's default) and "log" (R's default);
#  * median follow-up: reverse Kaplan-Meier of last_contact (event = death), quantile.survfit;
#  * relapse rate: poisson.test(#relapse events, sum(last_contact days) / 365.25);
#  * longitudinal tables: lmer(value ~ visit + (1 | subject), REML) on the spec's visits
#    (log(value) for transform = "log"), emmeans with Kenward-Roger df: marginal means and
#    trt.vs.ctrl contrasts to baseline, adjust = "none"; exact Wilcoxon signed-rank baseline vs
#    test_at (coin::wilcoxsign_test, exact, zeros dropped as wilcox.test);
#  * adverse events: worst CRS / ICANS grade per patient (0 = none), counts per cohort and all.
#
# Run: cd tests/reference/bundled && Rscript make_bundled.R     (writes bundled.json)
suppressPackageStartupMessages({
  library(jsonlite); library(survival); library(lme4); library(lmerTest); library(pbkrtest)
  library(emmeans); library(coin)
})
emm_options(lmer.df = "kenward-roger")

month <- 30.4375
year <- 365.25
# SLEDAI-2K descriptor weights (Gladman et al., J Rheumatol 2002;29:288)
weights <- c(seizure = 8, psychosis = 8, organic_brain_syndrome = 8, visual_disturbance = 8,
             cranial_nerve_disorder = 8, lupus_headache = 8, cva = 8, vasculitis = 8,
             arthritis = 4, myositis = 4, urinary_casts = 4, hematuria = 4, proteinuria = 4,
             pyuria = 4, rash = 2, alopecia = 2, mucosal_ulcers = 2, pleurisy = 2,
             pericarditis = 2, low_complement = 2, increased_dna_binding = 2, fever = 1,
             thrombocytopenia = 1, leukopenia = 1)
clinical <- setdiff(names(weights), c("low_complement", "increased_dna_binding"))

specs <- list(
  mackensen2022 = list(
    baseline = c("sledai2k", "anti_dsdna", "c3", "upcr", "prednisone_mg"),
    efficacy = c("month 2", "month 3", "month 6"),
    longitudinal = list(
      list(parameter = "sledai2k", transform = "none", min_n = 3, test_at = "month 3"),
      list(parameter = "anti_dsdna", transform = "log", min_n = 3, test_at = NA))),
  muller2024 = list(
    baseline = c("prednisone_mg"),
    efficacy = c("month 3", "month 6", "month 12"),
    longitudinal = list(
      list(parameter = "sledai2k", transform = "none", min_n = 3, test_at = "month 6"))))

as_bool <- function(x) if (is.logical(x)) x else tolower(as.character(x)) %in% c("true", "1")
landmarks <- c(3, 6, 12)

km_summary <- function(tte, conf_type) {
  fit <- survfit(Surv(time, event) ~ 1, data = tte, conf.type = conf_type)
  q <- quantile(fit, 0.5)
  s <- summary(fit, times = landmarks, extend = TRUE)
  list(median = unname(q$quantile), median_lower = unname(q$lower),
       median_upper = unname(q$upper),
       table = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                    survival = fit$surv, std_err_log = fit$std.err,
                    lower = fit$lower, upper = fit$upper),
       at = list(time = s$time, n_risk = s$n.risk, survival = s$surv, std_error = s$std.err,
                 lower = s$lower, upper = s$upper))
}

one_trial <- function(name, spec) {
  dir <- file.path("../../../smalltrial/data", name)
  subj <- read.csv(file.path(dir, "subjects.csv"), stringsAsFactors = FALSE,
                   colClasses = c(subject = "character"))
  meas <- read.csv(file.path(dir, "measurements.csv"), stringsAsFactors = FALSE,
                   colClasses = c(subject = "character"))
  ev <- read.csv(file.path(dir, "events.csv"), stringsAsFactors = FALSE,
                 colClasses = c(subject = "character"))
  meas$blq <- as_bool(meas$blq)
  cohorts <- unique(subj$cohort)
  groups <- if (length(cohorts) > 1) c(cohorts, "All") else cohorts
  in_group <- function(g) if (g == "All") subj$subject else subj$subject[subj$cohort == g]
  out <- list(n = nrow(subj), cohorts = as.list(table(factor(subj$cohort, levels = cohorts))))

  # ---- Table 1: baseline ------------------------------------------------------------------
  base <- function(p) {
    m <- meas[meas$parameter == p & meas$day <= 0, ]
    m <- m[order(m$subject, m$day), ]
    v <- sapply(split(m$value, m$subject), function(v) v[length(v)])
    v[subj$subject]
  }
  desc <- function(x) { x <- x[!is.na(x)]; list(n = length(x), median = median(x), min = min(x), max = max(x)) }
  out$baseline <- list()
  for (g in groups) {
    ids <- in_group(g)
    b <- list(age = desc(subj$age[subj$subject %in% ids]),
              female = sum(subj$sex[subj$subject %in% ids] == "F"),
              male = sum(subj$sex[subj$subject %in% ids] == "M"))
    for (p in spec$baseline) b[[p]] <- desc(base(p)[ids])
    out$baseline[[g]] <- b
  }

  # ---- SLEDAI-2K from the descriptors, DORIS per visit (SLE only) --------------------------
  sle <- subj$subject[subj$cohort == "SLE"]
  item_rows <- meas[meas$parameter %in% paste0("sledai_", names(weights)) & meas$subject %in% sle, ]
  item_rows$item <- sub("^sledai_", "", item_rows$parameter)
  key <- paste(item_rows$subject, item_rows$day, sep = "|")
  visits_tab <- unique(item_rows[, c("subject", "day", "visit")])
  visits_tab$key <- paste(visits_tab$subject, visits_tab$day, sep = "|")
  getv <- function(p, k) {
    r <- meas[meas$parameter == p & meas$subject %in% sle, ]
    r$value[match(k, paste(r$subject, r$day, sep = "|"))]
  }
  visits_tab$sledai_items <- sapply(visits_tab$key, function(k) {
    r <- item_rows[key == k, ]
    if (!all(names(weights) %in% r$item)) return(NA_real_)
    sum(weights[r$item] * r$value)
  })
  visits_tab$clinical <- sapply(visits_tab$key, function(k) {
    r <- item_rows[key == k & item_rows$item %in% clinical, ]
    if (!all(clinical %in% r$item)) return(NA_real_)
    sum(weights[r$item] * r$value)
  })
  visits_tab$sledai_recorded <- getv("sledai2k", visits_tab$key)
  visits_tab$pga <- getv("pga", visits_tab$key)
  visits_tab$prednisone <- getv("prednisone_mg", visits_tab$key)
  visits_tab$doris <- visits_tab$clinical == 0 & visits_tab$pga < 0.5 & visits_tab$prednisone <= 5
  out$sledai_items_match_recorded <- isTRUE(all.equal(visits_tab$sledai_items, visits_tab$sledai_recorded))
  visits_tab$immunosuppressants <- getv("immunosuppressants", visits_tab$key)
  visits_tab$drug_free <- visits_tab$doris & visits_tab$prednisone == 0 & visits_tab$immunosuppressants == 0
  # first post-infusion visit in DORIS remission vs the dataset's "remission" events
  post <- visits_tab[visits_tab$day > 0 & visits_tab$doris %in% TRUE, ]
  first_doris <- sapply(sle, function(s) { d <- post$day[post$subject == s]; if (length(d)) min(d) else NA })
  rem_ev <- ev[ev$event == "remission", ]
  out$first_remission <- list(subject = sle, first_doris_day = unname(first_doris),
                              event_day = unname(setNames(rem_ev$day, rem_ev$subject)[sle]))
  out$efficacy <- lapply(spec$efficacy, function(v) {
    d <- visits_tab[visits_tab$visit == v & !is.na(visits_tab$doris), ]
    x <- sum(d$doris); n <- nrow(d)
    b <- binom.test(x, n)
    list(visit = v, group = "SLE", x = x, n = n, estimate = x / n,
         lower = b$conf.int[1], upper = b$conf.int[2],
         subjects_in_remission = sort(d$subject[d$doris]),
         drug_free = sum(d$drug_free, na.rm = TRUE), drug_free_evaluable = sum(!is.na(d$drug_free)))
  })

  # ---- B-cell reconstitution ---------------------------------------------------------------
  last_contact <- ev[ev$event == "last_contact", ]
  lc <- setNames(last_contact$day, last_contact$subject)[subj$subject]
  b <- meas[meas$parameter == "cd19_bcells" & meas$day > 0, ]
  tte <- do.call(rbind, lapply(subj$subject, function(s) {
    r <- b[b$subject == s, ]
    hit <- r[r$value >= 10 & !r$blq, ]
    if (nrow(hit)) data.frame(subject = s, day = min(hit$day), event = 1)
    else data.frame(subject = s, day = if (nrow(r)) max(r$day) else 0, event = 0)
  }))
  tte$time <- tte$day / month
  bc_ev <- ev[ev$event == "b_cell_reconstitution", ]
  out$bcell_days <- list(mean_event_day = mean(tte$day[tte$event == 1]),
                         sd_event_day = sd(tte$day[tte$event == 1]),
                         event_csv_day = unname(setNames(bc_ev$day, bc_ev$subject)[subj$subject]))
  out$bcell <- list(subject = tte$subject, day = tte$day, event = tte$event,
                    log_log = km_summary(tte, "log-log"), log = km_summary(tte, "log"))

  # ---- follow-up and relapse rate -----------------------------------------------------------
  death <- subj$subject %in% ev$subject[ev$event == "death"]
  fu <- data.frame(time = lc / month, status = as.integer(death))
  rev_ll <- quantile(survfit(Surv(time, 1 - status) ~ 1, data = fu, conf.type = "log-log"), 0.5)
  rev_log <- quantile(survfit(Surv(time, 1 - status) ~ 1, data = fu, conf.type = "log"), 0.5)
  out$follow_up <- list(days = unname(lc), median_months = median(lc / month),
                        min_months = min(lc / month), max_months = max(lc / month),
                        reverse_km_log_log = list(estimate = unname(rev_ll$quantile),
                                                  lower = unname(rev_ll$lower), upper = unname(rev_ll$upper)),
                        reverse_km_log = list(estimate = unname(rev_log$quantile),
                                              lower = unname(rev_log$lower), upper = unname(rev_log$upper)),
                        patient_years = sum(lc) / year)
  n_relapse <- sum(ev$event == "relapse")
  pt <- poisson.test(n_relapse, sum(lc) / year)
  relapse_tte <- data.frame(time = lc / month, event = 0)
  out$relapse <- list(events = n_relapse, exposure = sum(lc) / year,
                      rate = unname(pt$estimate), lower = pt$conf.int[1], upper = pt$conf.int[2],
                      km_log_log = km_summary(relapse_tte, "log-log"))

  # ---- longitudinal mixed models -------------------------------------------------------------
  out$longitudinal <- lapply(spec$longitudinal, function(L) {
    # the spec's min_n: every visit where at least min_n patients have a value, by visit day
    p <- meas[meas$parameter == L$parameter, ]
    n_per_visit <- tapply(p$subject, p$visit, function(s) length(unique(s)))
    visit_day <- tapply(p$day, p$visit, median)
    L$visits <- names(sort(visit_day[n_per_visit >= L$min_n]))
    d <- meas[meas$parameter == L$parameter & meas$visit %in% L$visits, c("subject", "visit", "value")]
    d$visit <- factor(d$visit, levels = L$visits)
    fit <- if (L$transform == "log") {
      lmer(log(value) ~ visit + (1 | subject), data = d, REML = TRUE)
    } else {
      lmer(value ~ visit + (1 | subject), data = d, REML = TRUE)
    }
    emm <- emmeans(fit, ~ visit)
    mm <- summary(emm, infer = TRUE)
    con <- summary(contrast(emm, "trt.vs.ctrl", ref = 1, adjust = "none"), infer = TRUE)
    vc <- as.data.frame(VarCorr(fit))
    res <- list(parameter = L$parameter, transform = L$transform, visits = L$visits,
                n_obs = nrow(d), singular = isSingular(fit),
                var_subject = vc$vcov[vc$grp == "subject"], var_residual = vc$vcov[vc$grp == "Residual"],
                means = list(visit = as.character(mm$visit), estimate = mm$emmean, std_error = mm$SE,
                             df = mm$df, lower = mm$lower.CL, upper = mm$upper.CL),
                change = list(visit = L$visits[-1], estimate = con$estimate, std_error = con$SE,
                              df = con$df, lower = con$lower.CL, upper = con$upper.CL,
                              p_value = con$p.value))
    obs <- lapply(L$visits, function(v) { x <- d$value[d$visit == v]; desc(x) })
    res$observed <- setNames(obs, L$visits)
    if (L$transform == "log") {
      # emmeans back-transforms a log(y) model itself (type = "response"): geometric means and
      # ratios to baseline, exp of the estimate and CI limits, delta-method SE
      mr <- summary(emm, type = "response", infer = TRUE)
      rr <- summary(contrast(emm, "trt.vs.ctrl", ref = 1, adjust = "none"), type = "response",
                    infer = TRUE)
      res$geometric_means <- list(estimate = mr$response, std_error = mr$SE, df = mr$df,
                                  lower = mr$lower.CL, upper = mr$upper.CL)
      res$ratio_to_baseline <- list(estimate = rr$ratio, std_error = rr$SE, df = rr$df,
                                    lower = rr$lower.CL, upper = rr$upper.CL, p_value = rr$p.value)
    }
    if (!is.na(L$test_at)) {
      w <- reshape(d[, c("subject", "visit", "value")], idvar = "subject", timevar = "visit",
                   direction = "wide")
      y0 <- w[[paste0("value.", L$visits[1])]]; y1 <- w[[paste0("value.", L$test_at)]]
      ok <- !is.na(y0) & !is.na(y1)
      ch <- y1[ok] - y0[ok]
      wt <- wilcoxsign_test(y1[ok] ~ y0[ok], distribution = "exact", zero.method = "Wilcoxon")
      res$paired <- list(at = L$test_at, n = sum(ok), median_change = median(ch),
                         n_nonzero = sum(ch != 0), pvalue = pvalue(wt))
    }
    res
  })

  # ---- adverse events: worst grade per patient ----------------------------------------------
  out$adverse_events <- list()
  for (e in c("crs", "icans")) {
    r <- ev[ev$event == e, ]
    worst <- sapply(subj$subject, function(s) { g <- r$grade[r$subject == s]; if (length(g)) max(g) else 0 })
    out$adverse_events[[e]] <- list()
    for (g in groups) {
      w <- worst[in_group(g)]
      out$adverse_events[[e]][[g]] <- list(n = length(w), any = sum(w >= 1),
                                           grade = as.list(setNames(sapply(1:5, function(k) sum(w == k)),
                                                                    paste0("g", 1:5))))
    }
  }
  out
}

ref <- list(
  R_version = R.version.string,
  packages = sapply(c("survival", "lme4", "lmerTest", "pbkrtest", "emmeans", "coin"),
                    function(p) as.character(packageVersion(p)), simplify = FALSE),
  weights = as.list(weights)
)
for (name in names(specs)) ref[[name]] <- one_trial(name, specs[[name]])
write_json(ref, "bundled.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
