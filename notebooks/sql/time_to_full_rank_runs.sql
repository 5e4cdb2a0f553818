-- One point per run for a time-to-full-rank plot: the epoch R first reached full rank, or, for a run
-- that never did, the last epoch it trained (censored). FAILED runs carry no time.
SELECT architecture, noise, sigma, learning_rate, seed,
       COALESCE(time_to_full_rank, epochs_run) AS epoch,
       CASE WHEN time_to_full_rank IS NULL THEN 1 ELSE 0 END AS censored
FROM runs
WHERE status <> 'FAILED'
ORDER BY architecture, noise, sigma, learning_rate, seed
