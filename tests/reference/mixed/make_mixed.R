# Reference values for smalltrial.longitudinal.mixed_model (tests/test_mixed.py).
# Run: cd tests/reference/mixed && Rscript make_mixed.R
# Writes the synthetic cohorts (*.csv) and mixed.json.
suppressPackageStartupMessages({
  library(lme4); library(lmerTest); library(pbkrtest); library(emmeans); library(nlme)
  library(jsonlite)
})
emm_options(lmerTest.limit = 1e6, pbkrtest.limit = 1e6)

# lme4's default optimiser stops ~1e-8 short of the REML optimum in deviance, which moves small
# variance parameters by up to ~1e-4 relative; the references use tight tolerances instead.
ctrl <- lmerControl(optimizer = "nloptwrap",
                    optCtrl = list(ftol_abs = 1e-15, xtol_abs = 1e-12, ftol_rel = 1e-15,
                                   xtol_rel = 1e-12, maxeval = 1e5))

visit_days <- c(baseline = 0, "month 1" = 30, "month 3" = 91, "month 6" = 182)

make_visits <- function(n, p_missing, seed, sd_subj, sd_res, effects, log = FALSE) {
  set.seed(seed)
  rows <- list()
  cohort <- rep(c("SLE", "SSc", "IIM"), length.out = n)
  for (i in seq_len(n)) {
    u <- rnorm(1, 0, sd_subj)
    for (v in names(visit_days)) {
      if (v != "baseline" && runif(1) < p_missing) next
      mu <- 10 + effects[[v]] + u + (cohort[i] == "SSc") * 1.5 - (cohort[i] == "IIM") * 0.8
      y <- mu + rnorm(1, 0, sd_res)
      rows[[length(rows) + 1]] <- data.frame(subject = sprintf("P%02d", i), cohort = cohort[i],
                                             visit = v, day = visit_days[[v]], y = y)
    }
  }
  d <- do.call(rbind, rows)
  d
}

out <- list()

fixef_table <- function(m, ddf) {
  s <- summary(m, ddf = ddf)$coefficients
  list(names = rownames(s), estimate = unname(s[, "Estimate"]), std_error = unname(s[, "Std. Error"]),
       df = unname(s[, "df"]), statistic = unname(s[, "t value"]), p_value = unname(s[, "Pr(>|t|)"]))
}
emm_table <- function(e) {
  s <- if (inherits(e, "summary_emm")) as.data.frame(e) else as.data.frame(summary(e, infer = c(TRUE, TRUE)))
  lo <- if ("lower.CL" %in% names(s)) "lower.CL" else "asymp.LCL"
  up <- if ("upper.CL" %in% names(s)) "upper.CL" else "asymp.UCL"
  est <- intersect(c("emmean", "response", "estimate", "ratio"), names(s))[1]
  list(level = as.character(s[[1]]), estimate = s[[est]], std_error = s$SE, df = s$df,
       lower = s[[lo]], upper = s[[up]], p_value = if ("p.value" %in% names(s)) s$p.value else NULL)
}
describe <- function(m, d, formula_py, random_py, by = NULL, response = FALSE, at = NULL,
                     lme_fit = NULL) {
  vc <- as.data.frame(VarCorr(m))
  r <- list(formula = formula_py, random = random_py,
            reml = REMLcrit(m), logLik = as.numeric(logLik(m)), singular = isSingular(m),
            theta = unname(getME(m, "theta")), sigma = sigma(m),
            varcor = list(name = paste(vc$var1, vc$var2), vcov = vc$vcov),
            n_obs = nrow(d), n_subjects = length(unique(d$subject)),
            satterthwaite = fixef_table(m, "Satterthwaite"),
            kenward_roger = fixef_table(m, "Kenward-Roger"),
            vcov = unname(as.matrix(vcov(m))),
            vcov_kr = unname(as.matrix(vcovAdj(m))))
  for (method in c("Kenward-Roger", "Satterthwaite")) {
    a <- anova(m, type = 3, ddf = method)
    r[[paste0("anova_", gsub("-", "_", tolower(method)))]] <- list(
      term = rownames(a), num_df = unname(a$NumDF), den_df = unname(a$DenDF),
      statistic = unname(a[["F value"]]), p_value = unname(a[["Pr(>F)"]]))
  }
  if (!is.null(lme_fit)) {
    tt <- summary(lme_fit)$tTable
    r$between_within <- list(names = rownames(tt), df = unname(tt[, "DF"]))
  }
  if (!is.null(by)) {
    for (method in c("kenward-roger", "satterthwaite")) {
      key <- gsub("-", "_", method)
      e <- emmeans(m, by, lmer.df = method, at = at)
      r[[paste0("emm_", key)]] <- emm_table(e)
      cc <- contrast(e, "trt.vs.ctrl", adjust = "none")
      r[[paste0("change_", key)]] <- emm_table(cc)
      if (response) {
        r[[paste0("emm_response_", key)]] <- emm_table(regrid(e))
        r[[paste0("emm_type_response_", key)]] <- emm_table(summary(e, type = "response", infer = c(TRUE, TRUE)))
        r[[paste0("change_response_", key)]] <- emm_table(summary(cc, type = "response", infer = c(TRUE, TRUE)))
      }
    }
  }
  r
}

