# A small SYNTHETIC ADaM set (ADSL, ADLB, ADTTE, ADAE, ADRS) for tests/test_adam.py, written as
# SAS XPORT version 5 and version 8 by haven::write_xpt, plus the reference values R computes:
# study days from the dates, and survfit (Kaplan-Meier, log-log CI) of the ADTTE PFS and OS
# parameters on AVAL and 1 - CNSR exactly as stored.
# Run: cd tests/reference/adam && Rscript make_adam.R   (needs haven, survival, jsonlite)
library(haven)
library(survival)
library(jsonlite)

trt <- as.Date(c("2024-01-10", "2024-01-20", "2024-02-01", "2024-02-15", "2024-03-01", "2024-03-05"))
ids <- sprintf("STUDY-%02d", 1:6)
adsl <- data.frame(
  USUBJID = ids, SEX = c("F", "M", "F", "M", "F", "F"), AGE = c(54, 61, 47, 70, 38, 66),
  COHORT = c("LBCL", "LBCL", "LBCL", "FL", "FL", "FL"), TRT01A = "CAR-T",
  TRTSDT = trt, LSTALVDT = trt + c(300, 181, 240, 120, 365, 90),
  stringsAsFactors = FALSE)

# ADLB: CD19 B cells; two records at week 4 for STUDY-01 (a retest): only the ANL01FL one counts;
# days before (ADY -6), on (ADY 1) and after (ADY 29, 85) the infusion
lb_day <- c(-5, 0, 28, 28, 84)          # days from infusion of STUDY-01's records
adlb <- data.frame(
  USUBJID = c(rep(ids[1], 5), ids[2], ids[2]), PARAMCD = "CD19", PARAM = "CD19+ B cells (cells/uL)",
  AVAL = c(150, 2, 0.5, 0.7, 35, 90, 1), AVALU = "cells/uL",
  ADT = c(trt[1] + lb_day, trt[2] + c(-3, 28)),
  AVISIT = c("BASELINE", "DAY 1", "WEEK 4", "WEEK 4", "WEEK 12", "BASELINE", "WEEK 4"),
  ANL01FL = c("Y", "Y", "Y", NA, "Y", "Y", "Y"), stringsAsFactors = FALSE)
adsl_trt <- setNames(adsl$TRTSDT, adsl$USUBJID)
adlb$ADY <- as.numeric(adlb$ADT - adsl_trt[adlb$USUBJID]) + ifelse(adlb$ADT >= adsl_trt[adlb$USUBJID], 1, 0)

# ADTTE: PFS and OS, STARTDT = TRTSDT, AVAL = ADT - STARTDT + 1 (days), CNSR 1 = censored.
# STUDY-02 is censored for PFS at its last tumour assessment on day 42 (AVAL 43), long before
# its last contact (day 181); ties at AVAL 121.
pfs_days <- c(120, 42, 120, 60, 200, 89)
pfs_cnsr <- c(0, 1, 0, 0, 1, 0)
os_days <- c(300, 181, 240, 120, 365, 89)
os_cnsr <- c(1, 1, 0, 0, 1, 0)
adtte <- rbind(
  data.frame(USUBJID = ids, PARAMCD = "PFS", PARAM = "Progression-free survival (days)",
             STARTDT = trt, ADT = trt + pfs_days, AVAL = pfs_days + 1, AVALU = "DAYS",
             CNSR = pfs_cnsr, EVNTDESC = ifelse(pfs_cnsr == 0, "PROGRESSION", "LAST TUMOR ASSESSMENT"),
             stringsAsFactors = FALSE),
  data.frame(USUBJID = ids, PARAMCD = "OS", PARAM = "Overall survival (days)",
             STARTDT = trt, ADT = trt + os_days, AVAL = os_days + 1, AVALU = "DAYS",
             CNSR = os_cnsr, EVNTDESC = ifelse(os_cnsr == 0, "DEATH", "LAST KNOWN ALIVE"),
             stringsAsFactors = FALSE))

