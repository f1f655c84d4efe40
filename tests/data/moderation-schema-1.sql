-- A database written by the service before its schema moved to numbered .sql files (schema version 1),
-- dumped with sqlite3's iterdump: the upgrade tests load it and migrate it.
BEGIN TRANSACTION;
CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        label TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
INSERT INTO "api_keys" VALUES(1,1,'34c26e154bab5ff544f29f8747a691d0fedd3b8a51655f27d0f585b1b2753970','01234567','wp','2025-01-02T03:04:05.000Z',NULL);
CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        request_id TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('api', 'akismet', 'perspective')),
        comment_id TEXT,
        thread_id TEXT,
        article_url TEXT,
        text TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        scores TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'hold', 'reject')),
        flagged TEXT NOT NULL DEFAULT '[]',
        reasons TEXT NOT NULL DEFAULT '[]',
        spam INTEGER NOT NULL DEFAULT 0 CHECK (spam IN (0, 1)),
        model_version TEXT NOT NULL,
        review_status TEXT CHECK (review_status IN ('pending', 'decided')),
        created_at TEXT NOT NULL
    );
INSERT INTO "comments" VALUES(1,1,'r1','api','c-1',NULL,NULL,'You are an idiot','{}','{"toxicity": 0.8}','hold','["toxicity"]','[]',0,'m1','pending','2025-01-02T03:04:05.000Z');
CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        comment_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('spam', 'ham', 'abusive', 'not_abusive', 'approved', 'rejected')),
        labels TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL CHECK (source IN ('api', 'akismet', 'perspective', 'moderator')),
        moderator TEXT,
        note TEXT,
        text TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        counted_as TEXT CHECK (counted_as IN ('missed_spam', 'false_positives')),
        counted_month TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (site_id, comment_id)
    );
INSERT INTO "feedback" VALUES(1,1,'c-0','spam','{}','api',NULL,NULL,'buy pills','{}','missed_spam','2025-01','2025-01-02T03:04:05.000Z','2025-01-02T03:04:05.000Z');
CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
        message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
INSERT INTO "jobs" VALUES(1,1,'retrain','queued',0.0,'done','2025-01-01T00:00:00.000Z','2025-01-01T00:00:00.000Z');
CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        site_id INTEGER REFERENCES sites(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
        report TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
INSERT INTO "models" VALUES(1,1,'v1','models/site-1/v1/model.joblib','aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa','active','{}','2025-01-01T00:00:00.000Z','2025-01-01T00:00:00.000Z');
CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        policy TEXT NOT NULL DEFAULT '{}',
        store_comments INTEGER NOT NULL DEFAULT 1 CHECK (store_comments IN (0, 1)),
        approved_sample_rate REAL CHECK (approved_sample_rate IS NULL OR approved_sample_rate BETWEEN 0 AND 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
INSERT INTO "sites" VALUES(1,'https://news.example.com','News','{}',1,NULL,'2025-01-01T00:00:00.000Z','2025-01-01T00:00:00.000Z');
CREATE TABLE usage (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        month TEXT NOT NULL,
        api_calls INTEGER NOT NULL DEFAULT 0,
        spam INTEGER NOT NULL DEFAULT 0,
        ham INTEGER NOT NULL DEFAULT 0,
        missed_spam INTEGER NOT NULL DEFAULT 0,
        false_positives INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (site_id, month)
    ) WITHOUT ROWID;
INSERT INTO "usage" VALUES(1,'2025-01',1,0,1,1,0);
CREATE TABLE user_sites (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, site_id)
    ) WITHOUT ROWID;
INSERT INTO "user_sites" VALUES(1,1);
CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
INSERT INTO "users" VALUES(1,'ann','pbkdf2:sha256:x','2025-01-01T00:00:00.000Z');
CREATE INDEX api_keys_site ON api_keys(site_id);
CREATE INDEX comments_site_verdict ON comments(site_id, verdict, created_at);
CREATE INDEX comments_site_review ON comments(site_id, review_status, created_at) WHERE review_status IS NOT NULL;
CREATE INDEX comments_site_comment ON comments(site_id, comment_id);
CREATE TRIGGER comments_count_check AFTER INSERT ON comments
    BEGIN
        INSERT INTO usage (site_id, month, api_calls, spam, ham)
        VALUES (NEW.site_id, substr(NEW.created_at, 1, 7), 1, NEW.spam, 1 - NEW.spam)
        ON CONFLICT (site_id, month) DO UPDATE SET
            api_calls = api_calls + 1, spam = spam + excluded.spam, ham = ham + excluded.ham;
    END;
CREATE UNIQUE INDEX models_one_active ON models(COALESCE(site_id, 0)) WHERE status = 'active';
CREATE INDEX models_site ON models(site_id, status);
CREATE INDEX jobs_site_status ON jobs(site_id, status, created_at);
COMMIT;
PRAGMA user_version = 1;