## 1. SLEDAI-like outcome, categorical visits, missing visits, a between-subject factor
d1 <- make_visits(12, 0.2, 101, sd_subj = 2.5, sd_res = 1.5,
                  effects = list(baseline = 0, "month 1" = -3, "month 3" = -5, "month 6" = -6.5))
names(d1)[names(d1) == "y"] <- "sledai"
write.csv(d1, "visits.csv", row.names = FALSE)
d1$visit <- factor(d1$visit, levels = names(visit_days))
d1$cohort <- factor(d1$cohort, levels = c("IIM", "SLE", "SSc"))
m1 <- lmer(sledai ~ visit + cohort + (1 | subject), data = d1, REML = TRUE, control = ctrl)
l1 <- lme(sledai ~ visit + cohort, random = ~ 1 | subject, data = d1, method = "REML")
out$visits <- describe(m1, d1, "sledai ~ C(visit) + cohort", "1", by = "visit", lme_fit = l1)
out$visits$emm_cohort_kenward_roger <- emm_table(emmeans(m1, "cohort", lmer.df = "kenward-roger"))

## 2. UPCR-like log outcome, 10 subjects, missing visits
set.seed(202)
d2 <- make_visits(10, 0.25, 202, sd_subj = 0.6, sd_res = 0.35,
                  effects = list(baseline = 0, "month 1" = -0.5, "month 3" = -0.9, "month 6" = -1.2))
d2$upcr <- exp(d2$y - 10 + log(2.0))
d2$y <- NULL
write.csv(d2, "upcr.csv", row.names = FALSE)
d2$visit <- factor(d2$visit, levels = names(visit_days))
m2 <- lmer(log(upcr) ~ visit + (1 | subject), data = d2, REML = TRUE, control = ctrl)
l2 <- lme(log(upcr) ~ visit, random = ~ 1 | subject, data = d2, method = "REML")
out$upcr <- describe(m2, d2, "upcr ~ C(visit)", "1", by = "visit", response = TRUE, lme_fit = l2)

## 3. Random intercept and slope in months, 15 subjects, irregular follow-up, two arms
set.seed(303)
rows <- list()
for (i in 1:15) {
  b <- MASS::mvrnorm(1, c(0, 0), matrix(c(4, -0.3, -0.3, 0.25), 2))
  grp <- if (i %% 3 == 0) "B" else "A"
  months <- sort(sample(c(0, 1, 2, 3, 4, 6, 9), sample(3:6, 1)))
  months <- unique(c(0, months))
  for (t in months) {
    y <- 20 + b[1] + (-1.2 + b[2]) * t + (grp == "B") * 2 + rnorm(1, 0, 1.2)
    rows[[length(rows) + 1]] <- data.frame(subject = sprintf("S%02d", i), arm = grp, month = t, y = y)
  }
}
d3 <- do.call(rbind, rows)
write.csv(d3, "slope.csv", row.names = FALSE)
m3 <- lmer(y ~ month + arm + (1 + month | subject), data = d3, REML = TRUE, control = ctrl)
l3 <- lme(y ~ month + arm, random = ~ 1 + month | subject, data = d3, method = "REML",
          control = lmeControl(opt = "optim"))
