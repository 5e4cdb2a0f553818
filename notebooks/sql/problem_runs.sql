-- Every run that did not complete, with what stopped it.
SELECT noise, sigma, architecture, learning_rate, seed, status, epochs_run, epochs, error, config_id
FROM runs
WHERE status <> 'COMPLETED'
ORDER BY noise, sigma, architecture, learning_rate, seed
