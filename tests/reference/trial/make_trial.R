# SAS transport (XPORT v5) ADaM fixtures for tests/test_trial.py (read_adam on .xpt files).
# Run: cd tests/reference/trial && Rscript make_trial.R   (needs the haven package)
library(haven)
library(jsonlite)
dir.create("adam_xpt", showWarnings = FALSE)
adsl <- data.frame(
  USUBJID = c("S1", "S2"), SEX = c("F", "M"), AGE = c(30, 41), COHORT = c("SLE", "IIM"),
  TRTSDT = as.Date(c("2023-01-10", "2023-02-01")),
  LSTALVDT = as.Date(c("2023-07-10", "2023-06-01")),
  stringsAsFactors = FALSE)
adlb <- data.frame(
  USUBJID = c("S1", "S1", "S2"), PARAMCD = c("SLEDAI2K", "SLEDAI2K", "CK"),
  PARAM = c("SLEDAI-2K", "SLEDAI-2K", "Creatine kinase"), AVAL = c(16, 0, 4200),
  AVALU = c("points", "points", "U/L"), ADY = c(-7, 91, -3),
  AVISIT = c("BASELINE", "MONTH 3", "BASELINE"), stringsAsFactors = FALSE)
adtte <- data.frame(
  USUBJID = c("S1", "S2", "S1", "S2"), PARAMCD = c("REMISS", "REMISS", "CRS", "CRS"),
  AVAL = c(90, 120, 1, 120), CNSR = c(0, 1, 0, 1), ATOXGR = c(NA, NA, 1, NA),
  stringsAsFactors = FALSE)
write_xpt(adsl, "adam_xpt/adsl.xpt", version = 5, name = "ADSL")
write_xpt(adlb, "adam_xpt/adlb.xpt", version = 5, name = "ADLB")
write_xpt(adtte, "adam_xpt/adtte.xpt", version = 5, name = "ADTTE")
# what R reads back (days between LSTALVDT and TRTSDT = last contact)
ref <- list(
  last_contact = as.numeric(adsl$LSTALVDT - adsl$TRTSDT),
  ady = adlb$ADY, aval = adlb$AVAL)
write_json(ref, "trial.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
