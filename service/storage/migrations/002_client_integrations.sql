-- What the real clients need: short keys for WordPress's Akismet plugin, a limit on guessing them, and the signing
-- secret of a site's Coral Talk external moderation phase.

-- A short key (12 hexadecimal characters, the only length the Akismet plugin accepts) is stored as a slow hash
-- (see sites.hash_short_key); its prefix shows 4 characters, not 8, so that listing keys reveals little of it.
ALTER TABLE api_keys ADD COLUMN short INTEGER NOT NULL DEFAULT 0 CHECK (short IN (0, 1));

-- Failed short-key lookups per client address and minute: past a limit, an address may try no more for a while.
CREATE TABLE key_failures (
    client TEXT NOT NULL,
    minute TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, minute)
) WITHOUT ROWID;

-- A site's Coral Talk external moderation phase: the secret Coral signs its requests with (Coral generates it; HMAC
-- needs it as it is, so it cannot be hashed) and what to do with comments in a language the model was not trained
-- on ('score': like any other; 'premod': send them to Coral's pre-moderation queue unless they are flagged anyway).
CREATE TABLE coral_phases (
    site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    signing_secret TEXT NOT NULL,
    untrained_languages TEXT NOT NULL DEFAULT 'score' CHECK (untrained_languages IN ('score', 'premod')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
