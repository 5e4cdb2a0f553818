-- Time to full rank against sigma. Runs that never reached full rank are censored (at their last
-- epoch), not missing: reached_full_rank of runs, and the Kaplan-Meier median beside the plain median
-- of the runs that did reach it.
SELECT architecture, noise, sigma, learning_rate, init, runs, completed, diverged, failed,
       reached_full_rank, fraction_full_rank, time_to_full_rank_median, time_to_full_rank_km_median,
       time_to_full_rank_q1, time_to_full_rank_q3
FROM summary
ORDER BY architecture, noise, sigma, learning_rate, init
