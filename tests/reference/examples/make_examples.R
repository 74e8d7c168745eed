# Independent R reference values for the two SYNTHETIC example trials outside lupus
# (smalltrial/data/phase2_onc and smalltrial/data/mg_cart; made up, not based on any
# publication). Every reference value is re-derived from the raw rows of the bundled CSV files
# by the rules written below; the ADaM XPORT files (phase2_onc_adam) are only read (haven) to
# check that they describe the same trial (stopifnot).
#
#   cd tests/reference/examples && Rscript make_examples.R
#
# Writes examples.json (jsonlite, digits = NA) and haven_probe.xpt (a small SAS XPORT v5 file
# written by haven, against which tests/test_examples_data.py checks the byte layout of the
# Python XPORT writer in scripts/make_examples.py; haven stamps the current time into it, so
# the probe changes on every run and the test takes the timestamp from the file).
#
# DERIVATION RULES (day 0 = first dose / infusion; times are elapsed days = end day - start day)
# phase2_onc
#   Per-visit response (RECIST 1.1, target lesions only), re-derived from `sld` (mm) and
#   `new_lesions` and checked against the `ovr` rows: PD = new lesion, or sld >= 1.2 x the
#   smallest sum so far (baseline included) and >= 5 mm above it; CR = sld 0; PR = sld <= 0.7 x
#   baseline; SD otherwise; NE = an `ovr` row without sld.
#   Confirmed best overall response (checked against the `bor` rows), over the post-baseline
#   assessments up to and including the first PD: CR = a CR followed by a CR >= 28 days later;
#   PR = otherwise a CR/PR followed by a CR/PR >= 28 days later; SD = otherwise any CR/PR/SD on
#   or after day 42; PD = otherwise any PD; NE = otherwise.
#   ORR = BOR in {CR, PR} over all patients; exact (Clopper-Pearson) CI by binom.test.
#   PFS: progression or death (the earlier); censored at the last tumour assessment (last `ovr`
#        day; day 0 if none).
#   OS:  death; censored at last contact.
#   DOR: confirmed responders only; from the first day of the confirmed response (the first
#        CR/PR visit that is confirmed; checked against the `response` event) to progression or
#        death; censored at the last tumour assessment.
#   Kaplan-Meier by survfit, conf.type = "log-log" (as SAS LIFETEST / lifelines), 95 %;
#   quartiles with CI by quantile.survfit. Median follow-up: reverse Kaplan-Meier of OS
#   (censorings are the events).
# mg_cart
#   Responder at a visit: MG-ADL (`mgadl`) minus the baseline value (the last value on or before
#   day 0) <= -2 (>= 2-point improvement; Muppidi et al., Muscle Nerve 2022). Per post-baseline
#   visit label: n assessed (a value at that visit), n responders, exact CI.
#   Relapse-free time from response: origin = first visit day at which the patient is a
#   responder; event = `relapse` after the origin; censored at last contact; never-responders
#   are excluded. KM as above.
# Adverse events (both trials; N = all patients of the trial): patients with any AE, with any
#   AE of grade >= 3, with a serious AE, with a related AE; by SOC and by (SOC, term): patients
#   with any grade and with grade >= 3; worst grade per patient (over all AEs) and its
#   distribution (number of patients whose worst grade is 1..5; 0 = no AE).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
  library(haven)
})

data_dir <- file.path("..", "..", "..", "smalltrial", "data")
rd <- function(trial, table) {
  read.csv(file.path(data_dir, trial, paste0(table, ".csv")), stringsAsFactors = FALSE,
           na.strings = "", colClasses = c(subject = "character"))
}

km <- function(time, event) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log", conf.int = 0.95)
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  list(n = length(time), events = sum(event),
       time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       surv = fit$surv, lower = fit$lower, upper = fit$upper,
       quantiles = data.frame(p = c(0.25, 0.5, 0.75), quantile = unname(q$quantile),
                              lower = unname(q$lower), upper = unname(q$upper)))
}

exact_ci <- function(x, n) {
  ci <- if (n > 0) binom.test(x, n)$conf.int else c(NA, NA)
  list(x = x, n = n, lower = ci[1], upper = ci[2])
}

