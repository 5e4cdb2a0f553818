-- Runs per noise type and status (COMPLETED, DIVERGED, FAILED).
SELECT noise, status, COUNT(*) AS runs
FROM runs
GROUP BY noise, status
ORDER BY noise, status
