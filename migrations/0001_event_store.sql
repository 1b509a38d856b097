-- Event store: streams, events, snapshots, and the one-round-trip append function.
-- Generic: nothing here knows what the streams are about. Code: lib/event-store/.

CREATE SCHEMA IF NOT EXISTS event_store;

-- One row per stream: its current version (= number of events) and the transaction id of its last append.
-- The row is the stream's lock: appends update it, so writers of one stream queue on it.
CREATE TABLE event_store.streams (
  stream_id           text        PRIMARY KEY,
  stream_type         text        NOT NULL,
  version             integer     NOT NULL CHECK (version >= 0),
  last_transaction_id xid8        NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_store.events (
  global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid        NOT NULL UNIQUE,
  stream_id       text        NOT NULL,
  stream_type     text        NOT NULL,
  stream_version  integer     NOT NULL CHECK (stream_version >= 1),
  type            text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}',
  -- Millisecond precision, like the instants clients see and send back (asOf): "until t" includes an event at t.
  created_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  tenant_id       text,
  is_archived     boolean     NOT NULL DEFAULT false,
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
-- No foreign key to streams: append_to_streams() is the only writer and keeps both in step; a FK check per event
-- would cost a lookup and a row lock on every insert.

-- readAll: gap-free global order.
CREATE INDEX events_transaction_order_idx ON event_store.events (transaction_id, global_position);

-- Snapshots are a cache of folded state: losing one only costs a longer replay. `schema_version` is the state
-- shape's version: readers ask for the one they understand, so a changed shape falls back to a full replay.
CREATE TABLE event_store.snapshots (
  stream_id      text        NOT NULL,
  version        integer     NOT NULL CHECK (version >= 1),
  schema_version integer     NOT NULL,
  state          jsonb       NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, version)
);

