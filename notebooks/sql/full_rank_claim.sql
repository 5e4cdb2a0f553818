-- The study's claim for linear networks: once R has full rank, training is at (or heading to) a
-- global minimum. At each run's last checkpoint, per group and rank state: how many runs, and their
-- gap to the optimum (relative gap = gap / optimal loss).
SELECT r.architecture, r.noise, r.sigma,
       CASE WHEN t.rank = r.full_rank THEN 1 ELSE 0 END AS at_full_rank,
       COUNT(*) AS runs,
       AVG(t.loss_gap) AS gap_mean,
       MAX(t.loss_gap) AS gap_max,
       MAX(t.loss_gap / r.optimal_loss) AS relative_gap_max
FROM runs r
JOIN trajectories t ON t.config_id = r.config_id AND t.epoch = r.epochs_run
WHERE r.activation = 'linear' AND r.output_activation = 'linear' AND r.status = 'COMPLETED'
GROUP BY r.architecture, r.noise, r.sigma, CASE WHEN t.rank = r.full_rank THEN 1 ELSE 0 END
ORDER BY r.architecture, r.noise, r.sigma, at_full_rank
