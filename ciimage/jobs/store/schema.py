"""The store's file and tables: `<root>/.ciimage/jobs.sqlite3`, SQLite in WAL mode (design §3.3).

`open_store_database` creates what is missing (every statement is `IF NOT EXISTS`), so a store
written by an older server opens as it was; `meta.schema_version` says which tables it has.
`jobs_by_batch_state` lets "is any child of this batch left to run" (asked each time a child
ends) seek three index entries instead of scanning the batch's finished children: quadratic in
the batch's size without it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ciimage.files import new_file_mode

STORE_FOLDER = ".ciimage"
STORE_FILE = "jobs.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS queues(bucket TEXT PRIMARY KEY, queue_id TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL, state TEXT NOT NULL, notify_json TEXT NOT NULL,
  max_size INT NOT NULL DEFAULT 10000, max_concurrent INT NOT NULL DEFAULT 10,
  create_time REAL NOT NULL, update_time REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT UNIQUE NOT NULL, bucket TEXT NOT NULL, region TEXT NOT NULL, tag TEXT NOT NULL,
  queue_id TEXT NOT NULL, state TEXT NOT NULL, code TEXT NOT NULL DEFAULT 'Success',
  message TEXT NOT NULL DEFAULT '', created REAL NOT NULL, started REAL, ended REAL,
  job_level INT NOT NULL DEFAULT 0, input_object TEXT NOT NULL, inventory_job_id TEXT,
  operation_json TEXT NOT NULL, callback_json TEXT, result_json TEXT,
  attempts INT NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_bucket ON jobs(bucket, tag, seq);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, job_level DESC, seq);
CREATE INDEX IF NOT EXISTS jobs_by_batch ON jobs(inventory_job_id, seq);
CREATE INDEX IF NOT EXISTS jobs_by_batch_state ON jobs(inventory_job_id, state);
CREATE TABLE IF NOT EXISTS batches(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT UNIQUE NOT NULL, bucket TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  state TEXT NOT NULL, code TEXT NOT NULL DEFAULT 'Success', message TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL, started REAL, ended REAL, input_json TEXT NOT NULL,
  operation_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS callbacks(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL,
  url TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL,
  attempts INT NOT NULL DEFAULT 0, next_at REAL NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks(state, next_at);
"""


def open_store_database(path: Path) -> sqlite3.Connection:
    """One connection (autocommit: the store opens its own transactions), the tables created,
    the file readable by whom the umask allows."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    db.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
    )
    os.chmod(path, new_file_mode())
    return db
