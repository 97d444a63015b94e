-- trace_schema_v1.sql: version 1 of the trace database schema (share/sql/trace_schema.sql as
-- it was until the schema became version 2), kept so that tests/test_trace_db.c can make a
-- version-1 database and check that tfc upgrades it. The rest is the file as it was:
--
--
-- The one source of truth: trace/local.mk embeds this file in libtfc as a C string,
-- and tfc_trace_db_open runs it on a new database. The last line sets PRAGMA
-- user_version, the schema version; a newer tfc that changes the schema bumps it and
-- adds an upgrade step in trace/trace_db.c. Column names follow TensorFlow's
-- StepStats (step_stats.proto): times in microseconds since the epoch
-- (all_start_micros) or relative to it (*_rel_micros), with the nanosecond fields
-- beside them. Anyone may query it with sqlite3, e.g. the ten slowest ops of a step:
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

-- NodeExecStats. op is the node's type, from the run's graph (or, without one, from
-- timeline_label "name = Op(inputs)"); NULL when neither says.
CREATE TABLE IF NOT EXISTS node_stats (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  node_name TEXT NOT NULL,
  op TEXT,
  all_start_micros INTEGER NOT NULL,
  all_start_nanos INTEGER,
  op_start_rel_micros INTEGER NOT NULL,
  op_start_rel_nanos INTEGER,
  op_end_rel_micros INTEGER NOT NULL,
  op_end_rel_nanos INTEGER,
  all_end_rel_micros INTEGER NOT NULL,
  all_end_rel_nanos INTEGER,
  scheduled_micros INTEGER,
  scheduled_nanos INTEGER,
  thread_id INTEGER,
  timeline_label TEXT,
  temp_memory_size INTEGER,             -- NodeExecStats.memory_stats, when present
  persistent_memory_size INTEGER,
  device_temp_memory_size INTEGER,
  device_persistent_memory_size INTEGER
);
CREATE INDEX IF NOT EXISTS node_stats_by_step ON node_stats (run_id, step);
-- node_stats_by_op (op), node_stats_by_name (node_name) and node_stats_by_device
-- (device) are built when a writer closes the database (trace/trace_db.c): kept up
-- to date row by row, they cut the writer's rate from about 410,000 to 82,000 node
-- stats a second (bench_trace_db); built once over the sorted rows they cost little.

-- NodeOutput with its TensorDescription; shape as "[2,?,3]" (unknown rank: NULL).
CREATE TABLE IF NOT EXISTS outputs (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  node_name TEXT NOT NULL,
  slot INTEGER NOT NULL,
  dtype INTEGER,                        -- DataType number (types.proto)
  shape TEXT,
  requested_bytes INTEGER,
  allocated_bytes INTEGER,
  allocator_name TEXT,
  allocation_id INTEGER
);
CREATE INDEX IF NOT EXISTS outputs_by_step ON outputs (run_id, step);

-- AllocatorMemoryUsed: one row per node and allocator.
CREATE TABLE IF NOT EXISTS memory (
  run_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  device TEXT NOT NULL,
  node_name TEXT NOT NULL,
  allocator_name TEXT NOT NULL,
  total_bytes INTEGER,
  peak_bytes INTEGER,
  live_bytes INTEGER,
  allocator_bytes_in_use INTEGER
);
CREATE INDEX IF NOT EXISTS memory_by_step ON memory (run_id, step);

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

PRAGMA user_version = 1;
