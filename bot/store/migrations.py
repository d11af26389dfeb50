"""Numbered schema steps. A SQLite database is at the version in `PRAGMA user_version`."""

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions as versioned documents (undo/redo moves a pointer), channel rules, links
    """
    CREATE TABLE channels (
        key TEXT PRIMARY KEY,
        banned TEXT NOT NULL DEFAULT '[]',
        active_session TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        prompt TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX sessions_by_channel ON sessions (channel);
    CREATE TABLE versions (
        session_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        label TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (session_id, version)
    );
    CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL);
    CREATE TABLE message_links (
        message_id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        session_id TEXT NOT NULL,
        track_id TEXT NOT NULL
    );
    CREATE TABLE catalog (key TEXT PRIMARY KEY, data TEXT NOT NULL);
    """,
    # 2: per-tenant settings, token usage, encrypted secrets, the grounding cache
    """
    CREATE INDEX message_links_by_track ON message_links (track_id);
    CREATE TABLE settings (
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, name)
    );
    CREATE TABLE usage (
        channel TEXT NOT NULL,
        at REAL NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL
    );
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL);
    CREATE TABLE grounding (query TEXT PRIMARY KEY, result TEXT NOT NULL, at REAL NOT NULL);
    """,
    # 3: the channel's rules as each step found them, so undo reverts only that step's bans
    """
    ALTER TABLE versions ADD COLUMN rules_before TEXT;
    """,
    # 4: leases, so processes sharing the database plan one round per channel at a time
    """
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL);
    """,
)

# PostgreSQL starts at SQLite's version 3 schema; a database is at max(schema_version.version).
# `sessions.top` is the highest version kept, so a step knows of a redo tail without a scan.
POSTGRES: tuple[str, ...] = (
    """
    CREATE TABLE channels (
        key text PRIMARY KEY,
        banned text NOT NULL DEFAULT '[]',
        active_session text,
        updated_at double precision NOT NULL
    );
    CREATE TABLE sessions (
        id text PRIMARY KEY,
        channel text NOT NULL,
        prompt text NOT NULL,
        version integer NOT NULL,
        top integer NOT NULL,
        created_at double precision NOT NULL,
        updated_at double precision NOT NULL
    );
    CREATE INDEX sessions_by_channel ON sessions (channel);
    CREATE TABLE versions (
        session_id text NOT NULL,
        version integer NOT NULL,
        label text NOT NULL,
        state text NOT NULL,
        created_at double precision NOT NULL,
        rules_before text,
        PRIMARY KEY (session_id, version)
    );
    CREATE TABLE seen_events (event_id text PRIMARY KEY, at double precision NOT NULL);
    CREATE INDEX seen_events_by_age ON seen_events (at);
    CREATE TABLE message_links (
        message_id text PRIMARY KEY,
        channel text NOT NULL,
        session_id text NOT NULL,
        track_id text NOT NULL
    );
    CREATE INDEX message_links_by_track ON message_links (track_id);
    CREATE TABLE catalog (key text PRIMARY KEY, data text NOT NULL);
    CREATE TABLE settings (
        scope text NOT NULL,
        name text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (scope, name)
    );
    CREATE TABLE usage (
        channel text NOT NULL,
        at double precision NOT NULL,
        model text NOT NULL,
        input_tokens bigint NOT NULL,
        cache_read_tokens bigint NOT NULL,
        cache_write_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL
    );
    CREATE TABLE secrets (
        name text PRIMARY KEY, value text NOT NULL, updated_at double precision NOT NULL
    );
    CREATE TABLE grounding (
        query text PRIMARY KEY, result text NOT NULL, at double precision NOT NULL
    );
    """,
    # 2: leases, so processes sharing the database plan one round per channel at a time
    """
    CREATE TABLE leases (
        name text PRIMARY KEY, holder text NOT NULL, until double precision NOT NULL
    );
    """,
)
