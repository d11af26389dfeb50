"""Numbered schema steps; a database is at the version in `PRAGMA user_version`."""

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
)
