-- Rank of R against epoch per group (noise type, sigma, ...): mean, spread and range over seeds.
SELECT architecture, noise, sigma, learning_rate, init, full_rank, epoch, runs,
       rank_mean, rank_std, rank_min, rank_max, loss_mean
FROM rank_curves
ORDER BY architecture, noise, sigma, learning_rate, init, epoch
