-- trace_schema_v2.sql: version 2 of the trace database schema (share/sql/trace_schema.sql as
-- it was until the schema became version 3, whose GPU tables replaced the placeholder
-- gpu_kernels, gpu_memcpy and gpu_api), kept so that tests/test_trace_db.c can make a
-- version-2 database and check that tfc upgrades it. The rest is the file as it was:
-- trace_schema.sql: the tfc trace database (contract 3 of docs/DESIGN.md), version 2.
--
-- The one source of truth: trace/local.mk embeds this file in libtfc as a C string,
-- and tfc_trace_db_open runs it on a new database. The last line sets PRAGMA
-- user_version, the schema version; a newer tfc that changes the schema bumps it and
-- adds an upgrade step in trace/trace_db.c. Column names follow TensorFlow's
-- StepStats (step_stats.proto) in the views node_stats, outputs and memory: times in
-- microseconds since the epoch (all_start_micros) or relative to it (*_rel_micros),
-- with the nanosecond fields beside them. The tables behind those views store each
-- name once (strings) and times in nanoseconds, so that a traced run writes fast.
-- New databases get 32 KiB pages (trace/trace_db.c), which writes these rows about a
-- quarter faster than 4 KiB. Anyone may query it with sqlite3, e.g. the ten slowest
-- ops of a step:
--   SELECT node_name, op, op_end_rel_micros - op_start_rel_micros AS us
--   FROM node_stats WHERE run_id = 1 AND step = 0 ORDER BY us DESC LIMIT 10;

-- One traced session (tfc-run invocation) or one imported RunMetadata.
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,           -- ISO 8601, UTC: 2024-05-01T12:00:00.123456Z
  started_micros INTEGER NOT NULL,    -- the same, microseconds since the epoch
  host TEXT,
  graph_name TEXT,                    -- the graph's file or a name the caller chose
  config TEXT,                        -- the session's configuration, as text
  command_line TEXT,
  tfc_version TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'tfc'  -- 'tfc' (traced here) or 'import'
);

-- The run's GraphDef (binary protobuf), so the database alone serves tfc-viz/tfc-prof.
CREATE TABLE IF NOT EXISTS graphs (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  graph_def BLOB NOT NULL
);

