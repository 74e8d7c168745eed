# Reference values for smalltrial.longitudinal.marginal_model (MMRM-style GLS).
# Run: cd tests/reference/marginal && Rscript make_marginal.R  (writes marginal.csv, marginal.json)
# R 4.2: nlme 3.1 gls (REML) with corCompSymm, corAR1 and corSymm + varIdent (unstructured);
# lme4 + lmerTest + pbkrtest + emmeans for the Kenward-Roger / Satterthwaite df of the
# compound-symmetry model (= random-intercept LMM when the correlation is positive).
# mmrm is not packaged in Debian, so it is not used here.
suppressMessages({library(nlme); library(lme4); library(lmerTest); library(emmeans)})
library(jsonlite)
set.seed(5150)

n <- 14; visits <- c("week 0", "week 4", "week 8", "week 12")
d <- expand.grid(visit = visits, id = sprintf("p%02d", 1:n), stringsAsFactors = FALSE)[, c("id", "visit")]
d$cohort <- ifelse(as.integer(substr(d$id, 2, 3)) %% 3 == 0, "B", "A")
vi <- match(d$visit, visits)
b <- rnorm(n, 0, 2)[match(d$id, sprintf("p%02d", 1:n))]
e <- unlist(lapply(1:n, function(i) as.numeric(arima.sim(list(ar = 0.5), 4, sd = 1.5))))
d$y <- 12 - c(0, 3, 5, 6)[vi] + 1.5 * (d$cohort == "B") + b + e
d$upcr <- round(exp(0.2 - c(0, 0.4, 0.7, 0.9)[vi] + 0.3 * b + 0.3 * e), 4)
d$y <- round(d$y, 3)
# missing visits (never baseline)
drop <- c(8, 15, 16, 23, 30, 39, 44, 52)
d <- d[-drop, ]
write.csv(d, "marginal.csv", row.names = FALSE)
d$visit <- factor(d$visit, levels = visits)
d$vnum <- as.integer(d$visit)
d$id <- factor(d$id)

gls_summary_d <- function(fit, data, who) {
  V <- getVarCov(fit, individual = who)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       names = names(coef(fit)), logLik = as.numeric(logLik(fit)),
       cov = unname(matrix(unclass(V), nrow(V))), n = nrow(data), p = length(coef(fit)))
}
gls_summary <- function(fit) {
  V <- getVarCov(fit, individual = "p01")   # p01 has all four visits
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       names = names(coef(fit)), logLik = as.numeric(logLik(fit)),
       vcov = unname(as.matrix(vcov(fit))), cov = unname(matrix(unclass(V), nrow(V))), sigma = fit$sigma,
       n = nrow(d), p = length(coef(fit)))
}
f <- y ~ visit + cohort
cs <- gls(f, d, correlation = corCompSymm(form = ~ 1 | id), method = "REML")
ar <- gls(f, d, correlation = corAR1(form = ~ vnum | id), method = "REML")
un <- gls(f, d, correlation = corSymm(form = ~ vnum | id), weights = varIdent(form = ~ 1 | visit),
          method = "REML")
out <- list(cs = gls_summary(cs), ar1 = gls_summary(ar), un = gls_summary(un))
out$ar1$rho <- as.numeric(coef(ar$modelStruct$corStruct, unconstrained = FALSE))
out$cs$rho <- as.numeric(coef(cs$modelStruct$corStruct, unconstrained = FALSE))

# log outcome, compound symmetry
lcs <- gls(log(upcr) ~ visit, d, correlation = corCompSymm(form = ~ 1 | id), method = "REML")
out$log_cs <- gls_summary(lcs)

# Kenward-Roger / Satterthwaite via the equivalent random-intercept LMM
em_frame <- function(x, type = "link") {
  s <- as.data.frame(summary(x, infer = c(TRUE, TRUE), type = type))
  lapply(s, function(col) if (is.factor(col)) as.character(col) else col)
}
lmm_block <- function(formula, ddf, type = "link") {
  m <- lmer(formula, d, REML = TRUE)
  s <- summary(m, ddf = ddf)$coefficients
  mode <- if (ddf == "Kenward-Roger") "kenward-roger" else "satterthwaite"
  em <- emmeans(m, ~ visit, lmer.df = mode)
  ch <- contrast(em, method = "trt.vs.ctrl", ref = 1, adjust = "none")
  res <- list(estimate = unname(s[, "Estimate"]), se = unname(s[, "Std. Error"]),
              df = unname(s[, "df"]), t = unname(s[, "t value"]), p = unname(s[, "Pr(>|t|)"]),
              names = rownames(s), emmeans = em_frame(em), change = em_frame(ch),
              var_intercept = as.numeric(VarCorr(m)$id[1]), sigma2 = sigma(m)^2)
  if (type == "response") {
    emr <- update(em, tran = "log")   # declare the log transformation explicitly
    res$emmeans_response <- em_frame(emr, type = "response")
    res$change_response <- em_frame(contrast(emr, method = "trt.vs.ctrl", ref = 1, adjust = "none"),
                                    type = "response")
  }
  res
}
out$lmm_kr <- lmm_block(y ~ visit + cohort + (1 | id), "Kenward-Roger")
out$lmm_sat <- lmm_block(y ~ visit + cohort + (1 | id), "Satterthwaite")
out$lmm_log_kr <- lmm_block(log(upcr) ~ visit + (1 | id), "Kenward-Roger", type = "response")

