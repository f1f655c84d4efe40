-- Sign-in security: sessions held server-side, and failed sign-ins counted for throttling.

-- A moderator's session: the signed cookie carries a random token, the database its SHA-256. Signing out deletes the
-- row (a copied cookie stops working), changing the password deletes all of the user's rows. Times are Unix seconds.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins per account (the username as typed, lowercased, known or not) and per client address, counted
-- over a window that starts at the first failure; a subject past its threshold is locked until locked_until.
CREATE TABLE sign_in_failures (
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    first_at REAL NOT NULL,
    last_at REAL NOT NULL,
    locked_until REAL,
    PRIMARY KEY (scope, subject)
) WITHOUT ROWID;