-- Appends events to several streams atomically, in one call (one round trip).
--
-- Streams are given as parallel arrays (id, type, expected version: NULL = any, 0 = no stream yet, n = exactly n);
-- events as parallel arrays whose p_event_streams[i] is the 1-based index of the event's stream. Events of one stream
-- keep their array order and get versions current+1, current+2, ...
--
-- Stream rows are locked in a fixed order (stream id, "C" collation), so two transactions appending to the same
-- pair of streams in opposite roles queue instead of deadlocking.
--
-- Raises SQLSTATE 'ES409' (DETAIL: json {streamId, actual, reason}) when
--  - reason 'version': the stream's version is not the expected one (or the stream exists for 'no stream');
--  - reason 'transaction_order': the stream's last append came from a transaction with a HIGHER transaction id than
--    this one. Appending now would put this stream's versions out of transaction-id order, which readers of the
--    global order (transaction_id, global_position) rely on. It cannot happen when the caller read the expected
--    version before its transaction wrote anything; it can with 'any' after earlier writes. Retrying the whole
--    transaction (new transaction id) resolves it.
-- Returns one row per event: (stream id, stream version, global position).
CREATE FUNCTION event_store.append_to_streams(
  p_stream_ids    text[],
  p_stream_types  text[],
  p_expected      integer[],
  p_event_streams integer[],
  p_event_ids     uuid[],
  p_event_types   text[],
  p_event_data    jsonb[],
  p_event_meta    jsonb[]
) RETURNS TABLE (appended_stream_id text, appended_version integer, appended_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_xid      xid8 := pg_current_xact_id();
  v_streams  integer := cardinality(p_stream_ids);
  v_order    integer[];  -- stream indexes in lock order
  v_counts   integer[];  -- events per stream index
  v_base     integer[];  -- version before this append, per stream index
  v_i        integer;
  v_expected integer;
  v_previous integer;
  v_actual   integer;
  v_last_xid xid8;
  v_reason   text;
  v_now      timestamptz;
BEGIN
  IF coalesce(v_streams, 0) = 0 OR coalesce(cardinality(p_event_ids), 0) = 0 THEN
    RAISE EXCEPTION 'append_to_streams: nothing to append' USING ERRCODE = '22023';
  END IF;

  IF v_streams = 1 THEN
    -- The common case, kept to plain assignments.
    IF NOT (1 = ALL (p_event_streams)) THEN
      RAISE EXCEPTION 'append_to_streams: event for an unknown stream' USING ERRCODE = '22023';
    END IF;
    v_order := ARRAY[1];
    v_counts := ARRAY[cardinality(p_event_ids)];
  ELSE
    SELECT array_agg(s.ord::integer ORDER BY s.id COLLATE "C") INTO v_order
      FROM unnest(p_stream_ids) WITH ORDINALITY AS s(id, ord);
    SELECT array_agg(coalesce(c.n, 0)::integer ORDER BY s.i) INTO v_counts
      FROM generate_subscripts(p_stream_ids, 1) AS s(i)
      LEFT JOIN (SELECT e.s, count(*) AS n FROM unnest(p_event_streams) AS e(s) GROUP BY e.s) AS c ON c.s = s.i;
    IF (SELECT count(DISTINCT id) FROM unnest(p_stream_ids) AS id) <> v_streams THEN
      RAISE EXCEPTION 'append_to_streams: a stream is given twice' USING ERRCODE = '22023';
    END IF;
    IF (SELECT sum(n) FROM unnest(v_counts) AS n) <> cardinality(p_event_ids) THEN
      RAISE EXCEPTION 'append_to_streams: event for an unknown stream' USING ERRCODE = '22023';
    END IF;
  END IF;
  v_base := array_fill(0, ARRAY[v_streams]);

  FOREACH v_i IN ARRAY v_order LOOP
    v_expected := p_expected[v_i];
    IF v_counts[v_i] = 0 THEN
      RAISE EXCEPTION 'append_to_streams: no events for stream %', p_stream_ids[v_i] USING ERRCODE = '22023';
    END IF;

    -- Existing stream: check and bump in one statement (the UPDATE waits for, then re-reads, a concurrent append).
    IF v_expected IS DISTINCT FROM 0 THEN
      UPDATE event_store.streams AS st
         SET version = st.version + v_counts[v_i], last_transaction_id = v_xid, updated_at = now()
       WHERE st.stream_id = p_stream_ids[v_i]
         AND (v_expected IS NULL OR st.version = v_expected)
         AND st.last_transaction_id <= v_xid
      RETURNING st.version - v_counts[v_i] INTO v_previous;
      IF FOUND THEN
        v_base[v_i] := v_previous;
        CONTINUE;
      END IF;
    END IF;

    -- New stream. A concurrent creator makes this wait for its outcome; if it committed, nothing is inserted.
    IF v_expected IS NULL OR v_expected = 0 THEN
      INSERT INTO event_store.streams AS st (stream_id, stream_type, version, last_transaction_id)
      VALUES (p_stream_ids[v_i], p_stream_types[v_i], v_counts[v_i], v_xid)
      ON CONFLICT (stream_id) DO NOTHING;
      IF FOUND THEN
        CONTINUE; -- base version stays 0
      END IF;
    END IF;

    -- Refused: say why.
    SELECT st.version, st.last_transaction_id INTO v_actual, v_last_xid
      FROM event_store.streams AS st WHERE st.stream_id = p_stream_ids[v_i];
    v_actual := coalesce(v_actual, 0);
    v_reason := CASE
      WHEN v_last_xid > v_xid AND (v_expected IS NULL OR v_expected = v_actual) THEN 'transaction_order'
      ELSE 'version' END;
    RAISE EXCEPTION 'Stream % is at version %, expected %', p_stream_ids[v_i], v_actual,
        coalesce(v_expected::text, 'any')
      USING ERRCODE = 'ES409',
            DETAIL = json_build_object('streamId', p_stream_ids[v_i], 'actual', v_actual, 'reason', v_reason)::text;
  END LOOP;

  -- Taken after every stream lock is held: per stream, created_at therefore never decreases with the version.
  v_now := date_trunc('milliseconds', clock_timestamp());

  IF v_streams = 1 THEN
    RETURN QUERY
    WITH inserted AS (
      INSERT INTO event_store.events AS ev
        (event_id, stream_id, stream_type, stream_version, type, data, metadata, created_at, transaction_id)
      SELECT e.event_id, p_stream_ids[1], p_stream_types[1], v_base[1] + e.ord::integer, e.type, e.data,
             coalesce(e.meta, '{}'::jsonb), v_now, v_xid
        FROM unnest(p_event_ids, p_event_types, p_event_data, p_event_meta) WITH ORDINALITY AS e(event_id, type, data, meta, ord)
       ORDER BY e.ord
      RETURNING ev.stream_id, ev.stream_version, ev.global_position
    )
    SELECT i.stream_id, i.stream_version, i.global_position FROM inserted AS i;
  ELSE
    RETURN QUERY
    WITH inserted AS (
      INSERT INTO event_store.events AS ev
        (event_id, stream_id, stream_type, stream_version, type, data, metadata, created_at, transaction_id)
      SELECT e.event_id, p_stream_ids[e.s], p_stream_types[e.s],
             v_base[e.s] + (row_number() OVER (PARTITION BY e.s ORDER BY e.ord))::integer, e.type, e.data,
             coalesce(e.meta, '{}'::jsonb), v_now, v_xid
        FROM unnest(p_event_streams, p_event_ids, p_event_types, p_event_data, p_event_meta)
             WITH ORDINALITY AS e(s, event_id, type, data, meta, ord)
       ORDER BY e.ord
      RETURNING ev.stream_id, ev.stream_version, ev.global_position
    )
    SELECT i.stream_id, i.stream_version, i.global_position FROM inserted AS i;
  END IF;
END;
$$;
