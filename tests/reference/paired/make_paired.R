# Reference values for smalltrial.longitudinal.paired_change.
# Run: cd tests/reference/paired && Rscript make_paired.R   (writes paired.json)
# R 4.2, coin 1.4-2 (Debian r-cran-coin): exact signed-rank p-values with ties and zeros;
# stats::wilcox.test(exact=TRUE, conf.int=TRUE) where there are no ties and no zeros.
suppressMessages(library(coin))
library(jsonlite)
set.seed(20241124)

one_case <- function(name, pre, post) {
  ok <- !is.na(pre) & !is.na(post)
  d <- post[ok] - pre[ok]
  out <- list(name = name, pre = I(pre), post = I(post),
              n = sum(ok), n_missing = sum(!ok),
              mean_change = mean(d), median_change = median(d),
              quantiles = unname(quantile(d, c(0, 0.25, 0.5, 0.75, 1))),
              n_nonzero = sum(d != 0),
              ties = any(duplicated(abs(d[d != 0]))))
  cd <- data.frame(post = post[ok], pre = pre[ok])
  for (zm in c("Wilcoxon", "Pratt")) {
    res <- list()
    for (alt in c("two.sided", "greater", "less")) {
      if (all(d == 0)) { res[[alt]] <- NA; next }
      t <- wilcoxsign_test(post ~ pre, data = cd, distribution = "exact",
                           zero.method = zm, alternative = alt)
      res[[alt]] <- as.numeric(pvalue(t))
      res[[paste0("V_", alt)]] <- as.numeric(statistic(t, "linear"))
    }
    out[[paste0("coin_", zm)]] <- res
  }
  if (!any(d == 0) && !out$ties) {
    w <- list()
    for (alt in c("two.sided", "greater", "less")) {
      t <- wilcox.test(post[ok], pre[ok], paired = TRUE, exact = TRUE, conf.int = TRUE,
                       alternative = alt)
      w[[alt]] <- list(p = t$p.value, V = unname(t$statistic), estimate = unname(t$estimate),
                       lower = t$conf.int[1], upper = t$conf.int[2])
    }
    t90 <- suppressWarnings(wilcox.test(post[ok], pre[ok], paired = TRUE, exact = TRUE,
                                        conf.int = TRUE, conf.level = 0.90))
    w$level90 <- list(p = t90$p.value, estimate = unname(t90$estimate),
                      lower = t90$conf.int[1], upper = t90$conf.int[2])
    out$wilcox <- w
  }
  # Hodges-Lehmann estimate: median of the Walsh averages of all complete-pair changes
  wa <- outer(d, d, "+") / 2
  out$walsh_median <- median(wa[!lower.tri(wa)])
  out
}

cases <- list()
# 1. n = 5, all improve (Mackensen-like): minimum attainable two-sided p = 0.0625
cases[[1]] <- one_case("n5_all_down", pre = c(16, 12, 8, 10, 14), post = c(0, 2, 1, 1, 4.5))
# 2. no ties, no zeros, n = 8, continuous
pre <- round(rnorm(8, 10, 3), 2); post <- round(pre + rnorm(8, -1.5, 2), 2)
cases[[2]] <- one_case("n8_continuous", pre, post)
# 3. SLEDAI-like integers with ties, zeros and missing values, n = 15
pre <- c(8, 12, 10, 6, 16, 8, 4, 10, 12, NA, 6, 14, 8, 10, 4, 12, 20)
post <- c(0, 4, 2, 6, 0, 8, 0, 4, NA, 2, 2, 0, 4, 12, 6, 0, 2)
cases[[3]] <- one_case("sledai_ties_zeros", pre, post)
# 4. n = 25 with heavy ties (exact by enumeration is out of reach of 2^n in R here)
pre <- sample(0:6, 25, replace = TRUE); post <- pmax(0, pre + sample(-4:2, 25, replace = TRUE))
cases[[4]] <- one_case("n25_ties", pre, post)
# 5. continuous n = 12 with one zero difference and no other ties
pre <- round(rnorm(12, 2, 1), 3); post <- round(pre * exp(rnorm(12, -0.3, 0.4)), 3); post[3] <- pre[3]
cases[[5]] <- one_case("n12_one_zero", pre, post)
# 6. all changes zero: test not defined (coin errors)
cases[[6]] <- one_case("all_zero", pre = c(1, 2, 3), post = c(1, 2, 3))
# 7. n = 1 positive change
cases[[7]] <- one_case("n1", pre = c(3), post = c(5))

write_json(cases, "paired.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