ae_counts <- function(ae, subjects) {
  ids <- subjects$subject
  worst <- sapply(ids, function(s) {
    g <- ae$grade[ae$subject == s]
    if (length(g)) max(g) else 0
  })
  by_soc <- do.call(rbind, lapply(sort(unique(ae$soc)), function(s) {
    a <- ae[ae$soc == s, ]
    data.frame(soc = s, any = length(unique(a$subject)),
               grade3 = length(unique(a$subject[a$grade >= 3])),
               events = nrow(a), stringsAsFactors = FALSE)
  }))
  keys <- unique(ae[order(ae$soc, ae$term), c("soc", "term")])
  by_term <- do.call(rbind, lapply(seq_len(nrow(keys)), function(i) {
    a <- ae[ae$soc == keys$soc[i] & ae$term == keys$term[i], ]
    data.frame(soc = keys$soc[i], term = keys$term[i], any = length(unique(a$subject)),
               grade3 = length(unique(a$subject[a$grade >= 3])),
               worst = max(a$grade), events = nrow(a), stringsAsFactors = FALSE)
  }))
  list(N = length(ids),
       any = length(unique(ae$subject)),
       grade3 = length(unique(ae$subject[ae$grade >= 3])),
       serious = length(unique(ae$subject[ae$serious %in% c("True", TRUE)])),
       related = length(unique(ae$subject[ae$related %in% c("True", TRUE)])),
       events = nrow(ae),
       worst_grade = data.frame(subject = ids, worst = unname(worst), stringsAsFactors = FALSE),
       worst_grade_distribution = sapply(0:5, function(g) sum(worst == g)),
       by_soc = by_soc, by_term = by_term)
}

# ------------------------------------------------------------------------------ phase2_onc
subj <- rd("phase2_onc", "subjects")
meas <- rd("phase2_onc", "measurements")
ev <- rd("phase2_onc", "events")
ae <- rd("phase2_onc", "adverse_events")

recist <- function(s) {
  m <- meas[meas$subject == s, ]
  base <- m$value[m$parameter == "sld" & m$day <= 0]
  stopifnot(length(base) == 1)
  ov <- m[m$parameter == "ovr", ]
  ov <- ov[order(ov$day), ]
  nadir <- base
  out <- character(0)
  for (i in seq_len(nrow(ov))) {
    d <- ov$day[i]
    sld <- m$value[m$parameter == "sld" & m$day == d]
    nl <- m$value[m$parameter == "new_lesions" & m$day == d]
    if (length(sld) == 0) {
      r <- "NE"
    } else {
      if (nl == 1 || (sld >= 1.2 * nadir && sld - nadir >= 5)) r <- "PD"
      else if (sld == 0) r <- "CR"
      else if (sld <= 0.7 * base) r <- "PR"
      else r <- "SD"
      nadir <- min(nadir, sld)
    }
    out <- c(out, r)
  }
  stopifnot(identical(out, ov$value_text))
  list(day = ov$day, r = out)
}

bor_rule <- function(day, r) {
  keep <- day > 0
  day <- day[keep]
  r <- r[keep]
  first_pd <- which(r == "PD")
  if (length(first_pd)) {
    day <- day[seq_len(first_pd[1])]
    r <- r[seq_len(first_pd[1])]
  }
  confirmed <- function(ok) {
    for (i in seq_along(r)) {
      later <- seq_along(r) > i & r %in% ok & day - day[i] >= 28
      if (r[i] %in% ok && any(later)) return(day[i])
    }
    NA
  }
  if (!is.na(confirmed("CR"))) return(list(bor = "CR", start = confirmed(c("CR", "PR"))))
  start <- confirmed(c("CR", "PR"))
  if (!is.na(start)) return(list(bor = "PR", start = start))
  if (any(r %in% c("CR", "PR", "SD") & day >= 42)) return(list(bor = "SD", start = NA))
  if (any(r == "PD")) return(list(bor = "PD", start = NA))
  list(bor = "NE", start = NA)
}

first_day <- function(s, event) {
  d <- ev$day[ev$subject == s & ev$event == event]
  if (length(d)) min(d) else NA
}

rows <- lapply(subj$subject, function(s) {
  v <- recist(s)
  b <- bor_rule(v$day, v$r)
  csv_bor <- meas$value_text[meas$subject == s & meas$parameter == "bor"]
  stopifnot(length(csv_bor) == 1, csv_bor == b$bor)
  resp_event <- first_day(s, "response")
  stopifnot(identical(is.na(resp_event), is.na(b$start)),
            is.na(resp_event) || resp_event == b$start)
  prog <- first_day(s, "progression")
  death <- first_day(s, "death")
  last <- ev$day[ev$subject == s & ev$event == "last_contact"]
  stopifnot(length(last) == 1)
  last_assess <- if (length(v$day)) max(v$day) else 0
  ends <- c(prog, death)
  ends <- ends[!is.na(ends)]
  pfs_event <- as.integer(length(ends) > 0)
  end <- if (pfs_event) min(ends) else last_assess
  data.frame(subject = s, bor = b$bor, response_day = b$start,
             pfs_time = end, pfs_event = pfs_event,
             os_time = if (is.na(death)) last else death, os_event = as.integer(!is.na(death)),
             dor_time = end - b$start, dor_event = if (is.na(b$start)) NA else pfs_event,
             stringsAsFactors = FALSE)
})
onc <- do.call(rbind, rows)
resp <- onc$bor %in% c("CR", "PR")
dor <- onc[resp, ]
onc_out <- list(
  n = nrow(onc),
  bor = onc[, c("subject", "bor", "response_day")],
  bor_counts = as.list(table(factor(onc$bor, levels = c("CR", "PR", "SD", "PD", "NE")))),
  orr = exact_ci(sum(resp), nrow(onc)),
  orr_stage1 = exact_ci(sum(resp[1:9]), 9),
  endpoints = onc[, c("subject", "pfs_time", "pfs_event", "os_time", "os_event")],
  dor_endpoints = dor[, c("subject", "response_day", "dor_time", "dor_event")],
  pfs = km(onc$pfs_time, onc$pfs_event),
  os = km(onc$os_time, onc$os_event),
  dor = km(dor$dor_time, dor$dor_event),
  follow_up = as.list(km(onc$os_time, 1 - onc$os_event)$quantiles[2, ]),
  ae = ae_counts(ae, subj)
)

