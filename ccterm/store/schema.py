"""The database schema, versioned with PRAGMA user_version; each step runs once, in order.

Leads (a contact's membership in a campaign) carry their own pick order: the
partial index `leads_ready` holds only leads that may be dialled now, sorted by
(rank_major, rank_minor), so the next lead is one index seek at any list size.
Leads waiting for a retry or callback sit in `leads_waiting` by time and are
promoted when due.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # v1: the foundation
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
        grp TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        updated_at REAL NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        pid INTEGER,
        client TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        ended_at REAL,
        end_reason TEXT
    );

    CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('scheduled', 'running', 'paused', 'stopped', 'finished')),
        settings TEXT NOT NULL CHECK (json_valid(settings)),
        start_at REAL NOT NULL,
        end_at REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        created_by TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX campaigns_name ON campaigns (name COLLATE NOCASE);

    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
        file_name TEXT NOT NULL,
        columns TEXT NOT NULL DEFAULT '[]',
        region TEXT NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0,
        imported INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        invalid INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        user TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX imports_campaign ON imports (campaign_id);

    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        e164 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL DEFAULT '{}',
        timezone TEXT NOT NULL DEFAULT '',
        import_id INTEGER REFERENCES imports (id),
        created_at REAL NOT NULL
    );

    CREATE TABLE leads (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
        contact_id INTEGER NOT NULL REFERENCES contacts (id),
        state TEXT NOT NULL DEFAULT 'ready'
            CHECK (state IN ('ready', 'waiting', 'dialing', 'done', 'exhausted')),
        blocked INTEGER NOT NULL DEFAULT 0,
        priority INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at REAL,
        next_at REAL NOT NULL DEFAULT 0,
        callback_at REAL,
        callback_agent TEXT,
        last_disposition TEXT,
        rank_major INTEGER NOT NULL DEFAULT 0,
        rank_minor INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        UNIQUE (contact_id, campaign_id)  -- also finds a number's leads in every campaign
    );
    CREATE INDEX leads_ready ON leads (campaign_id, rank_major, rank_minor)
        WHERE state = 'ready' AND blocked = 0;
    CREATE INDEX leads_waiting ON leads (next_at) WHERE state = 'waiting';
    CREATE INDEX leads_campaign ON leads (campaign_id);  -- a campaign's list, page by page

    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
        contact_id INTEGER NOT NULL REFERENCES contacts (id),
        e164 TEXT NOT NULL,
        agent TEXT,
        mode TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        answered_at REAL,
        ended_at REAL,
        outcome TEXT,
        sip_code INTEGER,
        recording TEXT
    );
    CREATE INDEX attempts_lead ON attempts (lead_id);
    CREATE INDEX attempts_campaign ON attempts (campaign_id, started_at);

    CREATE TABLE dispositions (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER REFERENCES attempts (id),
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        code TEXT NOT NULL,
        agent TEXT,
        note TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        at REAL NOT NULL
    );
    CREATE INDEX dispositions_lead ON dispositions (lead_id);

    CREATE TABLE callbacks (
        id INTEGER PRIMARY KEY,
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        due_at REAL NOT NULL,
        agent TEXT,
        created_by TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        done_at REAL
    );
    CREATE INDEX callbacks_open ON callbacks (due_at) WHERE done_at IS NULL;

    CREATE TABLE dnc (
        e164 TEXT PRIMARY KEY,
        reason TEXT NOT NULL DEFAULT '',
        added_by TEXT NOT NULL DEFAULT '',
        added_at REAL NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE number_marks (
        e164 TEXT PRIMARY KEY,
        mark TEXT NOT NULL CHECK (mark IN ('wrong_number', 'fax')),
        set_by TEXT NOT NULL DEFAULT '',
        set_at REAL NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts (id),
        lead_id INTEGER REFERENCES leads (id),
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX notes_contact ON notes (contact_id);

    CREATE TABLE event_log (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # v2: compliance. When a call reached an agent or was abandoned (the abandon-rate
    # windows are counted from these), and a number's attempts by time (the abandon
    # lockout holds for a number in every campaign).
    """
    ALTER TABLE attempts ADD COLUMN connected_at REAL;
    ALTER TABLE attempts ADD COLUMN abandoned_at REAL;
    CREATE INDEX attempts_e164 ON attempts (e164, started_at);
    CREATE INDEX attempts_abandoned ON attempts (campaign_id, abandoned_at)
        WHERE abandoned_at IS NOT NULL;
    """,
    # v3: archived campaigns. Archiving keeps a campaign's contacts, calls and
    # dispositions for reports and hides it from agents and the dialer.
    """
    ALTER TABLE campaigns ADD COLUMN archived_at REAL;
    """,
    # v4: inbound. Every inbound call with its path through menus and queues (the
    # queue report is counted from these), and the callbacks that keep a caller's place
    # in line (also voicemail tasks). A callback is marked `placing` in its own commit
    # before it is dialled, so a crash never places it twice: one found `placing` at a
    # restart goes to `review`, for a person to decide (store/inbound.py).
    # `queue` is the last queue the call was in, `entered_at` its first entry into any
    # (kept across overflows: the caller's place); the queues it passed are in `path`.
    """
    CREATE TABLE inbound_calls (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL UNIQUE,
        did TEXT NOT NULL,
        client TEXT NOT NULL DEFAULT '',
        caller TEXT NOT NULL DEFAULT '',
        e164 TEXT,
        contact_id INTEGER REFERENCES contacts (id),
        path TEXT NOT NULL DEFAULT '[]',
        queue TEXT,
        arrived_at REAL NOT NULL,
        entered_at REAL,
        offered_at REAL,
        answered_at REAL,
        agent TEXT,
        ended_at REAL,
        hung_up_by TEXT CHECK (hung_up_by IN ('caller', 'agent', 'system')),
        outcome TEXT CHECK (outcome IN (
            'answered', 'abandoned', 'overflowed', 'voicemail', 'callback', 'closed',
            'not_in_service', 'menu_hangup', 'failed')),
        recording TEXT,
        disposition TEXT,
        disposition_note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX inbound_queue ON inbound_calls (queue, arrived_at);
    CREATE INDEX inbound_entered ON inbound_calls (entered_at) WHERE entered_at IS NOT NULL;
    CREATE INDEX inbound_open ON inbound_calls (arrived_at) WHERE ended_at IS NULL;
    CREATE INDEX inbound_e164 ON inbound_calls (e164, arrived_at);

    CREATE TABLE queue_callbacks (
        id INTEGER PRIMARY KEY,
        inbound_id INTEGER NOT NULL REFERENCES inbound_calls (id),
        queue TEXT NOT NULL,
        e164 TEXT NOT NULL,
        entered_at REAL NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'waiting'
            CHECK (state IN ('waiting', 'placing', 'done', 'expired', 'failed', 'review')),
        retry_at REAL,
        placing_at REAL,
        agent TEXT,
        voicemail TEXT,
        language TEXT NOT NULL DEFAULT 'en',
        done_at REAL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX queue_callbacks_open ON queue_callbacks (queue, entered_at)
        WHERE state IN ('waiting', 'placing', 'review');
    """,
    # v5: the wallboard's figures of today: every inbound call by its arrival (answered
    # calls per agent, callbacks included, which join no queue).
    """
    CREATE INDEX inbound_arrived ON inbound_calls (arrived_at);
    """,
    # v6: every agent's states over time (ready, on call, wrap-up, paused and why,
    # offline), for the per-agent report: logged-in time, pauses by reason, wrap-up.
    """
    CREATE TABLE agent_log (
        id INTEGER PRIMARY KEY,
        agent TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        since REAL NOT NULL,
        until REAL
    );
    CREATE INDEX agent_log_agent ON agent_log (agent, since);
    CREATE INDEX agent_log_since ON agent_log (since);
    CREATE INDEX agent_log_open ON agent_log (agent) WHERE until IS NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
