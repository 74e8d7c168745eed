# Reference values for smalltrial.summaries.describe: mean, sd (n - 1), median, quartiles
# (quantile type 7, R's default), range; missing values removed.
# Run: cd tests/reference/summaries && Rscript make_summaries.R
library(jsonlite)
cases <- list(
  five = c(18, 24, 20, 22, 19),
  even = c(16, 8, 12, 20, 9, 16),
  with_missing = c(3.2, NA, 1.7, 6.7, 4.4, NA, 2.05),
  one = c(7.5),
  ties = c(0, 0, 0, 2, 2, 4, 10)
)
out <- lapply(cases, function(x) {
  y <- x[!is.na(x)]
  q <- quantile(y, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  list(values = x, n = length(y), n_missing = sum(is.na(x)), mean = mean(y),
       sd = if (length(y) > 1) sd(y) else NA, median = median(y), q1 = q[1], q3 = q[3],
       minimum = min(y), maximum = max(y))
})
write_json(out, "summaries.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