out$slope <- describe(m3, d3, "y ~ month + arm", "1 + month", lme_fit = l3)
out$slope$emm_arm_kenward_roger <- emm_table(emmeans(m3, "arm", lmer.df = "kenward-roger"))
out$slope$emm_arm_satterthwaite <- emm_table(emmeans(m3, "arm", lmer.df = "satterthwaite"))
m3ml <- lmer(y ~ month + arm + (1 + month | subject), data = d3, REML = FALSE, control = ctrl)
out$slope_ml <- list(fixef = unname(fixef(m3ml)), theta = unname(getME(m3ml, "theta")),
                     sigma = sigma(m3ml), logLik = as.numeric(logLik(m3ml)),
                     satterthwaite = fixef_table(m3ml, "Satterthwaite"))

## 4. Singular fit: no between-subject variation beyond noise, 6 subjects

d4 <- make_visits(6, 0.1, 408, sd_subj = 0.0, sd_res = 2.0,
                  effects = list(baseline = 0, "month 1" = -1, "month 3" = -2, "month 6" = -2))
d4$cohort <- NULL
write.csv(d4, "singular.csv", row.names = FALSE)
d4$visit <- factor(d4$visit, levels = names(visit_days))
m4 <- lmer(y ~ visit + (1 | subject), data = d4, REML = TRUE, control = ctrl)
out$singular <- describe(m4, d4, "y ~ C(visit)", "1", by = "visit")

## 5. Visit x arm interaction, 10 subjects, missing visits: emmeans averages over arm equally
d5 <- make_visits(10, 0.2, 505, sd_subj = 2.0, sd_res = 1.5,
                  effects = list(baseline = 0, "month 1" = -2, "month 3" = -4, "month 6" = -4.5))
d5$arm <- ifelse(as.integer(substr(d5$subject, 2, 3)) %% 2 == 0, "high", "low")
d5$y <- d5$y - (d5$arm == "high") * (d5$visit != "baseline") * 1.5
d5$cohort <- NULL
write.csv(d5, "interaction.csv", row.names = FALSE)
d5$visit <- factor(d5$visit, levels = names(visit_days))
m5 <- lmer(y ~ visit * arm + (1 | subject), data = d5, REML = TRUE, control = ctrl)
out$interaction <- describe(m5, d5, "y ~ C(visit) * arm", "1", by = "visit")
out$interaction$emm_arm_kenward_roger <- emm_table(emmeans(m5, "arm", lmer.df = "kenward-roger"))

## 6. Five subjects (as Mackensen 2022), log outcome, random intercept and slope on months
set.seed(606)
rows <- list()
for (i in 1:5) {
  b <- rnorm(2, 0, c(0.5, 0.05))
  months <- c(0, 1, 3, 6, 12)[c(TRUE, runif(4) > 0.15)]
  for (t in months) {
    rows[[length(rows) + 1]] <- data.frame(subject = sprintf("M%d", i), month = t,
      upcr = exp(log(1.5) + b[1] + (-0.12 + b[2]) * t + rnorm(1, 0, 0.3)))
  }
}
d6 <- do.call(rbind, rows)
write.csv(d6, "tiny.csv", row.names = FALSE)
m6 <- lmer(log(upcr) ~ month + (1 + month | subject), data = d6, REML = TRUE, control = ctrl)
out$tiny <- describe(m6, d6, "upcr ~ month", "1 + month")
for (method in c("kenward-roger", "satterthwaite")) {
  e <- emmeans(m6, "month", at = list(month = sort(unique(d6$month))), lmer.df = method)
  key <- gsub("-", "_", method)
  out$tiny[[paste0("emm_month_", key)]] <- emm_table(summary(e, type = "response", infer = c(TRUE, TRUE)))
}

write_json(out, "mixed.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
