"""The PostgreSQL schema, as numbered migrations (the tables of the SQLite adapter, in
PostgreSQL's types). Everything lives in one schema of the database (default `taskqueue`),
so a database that holds other tables is fine. `{schema}` is replaced by its quoted name.

Tasks churn (every claim and completion rewrites a row): the table keeps room in each page
for updated rows (fillfactor 80, so an update can stay on its page, a HOT update without a
new index entry) and autovacuum visits it after 1% of its rows changed instead of 20%, so
dead rows of finished claims do not pile up in the claim index between visits.
"""

from __future__ import annotations

from typing import Final

_V1: Final = """
CREATE TABLE {schema}.tasks (
  seq                BIGINT  PRIMARY KEY,
  id                 TEXT    NOT NULL,
  id_key             BIGINT  UNIQUE,
  work_directory     TEXT    NOT NULL,
  prompt             TEXT    NOT NULL,
  priority           INTEGER NOT NULL,
  tags               TEXT    NOT NULL,
  state              INTEGER NOT NULL,
  worker_id          TEXT    NOT NULL DEFAULT '',
  attempt            INTEGER NOT NULL DEFAULT 0,
  retry_count        INTEGER NOT NULL DEFAULT 0,
  result             TEXT,
  error              TEXT    NOT NULL DEFAULT '',
  cancel_reason      TEXT    NOT NULL DEFAULT '',
  create_time        BIGINT  NOT NULL,
  start_time         BIGINT,
  complete_time      BIGINT,
  fail_time          BIGINT,
  cancel_time        BIGINT,
  update_time        BIGINT  NOT NULL,
  lease_token        TEXT,
  lease_expire_time  BIGINT,
  lease_duration     BIGINT,
  request_id         TEXT,
  request_hash       TEXT,
  due_time           BIGINT,
  max_attempts       INTEGER NOT NULL DEFAULT 0,
  initial_backoff    BIGINT  NOT NULL DEFAULT 0,
  max_backoff        BIGINT  NOT NULL DEFAULT 0,
  backoff_multiplier DOUBLE PRECISION NOT NULL DEFAULT 0,
  lease_expiries     INTEGER NOT NULL DEFAULT 0,
  max_working        INTEGER NOT NULL DEFAULT 0
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.02);

CREATE INDEX tasks_claim ON {schema}.tasks (priority, seq) WHERE state = 1 AND due_time IS NULL;
CREATE INDEX tasks_claim_by_directory ON {schema}.tasks (work_directory, priority, seq)
  WHERE state = 1 AND due_time IS NULL;
CREATE INDEX tasks_due ON {schema}.tasks (due_time) WHERE state = 1 AND due_time IS NOT NULL;
CREATE INDEX tasks_lease_expiry ON {schema}.tasks (lease_expire_time) WHERE state = 2;
CREATE INDEX tasks_lease_token ON {schema}.tasks (lease_token) WHERE state = 2;
CREATE UNIQUE INDEX tasks_by_request_id ON {schema}.tasks (request_id)
  WHERE request_id IS NOT NULL;
CREATE INDEX tasks_by_state ON {schema}.tasks (state, seq);
CREATE INDEX tasks_by_directory ON {schema}.tasks (work_directory, seq);
CREATE INDEX tasks_by_worker ON {schema}.tasks (worker_id, seq) WHERE worker_id <> '';
CREATE INDEX tasks_by_priority ON {schema}.tasks (priority, seq);
CREATE INDEX tasks_by_create_time ON {schema}.tasks (create_time);
CREATE INDEX tasks_by_state_priority ON {schema}.tasks (state, priority);

CREATE TABLE {schema}.task_events (
  event_id    BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_seq    BIGINT  NOT NULL REFERENCES {schema}.tasks (seq),
  time        BIGINT  NOT NULL,
  from_state  INTEGER,
  to_state    INTEGER NOT NULL,
  actor       TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  attempt     INTEGER NOT NULL
);
CREATE INDEX task_events_by_task ON {schema}.task_events (task_seq, event_id);
CREATE INDEX task_events_by_time ON {schema}.task_events (time, to_state, from_state);

CREATE TABLE {schema}.task_tags (
  tag       TEXT   NOT NULL,
  task_seq  BIGINT NOT NULL REFERENCES {schema}.tasks (seq),
  PRIMARY KEY (tag, task_seq)
);

CREATE TABLE {schema}.directory_load (
  work_directory TEXT    PRIMARY KEY,
  working        INTEGER NOT NULL
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01);

-- Server-wide values that survive restarts: the secrets of page tokens and task ids
-- (made by migrations.py from the system's random source), the health probe's value.
CREATE TABLE {schema}.meta (
  key    TEXT  PRIMARY KEY,
  value  BYTEA NOT NULL
);
CREATE TABLE {schema}.config_revisions (
  revision  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time      BIGINT  NOT NULL,
  actor     TEXT    NOT NULL,
  changes   TEXT    NOT NULL,
  settings  TEXT    NOT NULL
);

CREATE TABLE {schema}.api_keys (
  key_id      TEXT   PRIMARY KEY,
  name        TEXT   NOT NULL,
  role        TEXT   NOT NULL,
  salt        BYTEA  NOT NULL,
  hash        BYTEA  NOT NULL,
  create_time BIGINT NOT NULL,
  expire_time BIGINT,
  revoke_time BIGINT
);
CREATE UNIQUE INDEX api_keys_active_name ON {schema}.api_keys (name) WHERE revoke_time IS NULL;

CREATE TABLE {schema}.audit_events (
  seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time      BIGINT NOT NULL,
  peer      TEXT   NOT NULL,
  principal TEXT   NOT NULL,
  method    TEXT   NOT NULL,
  outcome   TEXT   NOT NULL,
  reason    TEXT   NOT NULL
);
CREATE INDEX audit_events_by_principal ON {schema}.audit_events (principal, seq);
"""

