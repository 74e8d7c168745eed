# Reference values for smalltrial.survival.parametric_fit: R survreg(Surv(time, event) ~ 1, dist=).
# Median: predict(type = "uquantile", se.fit = TRUE) (log scale), CI exp(q -/+ z se).
# Landmark survival: S_W(z), z = (log t - mu)/sigma, SE of z by the delta method from vcov(fit)
# (gradient (-1/sigma, -z) in (Intercept, Log(scale))), limits S_W(z +/- 1.96 se) - written out
# here from R's own estimates and vcov.
# Run: cd tests/reference/parametric && Rscript make_parametric.R   (writes parametric.json)
library(survival)
library(jsonlite)

sw <- function(dist, z) switch(dist, exponential = , weibull = exp(-exp(z)),
                               lognormal = pnorm(z, lower.tail = FALSE), loglogistic = 1 / (1 + exp(z)))

one <- function(time, event, dist, landmarks) {
  d <- data.frame(time = time, event = event)
  fit <- survreg(Surv(time, event) ~ 1, data = d, dist = dist)
  V <- vcov(fit)
  mu <- unname(coef(fit)); sigma <- fit$scale
  q <- predict(fit, newdata = data.frame(x = 1), type = "uquantile", p = 0.5, se.fit = TRUE)
  zc <- qnorm(0.975)
  z <- (log(landmarks) - mu) / sigma
  G <- cbind(-1 / sigma, -z)[, seq_len(ncol(V)), drop = FALSE]
  se <- sqrt(rowSums((G %*% V) * G))
  list(data = d, dist = dist, mu = mu, sigma = sigma, loglik = fit$loglik[2], vcov = unname(V),
       median = exp(unname(q$fit)), median_se_log = unname(q$se.fit),
       median_lower = exp(unname(q$fit) - zc * unname(q$se.fit)),
       median_upper = exp(unname(q$fit) + zc * unname(q$se.fit)),
       landmarks = landmarks, surv = sw(dist, z), surv_lower = sw(dist, z + zc * se),
       surv_upper = sw(dist, z - zc * se))
}

days <- list(time = c(84, 98, 112, 112, 140, 182, 200, 365, 365, 400, 410),
             event = c(1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0))
# a plateau: most remissions durable (heavily censored late), few events
plateau <- list(time = c(30, 45, 60, 90, 180, 365, 365, 400, 450, 500, 540, 600),
                event = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0))
# all events, with ties
allev <- list(time = c(2, 4, 4, 7, 9, 11), event = c(1, 1, 1, 1, 1, 1))

cases <- list()
for (dist in c("exponential", "weibull", "lognormal", "loglogistic")) {
  cases[[paste0("days_", dist)]] <- one(days$time, days$event, dist, c(180, 365, 730))
  cases[[paste0("plateau_", dist)]] <- one(plateau$time, plateau$event, dist, c(365, 730))
  cases[[paste0("allevents_", dist)]] <- one(allev$time, allev$event, dist, c(5, 12))
}
writeLines(toJSON(list(cases = cases, R = R.version.string,
                       survival = as.character(packageVersion("survival"))),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "parametric.json")