# ADAE: one record before treatment (TRTEMFL blank, dropped), one without a toxicity grade
# (AESEV MODERATE -> grade 2), grades stored as text as in the CDISC pilot
adae <- data.frame(
  USUBJID = ids[c(1, 1, 1, 2, 3, 4, 6)],
  AEDECOD = c("Cytokine release syndrome", "Neutropenia", "Pyrexia", "Neutropenia", "Neutropenia",
              "Headache", "Pyrexia"),
  AEBODSYS = c("Immune system disorders", "Blood and lymphatic system disorders",
               "General disorders and administration site conditions",
               "Blood and lymphatic system disorders", "Blood and lymphatic system disorders",
               "Nervous system disorders", "General disorders and administration site conditions"),
  ATOXGR = c("2", "4", "1", "3", NA, "1", "2"),
  AESEV = c("MODERATE", "SEVERE", "MILD", "SEVERE", "MODERATE", "MILD", "MODERATE"),
  ASTDY = c(2, 9, -3, 15, 8, 30, 5), AENDY = c(6, 30, -1, 40, 20, 31, NA),
  AESER = c("Y", "Y", "N", "N", "N", "N", "N"), AREL = c("RELATED", "RELATED", "NOT RELATED",
  "POSSIBLE", "RELATED", "UNLIKELY", "RELATED"),
  TRTEMFL = c("Y", "Y", NA, "Y", "Y", "Y", "Y"), stringsAsFactors = FALSE)

# ADRS: overall response per assessment (ADY) and best overall response per subject (no date)
adrs <- data.frame(
  USUBJID = c(ids[1], ids[1], ids[2], ids[1], ids[2], ids[3]),
  PARAMCD = c("OVRLRESP", "OVRLRESP", "OVRLRESP", "BOR", "BOR", "BOR"),
  PARAM = c(rep("Overall response", 3), rep("Best overall response", 3)),
  AVALC = c("PR", "CR", "SD", "CR", "SD", "NE"), AVAL = c(2, 1, 3, 1, 3, NA),
  ADY = c(29, 85, 29, NA, NA, NA), AVISIT = c("WEEK 4", "WEEK 12", "WEEK 4", NA, NA, NA),
  ANL01FL = "Y", stringsAsFactors = FALSE)

for (v in c(5, 8)) {
  dir <- sprintf("xpt_v%d", v)
  dir.create(dir, showWarnings = FALSE)
  write_xpt(adsl, file.path(dir, "adsl.xpt"), version = v, name = "ADSL")
  write_xpt(adlb, file.path(dir, "adlb.xpt"), version = v, name = "ADLB")
  write_xpt(adtte, file.path(dir, "adtte.xpt"), version = v, name = "ADTTE")
  write_xpt(adae, file.path(dir, "adae.xpt"), version = v, name = "ADAE")
  write_xpt(adrs, file.path(dir, "adrs.xpt"), version = v, name = "ADRS")
}

km <- function(param) {
  d <- adtte[adtte$PARAMCD == param, ]
  fit <- survfit(Surv(AVAL, 1 - CNSR) ~ 1, data = d, conf.type = "log-log")
  s <- summary(fit, censored = TRUE)
  list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, survival = s$surv,
       std_error = s$std.err, lower = s$lower, upper = s$upper,
       median = unname(quantile(fit, 0.5)$quantile))
}
ref <- list(
  subjects = ids,
  adlb_day = as.numeric(adlb$ADT - adsl_trt[adlb$USUBJID]),   # days from infusion, from dates
  adlb_ady = adlb$ADY,
  last_contact = as.numeric(adsl$LSTALVDT - adsl$TRTSDT),
  pfs_aval = adtte$AVAL[adtte$PARAMCD == "PFS"], pfs_event = 1 - pfs_cnsr,
  os_aval = adtte$AVAL[adtte$PARAMCD == "OS"], os_event = 1 - os_cnsr,
  km_pfs = km("PFS"), km_os = km("OS"))
write_json(ref, "adam.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