KEY_BLOCK: Final = 4096
"""Task keys a server reserves at a time (task_key_blocks steps by this much)."""

# Version 2: seqs come from a counter row, not from the last task, so that two writers (the
# inserter beside the writer; several servers) never take the same ones. A writer holds the
# row from its allocation to its commit: inserts of two writers queue there, and nothing
# else does. It is updated in place (no indexed column changes: a HOT update). Task keys
# come in blocks from a sequence (never blocks, never rolled back), for the same reason.
_V2: Final = f"""
CREATE TABLE {{schema}}.task_counter (
  one               BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  last_seq          BIGINT  NOT NULL,
  last_create_time  BIGINT  NOT NULL
) WITH (fillfactor = 10);
INSERT INTO {{schema}}.task_counter (last_seq, last_create_time)
SELECT coalesce(max(seq), 0), coalesce(max(create_time), 0) FROM {{schema}}.tasks;
CREATE SEQUENCE {{schema}}.task_key_blocks INCREMENT BY {KEY_BLOCK} MINVALUE 1;
INSERT INTO {{schema}}.directory_load (work_directory, working)
SELECT DISTINCT work_directory, 0 FROM {{schema}}.tasks
ON CONFLICT (work_directory) DO NOTHING;
"""  # migrations.py starts the sequence after the largest key stored

# Version 3: the servers sharing the schema, one row each, beaten by its listening session
# (store/postgres/heartbeats.py): for GetServerStatus, for finding a frozen leader, and for
# a key revocation to wait until every live server has reloaded its keys. Not data: a
# backup's rows of it are not restored.
_V3: Final = """
CREATE TABLE {schema}.servers (
  id          TEXT        PRIMARY KEY,
  address     TEXT        NOT NULL,
  version     TEXT        NOT NULL,
  start_time  BIGINT      NOT NULL,
  last_seen   TIMESTAMPTZ NOT NULL,
  leader      BOOLEAN     NOT NULL,
  backend_pid INTEGER     NOT NULL,
  keys_seen   BIGINT      NOT NULL
);
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2, _V3)
SCHEMA_VERSION: Final = len(MIGRATIONS)