# Satterthwaite df of the AR(1) and unstructured GLS fits as emmeans computes them for gls
# (observed information of nlme's apVar, numerical derivatives: a looser check)
for (nm in c("ar1", "un")) {
  fit <- if (nm == "ar1") ar else un
  em <- emmeans(fit, ~ visit, mode = "appx-satterthwaite")
  out[[nm]]$emmeans_sat <- em_frame(em)
  out[[nm]]$change_sat <- em_frame(contrast(em, method = "trt.vs.ctrl", ref = 1, adjust = "none"))
  em2 <- emmeans(fit, ~ visit, mode = "df.error")
  out[[nm]]$emmeans_resid <- em_frame(em2)
}
# Five patients (Mackensen et al. 2022 size), SLEDAI-like outcome at 3 visits, one missing visit
s5 <- data.frame(id = rep(sprintf("m%d", 1:5), each = 3), visit = rep(c("baseline", "month 3", "month 6"), 5),
                 sledai = c(16, 2, 0, 12, 4, 0, 8, 0, 2, 10, 6, 4, 14, 2, 0))
s5 <- s5[-6, ]
write.csv(s5, "five.csv", row.names = FALSE)
s5$visit <- factor(s5$visit); s5$vnum <- as.integer(s5$visit)
small <- list()
small$cs <- gls_summary_d(gls(sledai ~ visit, s5, correlation = corCompSymm(form = ~ 1 | id), method = "REML"), s5, "m1")
small$ar1 <- gls_summary_d(gls(sledai ~ visit, s5, correlation = corAR1(form = ~ vnum | id), method = "REML"), s5, "m1")
small$un <- gls_summary_d(gls(sledai ~ visit, s5, correlation = corSymm(form = ~ vnum | id),
                              weights = varIdent(form = ~ 1 | visit), method = "REML"), s5, "m1")
m5 <- lmer(sledai ~ visit + (1 | id), s5, REML = TRUE)
for (ddf in c("Kenward-Roger", "Satterthwaite")) {
  sm <- summary(m5, ddf = ddf)$coefficients
  small[[ddf]] <- list(se = unname(sm[, "Std. Error"]), df = unname(sm[, "df"]), p = unname(sm[, "Pr(>|t|)"]))
}
out$five <- small

# Negative within-subject correlation: compound symmetry still fits (nlme allows rho > -1/(T-1))
neg <- expand.grid(visit = 1:3, id = sprintf("q%02d", 1:8))
u <- rnorm(8)
neg$y <- round(5 + c(0, 1, 2)[neg$visit] + rnorm(24) - rep(u, each = 3) * c(1, -1, 0)[neg$visit] * 1.5, 3)
write.csv(neg, "negative.csv", row.names = FALSE)
neg$visit <- factor(neg$visit)
out$negative <- gls_summary_d(gls(y ~ visit, neg, correlation = corCompSymm(form = ~ 1 | id), method = "REML"),
                              neg, "q01")
out$negative$rho <- as.numeric(coef(gls(y ~ visit, neg, correlation = corCompSymm(form = ~ 1 | id),
                                        method = "REML")$modelStruct$corStruct, unconstrained = FALSE))
# between-within df: nlme::lme's rule (the CS marginal model is this random-intercept model)
out$lme_bw <- unname(summary(lme(y ~ visit + cohort, d, random = ~ 1 | id, method = "REML"))$tTable[, "DF"])
out$five$lme_bw <- unname(summary(lme(sledai ~ visit, s5, random = ~ 1 | id, method = "REML"))$tTable[, "DF"])
write_json(out, "marginal.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("five:\n"); print(out$five$cs$cov); print(out$five$un$cov); cat("negative rho", out$negative$rho, "\n")
cat("cs rho", out$cs$rho, " ar1 rho", out$ar1$rho, "\n")
print(summary(cs)$tTable); print(out$lmm_kr$df); print(out$lmm_sat$df)
print(out$ar1$emmeans_sat$df); print(out$un$emmeans_sat$df)
print(out$un$cov)
