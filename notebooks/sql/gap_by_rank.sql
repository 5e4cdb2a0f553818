-- Linear networks: every checkpoint's loss and gap to the global optimum (L*, the reduced-rank
-- regression loss) against the rank of R.
SELECT r.architecture, t.noise, r.sigma, r.seed, t.epoch, t.rank, r.full_rank, t.loss, t.loss_gap
FROM trajectories t
JOIN runs r ON r.config_id = t.config_id
WHERE r.activation = 'linear' AND r.output_activation = 'linear' AND t.loss_gap IS NOT NULL
ORDER BY r.architecture, t.noise, r.sigma, r.seed, t.epoch
