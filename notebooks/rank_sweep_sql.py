"""The notebooks' only door to the data: DuckDB views over one results folder, and the .sql files.

    from rank_sweep_sql import connect, query
    con = connect("results/smoke")          # the --out folder of `bin/sweep run`
    runs_per_status = query(con, "status_counts.sql")

Every query lives in sql/*.sql (the tests run the same files through DuckDB and Spark SQL); nothing
here reads anything but the four tables under the folder it is given.
"""
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"
TABLES = ("runs", "trajectories", "summary", "rank_curves")


def connect(results):
    """An in-memory DuckDB with views runs, trajectories, summary, rank_curves over RESULTS."""
    root = Path(results).expanduser().resolve()
    if not (root / "runs").is_dir():
        raise FileNotFoundError(f"{root}: no 'runs' table here; give the --out folder of a sweep")
    con = duckdb.connect()
    for table in TABLES:
        folder = root / table
        if folder.is_dir():
            pattern = (folder / "**" / "*.parquet").as_posix().replace("'", "''")
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)")
    return con


def query(con, name):
    """Runs sql/NAME against the views and returns a pandas DataFrame."""
    path = SQL_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such query (the queries are in {SQL_DIR})")
    return con.execute(path.read_text(encoding="utf-8")).df()