-- One row per Session.run traced (TensorFlow's step). start/end span its node stats
-- (NULL when it recorded none); node_count is how many NodeExecStats its RunMetadata
-- held, so a step is complete when node_stats has that many rows for it.
CREATE TABLE IF NOT EXISTS steps (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  start_micros INTEGER,
  end_micros INTEGER,
  device_count INTEGER NOT NULL,
  node_count INTEGER NOT NULL,
  run_metadata_bytes INTEGER NOT NULL, -- size of the serialized RunMetadata
  cost_graph BLOB,                     -- RunMetadata.cost_graph (CostGraphDef), if any
  first_node_row INTEGER,              -- its node_exec rows: ids first_node_row ..
  last_node_row INTEGER,               -- last_node_row (NULL when it has none)
  PRIMARY KEY (run_id, step)
);

-- DeviceStepStats: one row per device (or GPU stream) of a step.
CREATE TABLE IF NOT EXISTS devices (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  node_count INTEGER NOT NULL,
  PRIMARY KEY (run_id, step, device)
);

-- Strings that repeat from row to row and from step to step (device, node and op
-- names, timeline labels, shapes, allocator names), each stored once; the views
-- below put the text back.
CREATE TABLE IF NOT EXISTS strings (
  id INTEGER PRIMARY KEY,
  s TEXT NOT NULL UNIQUE
);

-- NodeExecStats, one row each, in the order they were written: a step's rows are
-- contiguous, and steps.first_node_row .. last_node_row is their range of ids. That
-- range is the index by step (tfc-prof reads node_exec WHERE id BETWEEN ...), so no
-- index has to be kept up to date row by row: with one, the writer managed about
-- 190,000 node stats a second; without, and with names as ids, over 1,000,000
-- (tests/bench/bench_trace_db.c). Times are kept in nanoseconds (TensorFlow's
-- *_nanos fields, or its *_micros times 1000 where a file has only those); query the
-- node_stats view for TensorFlow's names and units.
CREATE TABLE IF NOT EXISTS node_exec (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device_id INTEGER NOT NULL,           -- strings.id
  node_id INTEGER NOT NULL,             -- strings.id: node_name
  op_id INTEGER,                        -- strings.id: the node's op type, or NULL
  all_start_nanos INTEGER NOT NULL,     -- since the epoch
  op_start_rel_nanos INTEGER NOT NULL,  -- the rest relative to all_start_nanos
  op_end_rel_nanos INTEGER NOT NULL,
  all_end_rel_nanos INTEGER NOT NULL,
  scheduled_rel_nanos INTEGER,          -- NULL when not recorded
  thread_id INTEGER,
  label_id INTEGER,                     -- strings.id: timeline_label
  temp_memory_size INTEGER,             -- NodeExecStats.memory_stats, when present
  persistent_memory_size INTEGER
);

-- NodeExecStats as TensorFlow names its fields. op is the node's type, from the
-- run's graph (or, without one, from timeline_label "name = Op(inputs)"); NULL when
-- neither says.
CREATE VIEW IF NOT EXISTS node_stats AS
  SELECT n.id AS id, n.run_id AS run_id, n.step AS step, d.s AS device,
         nm.s AS node_name, o.s AS op,
         n.all_start_nanos / 1000 AS all_start_micros,
         n.all_start_nanos AS all_start_nanos,
         n.op_start_rel_nanos / 1000 AS op_start_rel_micros,
         n.op_start_rel_nanos AS op_start_rel_nanos,
         n.op_end_rel_nanos / 1000 AS op_end_rel_micros,
         n.op_end_rel_nanos AS op_end_rel_nanos,
         n.all_end_rel_nanos / 1000 AS all_end_rel_micros,
         n.all_end_rel_nanos AS all_end_rel_nanos,
         (n.all_start_nanos + n.scheduled_rel_nanos) / 1000 AS scheduled_micros,
         n.all_start_nanos + n.scheduled_rel_nanos AS scheduled_nanos,
         n.thread_id AS thread_id, l.s AS timeline_label,
         n.temp_memory_size AS temp_memory_size,
         n.persistent_memory_size AS persistent_memory_size
  FROM node_exec n
  JOIN strings d ON d.id = n.device_id
  JOIN strings nm ON nm.id = n.node_id
  LEFT JOIN strings o ON o.id = n.op_id
  LEFT JOIN strings l ON l.id = n.label_id;

-- NodeOutput with its TensorDescription, one row per output of a node_exec row.
CREATE TABLE IF NOT EXISTS node_outputs (
  node_row INTEGER NOT NULL,            -- node_exec.id
  slot INTEGER NOT NULL,
  dtype INTEGER,                        -- DataType number (types.proto)
  shape_id INTEGER,                     -- strings.id: "[2,?,3]"; NULL: unknown rank
  requested_bytes INTEGER,
  allocated_bytes INTEGER,
  allocator_id INTEGER,                 -- strings.id
  allocation_id INTEGER
);
CREATE VIEW IF NOT EXISTS outputs AS
  SELECT n.run_id AS run_id, n.step AS step, d.s AS device, nm.s AS node_name,
         x.slot AS slot, x.dtype AS dtype, sh.s AS shape,
         x.requested_bytes AS requested_bytes, x.allocated_bytes AS allocated_bytes,
         a.s AS allocator_name, x.allocation_id AS allocation_id, x.node_row AS node_row
  FROM node_outputs x
  JOIN node_exec n ON n.id = x.node_row
  JOIN strings d ON d.id = n.device_id
  JOIN strings nm ON nm.id = n.node_id
  LEFT JOIN strings sh ON sh.id = x.shape_id
  LEFT JOIN strings a ON a.id = x.allocator_id;

-- AllocatorMemoryUsed: one row per node_exec row and allocator.
CREATE TABLE IF NOT EXISTS node_memory (
  node_row INTEGER NOT NULL,            -- node_exec.id
  allocator_id INTEGER NOT NULL,        -- strings.id
  total_bytes INTEGER,
  peak_bytes INTEGER,
  live_bytes INTEGER,
  allocator_bytes_in_use INTEGER
);
CREATE VIEW IF NOT EXISTS memory AS
  SELECT n.run_id AS run_id, n.step AS step, d.s AS device, nm.s AS node_name,
         a.s AS allocator_name, x.total_bytes AS total_bytes, x.peak_bytes AS peak_bytes,
         x.live_bytes AS live_bytes, x.allocator_bytes_in_use AS allocator_bytes_in_use,
         x.node_row AS node_row
  FROM node_memory x
  JOIN node_exec n ON n.id = x.node_row
  JOIN strings d ON d.id = n.device_id
  JOIN strings nm ON nm.id = n.node_id
  JOIN strings a ON a.id = x.allocator_id;

-- Per allocator per step: total bytes allocated, the highest peak, bytes still live.
CREATE VIEW IF NOT EXISTS allocator_memory AS
  SELECT run_id, step, allocator_name, SUM(total_bytes) AS total_bytes,
         MAX(peak_bytes) AS peak_bytes, SUM(live_bytes) AS live_bytes,
         MAX(allocator_bytes_in_use) AS allocator_bytes_in_use
  FROM memory GROUP BY run_id, step, allocator_name;

-- RunMetadata.partition_graphs (RunOptions.output_partition_graphs): the GraphDef
-- each device ran, binary; device from its nodes' device field ('' if none).
CREATE TABLE IF NOT EXISTS partition_graphs (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  graph_def BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS partition_graphs_by_step ON partition_graphs (run_id, step);

-- GPU activity (CUPTI), filled by the CUDA tracer when it exists; times in ns.
CREATE TABLE IF NOT EXISTS gpu_kernels (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  stream_id INTEGER,
  correlation_id INTEGER,
  node_name TEXT,
  kernel_name TEXT NOT NULL,
  start_nanos INTEGER NOT NULL,
  end_nanos INTEGER NOT NULL,
  grid_x INTEGER, grid_y INTEGER, grid_z INTEGER,
  block_x INTEGER, block_y INTEGER, block_z INTEGER,
  registers_per_thread INTEGER,
  static_shared_memory INTEGER,
  dynamic_shared_memory INTEGER
);
CREATE INDEX IF NOT EXISTS gpu_kernels_by_step ON gpu_kernels (run_id, step);
CREATE TABLE IF NOT EXISTS gpu_memcpy (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  stream_id INTEGER,
  correlation_id INTEGER,
  node_name TEXT,
  kind TEXT NOT NULL,                   -- HtoD, DtoH, DtoD, HtoH, PtoP, memset
  bytes INTEGER NOT NULL,
  start_nanos INTEGER NOT NULL,
  end_nanos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS gpu_memcpy_by_step ON gpu_memcpy (run_id, step);
CREATE TABLE IF NOT EXISTS gpu_api (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  thread_id INTEGER,
  correlation_id INTEGER,
  name TEXT NOT NULL,                   -- cudaLaunchKernel, cudaMemcpyAsync, ...
  start_nanos INTEGER NOT NULL,
  end_nanos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS gpu_api_by_step ON gpu_api (run_id, step);

PRAGMA user_version = 2;