# The ADaM version (read with haven) describes the same trial: ADTTE AVAL = ADT - STARTDT =
# the times derived above from the CSV files, CNSR = 1 - event (stops here if not).
adtte <- as.data.frame(read_xpt(file.path(data_dir, "phase2_onc_adam", "adtte.xpt")))
check_adtte <- function(paramcd, subject, time, event) {
  a <- adtte[adtte$PARAMCD == paramcd, ]
  stopifnot(nrow(a) == length(subject), setequal(a$USUBJID, subject))
  a <- a[match(subject, a$USUBJID), ]
  stopifnot(all(a$AVAL == time), all(a$CNSR == 1 - event),
            all(as.numeric(a$ADT - a$STARTDT) == a$AVAL))
}
check_adtte("PFS", onc$subject, onc$pfs_time, onc$pfs_event)
check_adtte("OS", onc$subject, onc$os_time, onc$os_event)
check_adtte("DOR", dor$subject, dor$dor_time, dor$dor_event)
adrs <- as.data.frame(read_xpt(file.path(data_dir, "phase2_onc_adam", "adrs.xpt")))
b <- adrs[adrs$PARAMCD == "BOR", ]
stopifnot(identical(b$AVALC[match(onc$subject, b$USUBJID)], onc$bor))

# ------------------------------------------------------------------------------ mg_cart
subj <- rd("mg_cart", "subjects")
meas <- rd("mg_cart", "measurements")
ev <- rd("mg_cart", "events")
ae <- rd("mg_cart", "adverse_events")

adl <- meas[meas$parameter == "mgadl", ]
base <- sapply(subj$subject, function(s) {
  b <- adl[adl$subject == s & adl$day <= 0, ]
  b$value[which.max(b$day)]
})
post <- adl[adl$day > 0, ]
post$change <- post$value - base[post$subject]
post$responder <- post$change <= -2
visits <- unique(post$visit[order(post$day)])
visit_order <- c("month 1", "month 2", "month 3", "month 6", "month 9", "month 12")
stopifnot(setequal(visits, visit_order))
per_visit <- do.call(rbind, lapply(visit_order, function(v) {
  p <- post[post$visit == v, ]
  ci <- exact_ci(sum(p$responder), nrow(p))
  data.frame(visit = v, n = nrow(p), responders = sum(p$responder), lower = ci$lower,
             upper = ci$upper, stringsAsFactors = FALSE)
}))
rf <- do.call(rbind, lapply(subj$subject, function(s) {
  p <- post[post$subject == s & post$responder, ]
  if (!nrow(p)) return(NULL)
  origin <- min(p$day)
  rel <- ev$day[ev$subject == s & ev$event == "relapse" & ev$day > origin]
  last <- ev$day[ev$subject == s & ev$event == "last_contact"]
  end <- if (length(rel)) min(rel) else last
  data.frame(subject = s, origin = origin, time = end - origin,
             event = as.integer(length(rel) > 0), stringsAsFactors = FALSE)
}))
mg_out <- list(
  n = nrow(subj),
  responders = per_visit,
  responder_rows = post[order(post$subject, post$day),
                        c("subject", "visit", "day", "change", "responder")],
  ever_responder = exact_ci(length(unique(post$subject[post$responder])), nrow(subj)),
  relapse_free_endpoints = rf,
  excluded = setdiff(subj$subject, rf$subject),
  relapse_free = km(rf$time, rf$event),
  ae = ae_counts(ae, subj)
)

out <- list(
  phase2_onc = onc_out,
  mg_cart = mg_out,
  R = R.version.string,
  survival = as.character(packageVersion("survival")),
  haven = as.character(packageVersion("haven"))
)
write_json(out, "examples.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")

# ------------------------------------------------------------------------------ XPORT probe
probe <- data.frame(USUBJID = c("P01", "P0002", ""), AVAL = c(0, -2.5, NA),
                    X = c(1 / 3, 1e10, 123456.789),
                    D = as.Date(c("2024-03-04", NA, "1959-12-31")), stringsAsFactors = FALSE)
attr(probe$AVAL, "label") <- "Analysis Value"
write_xpt(probe, "haven_probe.xpt", version = 5, name = "PROBE", label = "Probe")
