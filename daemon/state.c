/* state: see state.h. */
#include "daemon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"

enum {
    Q_GROUP_GET, Q_GROUP_PUT, Q_GROUPS, Q_SEEN_ADD, Q_SEEN_PRUNE, Q_FINDING_ADD, Q_FINDING_COUNT,
    Q_OUTBOX_ADD, Q_OUTBOX_DUE, Q_OUTBOX_DONE, Q_OUTBOX_RETRY, Q_OUTBOX_EXPIRE, Q_OUTBOX_PENDING,
    Q_DET_PUT, Q_DETS, Q_REQ_ADD, Q_FINDING_SUPPRESS, Q_FINDINGS,
    /* Firehose's, prepared when first used: `status` may read a file from a
     * release that had no such tables, and a read-only open adds none. */
    Q_FH_FIRST, Q_FH_PRUNE_REQ = Q_FH_FIRST, Q_FH_EVENT_ADD, Q_FH_PRUNE_EVENTS, Q_FH_GROUP_ADD, Q_FH_GROUPS,
    Q_JOURNAL_ADD, Q_JOURNAL, Q_JOURNAL_CLEAR,
    Q_COUNT
};

#define GROUP_COLS                                                                                             \
    "watermark_ms, last_poll_ms, last_event_ms, events, last_error, last_error_ms, deep_poll_ms, rate_eps, "   \
    "late_prev_ms, late_cur_ms"
/* The same read from a file before step 2, which `status` opens as it is. */
#define GROUP_COLS_1                                                                                           \
    "watermark_ms, last_poll_ms, last_event_ms, events, last_error, last_error_ms, deep_poll_ms, 0.0, 0, 0"

#define FINDING_COLS "id, detector, severity, function, time_ms, created_ms, json, suppressed_by"

static const char *const sql[Q_COUNT] = {
    [Q_GROUP_GET] = "SELECT " GROUP_COLS " FROM groups WHERE name = ?1",
    [Q_GROUP_PUT] = "INSERT INTO groups(name, watermark_ms, last_poll_ms, last_event_ms, events, last_error, "
                    "last_error_ms, deep_poll_ms, rate_eps, late_prev_ms, late_cur_ms) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(name) DO UPDATE "
                    "SET watermark_ms = ?2, last_poll_ms = ?3, last_event_ms = ?4, events = ?5, last_error = ?6, "
                    "last_error_ms = ?7, deep_poll_ms = ?8, rate_eps = ?9, late_prev_ms = ?10, late_cur_ms = ?11",
    [Q_GROUPS] = "SELECT name, " GROUP_COLS " FROM groups ORDER BY name",
    [Q_SEEN_ADD] = "INSERT OR IGNORE INTO seen(group_name, event_id, ts_ms) VALUES (?1, ?2, ?3)",
    [Q_SEEN_PRUNE] = "DELETE FROM seen WHERE group_name = ?1 AND ts_ms < ?2",
    [Q_FINDING_ADD] = "INSERT OR IGNORE INTO findings(id, detector, severity, function, time_ms, json, created_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_FINDING_COUNT] = "SELECT count(*) FROM findings",
    [Q_OUTBOX_ADD] = "INSERT OR IGNORE INTO outbox(webhook, finding_id, created_ms, next_attempt_ms) "
                     "VALUES (?1, ?2, ?3, ?3)",
    [Q_OUTBOX_DUE] = "SELECT o.webhook, o.finding_id, o.created_ms, o.attempts, o.next_attempt_ms, f.json "
                     "FROM outbox o JOIN findings f ON f.id = o.finding_id "
                     "WHERE o.delivered_ms IS NULL AND o.gave_up_ms IS NULL AND o.next_attempt_ms <= ?1 "
                     "ORDER BY o.created_ms, o.finding_id LIMIT ?2",
    [Q_OUTBOX_DONE] = "UPDATE outbox SET delivered_ms = ?3, attempts = attempts + 1 "
                      "WHERE webhook = ?1 AND finding_id = ?2",
    [Q_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?3, last_status = ?4, "
                       "last_error = ?5 WHERE webhook = ?1 AND finding_id = ?2",
    [Q_OUTBOX_EXPIRE] = "UPDATE outbox SET gave_up_ms = ?3 WHERE webhook = ?1 AND created_ms < ?2 "
                        "AND delivered_ms IS NULL AND gave_up_ms IS NULL",
    [Q_OUTBOX_PENDING] = "SELECT count(*) FROM outbox WHERE delivered_ms IS NULL AND gave_up_ms IS NULL",
    [Q_DET_PUT] = "INSERT INTO detector_state(detector, blob, saved_ms) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(detector) DO UPDATE SET blob = ?2, saved_ms = ?3",
    [Q_DETS] = "SELECT detector, blob FROM detector_state ORDER BY detector",
    [Q_REQ_ADD] = "INSERT OR IGNORE INTO firehose_requests(request_id, received_ms) VALUES (?1, ?2)",
    [Q_FINDING_SUPPRESS] = "UPDATE findings SET suppressed_by = ?2 WHERE id = ?1",
    [Q_FINDINGS] = "SELECT " FINDING_COLS " FROM findings WHERE time_ms >= ?1 AND severity >= ?2 "
                   "AND (?3 IS NULL OR detector = ?3) AND (suppressed_by IS NOT NULL) = ?4 ORDER BY time_ms, id",
    [Q_FH_PRUNE_REQ] = "DELETE FROM firehose_requests WHERE received_ms < ?1",
    [Q_FH_EVENT_ADD] = "INSERT OR IGNORE INTO firehose_events(key, received_ms) VALUES (?1, ?2)",
    [Q_FH_PRUNE_EVENTS] = "DELETE FROM firehose_events WHERE received_ms < ?1",
    [Q_FH_GROUP_ADD] = "INSERT INTO firehose_groups(name, events, duplicates, last_event_ms) VALUES (?1, ?2, ?3, ?4) "
                       "ON CONFLICT(name) DO UPDATE SET events = events + ?2, duplicates = duplicates + ?3, "
                       "last_event_ms = max(last_event_ms, ?4)",
    [Q_FH_GROUPS] = "SELECT name, events, duplicates, last_event_ms FROM firehose_groups ORDER BY name",
    [Q_JOURNAL_ADD] = "INSERT INTO journal(blob) VALUES (?1)",
    [Q_JOURNAL] = "SELECT blob FROM journal ORDER BY seq",
    [Q_JOURNAL_CLEAR] = "DELETE FROM journal",
};

/* The schema, as migration steps: PRAGMA user_version N means steps 1..N
 * are applied. Each step runs in one transaction with its user_version bump,
 * so a step that fails changes nothing. Never edit a released step: append
 * one. Step 1 is release 1's tables, written idempotently: release 1 kept its
 * version in meta and left user_version 0, so its files (and older ones,
 * before deep_poll_ms) run step 1 over tables that are already there. */
const lw_state_migration lw_state_migrations[] = {
    {"release 1 tables",
     "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
     "CREATE TABLE IF NOT EXISTS groups(name TEXT PRIMARY KEY, watermark_ms INTEGER NOT NULL DEFAULT 0,"
     "  last_poll_ms INTEGER NOT NULL DEFAULT 0, last_event_ms INTEGER NOT NULL DEFAULT 0,"
     "  events INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_error_ms INTEGER NOT NULL DEFAULT 0,"
     "  deep_poll_ms INTEGER NOT NULL DEFAULT 0);"
     /* a file from before deep_poll_ms: 0 makes the first poll a full re-read
      * from last_poll_ms - lookback, exactly what that version did on every poll */
     "ALTER TABLE groups ADD COLUMN deep_poll_ms INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE IF NOT EXISTS seen(group_name TEXT NOT NULL, event_id TEXT NOT NULL, ts_ms INTEGER NOT NULL,"
     "  PRIMARY KEY(group_name, event_id)) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS seen_ts ON seen(group_name, ts_ms);"
     "CREATE TABLE IF NOT EXISTS findings(id TEXT PRIMARY KEY, detector TEXT NOT NULL, severity INTEGER NOT NULL,"
     "  function TEXT, time_ms INTEGER, json TEXT NOT NULL, created_ms INTEGER NOT NULL);"
     "CREATE TABLE IF NOT EXISTS outbox(webhook TEXT NOT NULL, finding_id TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL,"
     "  last_status INTEGER, last_error TEXT, delivered_ms INTEGER, gave_up_ms INTEGER,"
     "  PRIMARY KEY(webhook, finding_id));"
     "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_attempt_ms) WHERE delivered_ms IS NULL AND gave_up_ms IS NULL;"
     "CREATE TABLE IF NOT EXISTS detector_state(detector TEXT PRIMARY KEY, blob BLOB NOT NULL, saved_ms INTEGER);"
     "CREATE TABLE IF NOT EXISTS firehose_requests(request_id TEXT PRIMARY KEY, received_ms INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS firehose_requests_age ON firehose_requests(received_ms);"
     /* key: a digest of (group, event id), compact whatever their length */
     "CREATE TABLE IF NOT EXISTS firehose_events(key BLOB PRIMARY KEY, received_ms INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX IF NOT EXISTS firehose_events_age ON firehose_events(received_ms);"
     "CREATE TABLE IF NOT EXISTS firehose_groups(name TEXT PRIMARY KEY, events INTEGER NOT NULL DEFAULT 0,"
     "  duplicates INTEGER NOT NULL DEFAULT 0, last_event_ms INTEGER NOT NULL DEFAULT 0);"},
    {"the scheduler's estimates per group",
     "ALTER TABLE groups ADD COLUMN rate_eps REAL NOT NULL DEFAULT 0;"
     "ALTER TABLE groups ADD COLUMN late_prev_ms INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE groups ADD COLUMN late_cur_ms INTEGER NOT NULL DEFAULT 0;"},
    /* the [suppress NAME] that muted a finding: kept, never delivered */
    {"suppressed findings", "ALTER TABLE findings ADD COLUMN suppressed_by TEXT;"},
    /* the events analysed since detector_state was saved, in order (state.h) */
    {"the event journal", "CREATE TABLE journal(seq INTEGER PRIMARY KEY, blob BLOB NOT NULL);"},
};
/* Read by the read-only open of a file before step 2, instead of sql[]. */
static const char *const sql_1[Q_COUNT] = {
    [Q_GROUP_GET] = "SELECT " GROUP_COLS_1 " FROM groups WHERE name = ?1",
    [Q_GROUPS] = "SELECT name, " GROUP_COLS_1 " FROM groups ORDER BY name",
};
/* ... and before step 3: nothing was suppressed then. */
static const char *const sql_2[Q_COUNT] = {
    [Q_FINDINGS] = "SELECT id, detector, severity, function, time_ms, created_ms, json, NULL FROM findings "
                   "WHERE time_ms >= ?1 AND severity >= ?2 AND (?3 IS NULL OR detector = ?3) AND ?4 = 0 "
                   "ORDER BY time_ms, id",
};
const int lw_state_nmigrations = (int)(sizeof lw_state_migrations / sizeof lw_state_migrations[0]);

struct lw_state {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    int version;             /* the file's user_version */
    char err[512];
    char warning[1024];
};

static int fail(lw_state *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

const char *lw_state_error(const lw_state *s) { return s->err; }

/* The state holds findings (with the log lines that raised them) and
 * webhook deliveries: it is the daemon's alone. A file we own that others
 * can read is fixed (it was made by an older version or by hand; nothing
 * needs it readable), one owned by another user only warned about. */
static void restrict_mode(int fd, const char *path, lw_state *s)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !(st.st_mode & 077))
        return;
    size_t l = strlen(s->warning);
    if (st.st_uid == geteuid() && fchmod(fd, st.st_mode & 0700) == 0)
        snprintf(s->warning + l, sizeof s->warning - l, "%s%s was mode %04o, readable by others than its owner: now %04o", l ? "; " : "",
                 path, (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 0700));
    else
        snprintf(s->warning + l, sizeof s->warning - l, "%s%s is mode %04o and not ours to change: users other than "
                 "its owner can read the findings in it (chmod 600 it)", l ? "; " : "", path, (unsigned)(st.st_mode & 07777));
}

/* Creates the file 0600 before SQLite opens it: SQLite would create it
 * 0644 less the umask, and gives its -wal and -shm files the main file's
 * mode. Existing ones (the -wal and -shm of an older version too) have
 * their group and other bits removed. */
static int prepare_file(const char *path, lw_state *s, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fchmod(fd, 0600); /* exact, whatever the umask took away */
    } else if (errno == EEXIST) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot open state file %s: %s", path, strerror(errno));
        return -1;
    }
    restrict_mode(fd, path, s);
    close(fd);
    static const char *const side[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, side[i]);
        if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
            restrict_mode(fd, p, s);
            close(fd);
        }
    }
    return 0;
}

static const char *query_sql(const lw_state *s, int i)
{
    if (s->version < 2 && sql_1[i])
        return sql_1[i];
    return s->version < 3 && sql_2[i] ? sql_2[i] : sql[i];
}

/* A read-only open prepares only the queries that read: an older file's
 * tables may lack a column only the writes name (and writes are refused). */
static int prepare_queries(lw_state *s, const char *path, bool readonly, char *err, size_t errlen)
{
    for (int i = 0; i < Q_FH_FIRST; i++) {
        if (readonly && strncmp(sql[i], "SELECT", 6) != 0)
            continue;
        if (sqlite3_prepare_v3(s->db, query_sql(s, i), -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "state file %s: preparing query %d: %s", path, i, sqlite3_errmsg(s->db));
            return -1;
        }
    }
    return 0;
}

/* PRAGMA user_version, or -1 when the file cannot be read as a database. */
static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* SQLite has no ADD COLUMN IF NOT EXISTS, and fails such a statement
 * while preparing it: true when p is an "ALTER TABLE t ADD COLUMN c ..."
 * whose column t already has, so that the step skips it. */
static bool column_already_there(sqlite3 *db, const char *p)
{
    char table[128], column[128];
    int n = 0;
    if (sscanf(p, "ALTER TABLE %127s ADD COLUMN %127s%n", table, column, &n) != 2 || n == 0)
        return false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    bool there = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return there;
}

/* Runs step `version` (1-based) and sets user_version to it, in one
 * transaction. Re-reads user_version inside it: another process (a second
 * daemon started by mistake) may have migrated meanwhile. */
static int run_step(sqlite3 *db, const lw_state_migration *m, int version, const char *path, char *err, size_t errlen)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "state file %s: cannot migrate (step %d, %s): %s", path, version, m->what,
                 sqlite3_errmsg(db));
        return -1;
    }
    bool done = user_version(db) >= version;
    const char *p = done ? "" : m->sql;
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && *p) {
        while (*p == ' ' || *p == '\n' || *p == ';')
            p++;
        if (!*p)
            break;
        if (column_already_there(db, p)) {
            const char *end = strchr(p, ';');
            p = end ? end + 1 : p + strlen(p);
            continue;
        }
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        if ((rc = sqlite3_prepare_v2(db, p, -1, &st, &tail)) != SQLITE_OK)
            break;
        while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        if (st)
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_finalize(st);
        p = tail;
    }
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version);
    if (rc == SQLITE_OK && (done || sqlite3_exec(db, bump, NULL, NULL, NULL) == SQLITE_OK) &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "state file %s: migration step %d (%s) failed, file left at version %d: %s", path, version,
             m->what, version - 1, sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

lw_state *lw_state_open(const char *path, char *err, size_t errlen)
{
    return lw_state_open_steps(path, lw_state_migrations, lw_state_nmigrations, err, errlen);
}

lw_state *lw_state_open_steps(const char *path, const lw_state_migration *steps, int nsteps, char *err,
                              size_t errlen)
{
    lw_state *s = lw_xcalloc(1, sizeof *s);
    if (prepare_file(path, s, err, errlen) < 0) {
        free(s);
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open state file %s: %s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        lw_state_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000); /* `lambdaward status` may read alongside */
    /* Before anything writes (even the journal mode): a file from a newer
     * release is refused as it is, so that release can still use it. */
    int v = user_version(s->db);
    if (v < 0 || v > nsteps) {
        if (v < 0)
            snprintf(err, errlen, "cannot read state file %s: %s", path, sqlite3_errmsg(s->db));
        else
            snprintf(err, errlen, "state file %s has schema version %d, newer than this lambdaward knows (%d): "
                     "it was written by a newer release; left untouched (run that release, or move the file away)",
                     path, v, nsteps);
        lw_state_close(s);
        return NULL;
    }
    char *msg = NULL;
    /* 1 MiB of page cache (SQLite's default is 2): the hot pages are the
     * recent end of `seen` and the group rows; the OS caches the rest. */
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                            "PRAGMA cache_size=-1024;", NULL, NULL,
                     &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot initialise state file %s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        lw_state_close(s);
        return NULL;
    }
    for (int i = v; i < nsteps; i++) {
        if (run_step(s->db, &steps[i], i + 1, path, err, errlen) < 0) {
            lw_state_close(s);
            return NULL;
        }
    }
    s->version = nsteps;
    if (prepare_queries(s, path, false, err, errlen) < 0) {
        lw_state_close(s);
        return NULL;
    }
    return s;
}

/* SQLite's URI filenames give '%', '?' and '#' a meaning: every byte but
 * the plainest is %-encoded (SQLite decodes any %XX). */
static void uri_path(lw_buf *b, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
            lw_buf_putc(b, (char)*p);
        } else {
            lw_buf_putc(b, '%');
            lw_buf_putc(b, hex[*p >> 4]);
            lw_buf_putc(b, hex[*p & 15]);
        }
    }
}

lw_state *lw_state_open_readonly(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "no state file at %s: %s (has the daemon run yet?)", path, strerror(errno));
        return NULL;
    }
    /* SQLite deletes the -wal at the last connection's close: without one
     * no daemon has the file open, and "immutable" reads it without
     * locks, so without creating a -shm (which a read-only directory would
     * refuse). With one, a daemon may be writing: mode=ro reads through
     * its -wal and -shm, as any WAL reader, and creates nothing. */
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    bool live = access(wal, F_OK) == 0;
    lw_buf uri = LW_BUF_INIT;
    /* "file://" then an absolute path: an empty authority, whatever the path's first characters are */
    lw_buf_puts(&uri, path[0] == '/' ? "file://" : "file:");
    uri_path(&uri, path);
    lw_buf_puts(&uri, live ? "?mode=ro" : "?mode=ro&immutable=1");
    lw_state *s = lw_xcalloc(1, sizeof *s);
    int rc = sqlite3_open_v2(uri.p, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, NULL);
    lw_buf_free(&uri);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read state file %s: %s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        lw_state_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    s->version = user_version(s->db);
    if (s->version < 0 || s->version > lw_state_nmigrations) {
        if (s->version < 0)
            snprintf(err, errlen, "cannot read state file %s: %s", path, sqlite3_errmsg(s->db));
        else
            snprintf(err, errlen, "state file %s has schema version %d, newer than this lambdaward knows (%d): "
                     "it was written by a newer release", path, s->version, lw_state_nmigrations);
        lw_state_close(s);
        return NULL;
    }
    /* Never migrates: an older file is read as it is while its tables
     * answer our queries (release 1's do, for what status reads). */
    char why[512];
    if (prepare_queries(s, path, true, why, sizeof why) < 0) {
        if (s->version < lw_state_nmigrations)
            snprintf(err, errlen, "state file %s has schema version %d, older than this lambdaward's %d: "
                     "start the daemon (lambdaward run) once to migrate it (%s)", path, s->version,
                     lw_state_nmigrations, why);
        else
            snprintf(err, errlen, "%s", why);
        lw_state_close(s);
        return NULL;
    }
    return s;
}

int lw_state_schema_version(const lw_state *s) { return s->version; }

const char *lw_state_warning(const lw_state *s) { return s->warning; }

void lw_state_close(lw_state *s)
{
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s);
}

int lw_state_begin(lw_state *s)
{
    return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(s, "begin");
}

int lw_state_commit(lw_state *s)
{
    return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(s, "commit");
}

void lw_state_rollback(lw_state *s) { sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); }

static sqlite3_stmt *q(lw_state *s, int i)
{
    if (!s->q[i] && sqlite3_prepare_v3(s->db, query_sql(s, i), -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK) {
        fail(s, "preparing a query");
        return NULL;
    }
    sqlite3_reset(s->q[i]);
    sqlite3_clear_bindings(s->q[i]);
    return s->q[i];
}

/* Runs a write statement; returns sqlite3_changes() or -1. */
static int exec(lw_state *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fail(s, what);
    return sqlite3_changes(s->db);
}

/* The (name, id, time) head that the seen and outbox statements share:
 * group or webhook, event or finding id, a time in ms. */
static sqlite3_stmt *q_key_ms(lw_state *s, int i, const char *name, const char *id, int64_t ms)
{
    sqlite3_stmt *st = q(s, i);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ms);
    return st;
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_group(sqlite3_stmt *st, int base, lw_group_state *g)
{
    g->watermark_ms = sqlite3_column_int64(st, base);
    g->last_poll_ms = sqlite3_column_int64(st, base + 1);
    g->last_event_ms = sqlite3_column_int64(st, base + 2);
    g->events = sqlite3_column_int64(st, base + 3);
    copy_col(g->last_error, sizeof g->last_error, st, base + 4);
    g->last_error_ms = sqlite3_column_int64(st, base + 5);
    g->deep_poll_ms = sqlite3_column_int64(st, base + 6);
    g->rate_eps = sqlite3_column_double(st, base + 7);
    g->late_prev_ms = sqlite3_column_int64(st, base + 8);
    g->late_cur_ms = sqlite3_column_int64(st, base + 9);
}

int lw_state_group_get(lw_state *s, const char *group, lw_group_state *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", group);
    sqlite3_stmt *st = q(s, Q_GROUP_GET);
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_group(st, 0, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fail(s, "reading a group checkpoint");
}

int lw_state_group_put(lw_state *s, const lw_group_state *g)
{
    sqlite3_stmt *st = q(s, Q_GROUP_PUT);
    sqlite3_bind_text(st, 1, g->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, g->watermark_ms);
    sqlite3_bind_int64(st, 3, g->last_poll_ms);
    sqlite3_bind_int64(st, 4, g->last_event_ms);
    sqlite3_bind_int64(st, 5, g->events);
    if (g->last_error[0])
        sqlite3_bind_text(st, 6, g->last_error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, g->last_error_ms);
    sqlite3_bind_int64(st, 8, g->deep_poll_ms);
    sqlite3_bind_double(st, 9, g->rate_eps);
    sqlite3_bind_int64(st, 10, g->late_prev_ms);
    sqlite3_bind_int64(st, 11, g->late_cur_ms);
    return exec(s, st, "writing a group checkpoint") < 0 ? -1 : 0;
}

int lw_state_groups(lw_state *s, void (*cb)(void *ud, const lw_group_state *g), void *ud)
{
    sqlite3_stmt *st = q(s, Q_GROUPS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lw_group_state g;
        memset(&g, 0, sizeof g);
        copy_col(g.name, sizeof g.name, st, 0);
        read_group(st, 1, &g);
        cb(ud, &g);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "listing groups");
}

int lw_state_seen_add(lw_state *s, const char *group, const char *event_id, int64_t ts_ms)
{
    return exec(s, q_key_ms(s, Q_SEEN_ADD, group, event_id, ts_ms), "recording an event id");
}

int lw_state_seen_prune(lw_state *s, const char *group, int64_t before_ms)
{
    sqlite3_stmt *st = q(s, Q_SEEN_PRUNE);
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before_ms);
    return exec(s, st, "pruning event ids");
}

int lw_state_finding_add(lw_state *s, const char *id, const char *detector, int severity, const char *function,
                         int64_t time_ms, const char *json, int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_FINDING_ADD);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, detector, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, severity);
    sqlite3_bind_text(st, 4, function, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, time_ms);
    sqlite3_bind_text(st, 6, json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now_ms);
    return exec(s, st, "recording a finding");
}

int lw_state_finding_suppress(lw_state *s, const char *id, const char *suppression)
{
    sqlite3_stmt *st = q(s, Q_FINDING_SUPPRESS);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, suppression, -1, SQLITE_STATIC);
    return exec(s, st, "marking a finding suppressed");
}

int lw_state_findings(lw_state *s, const lw_finding_filter *f, int (*cb)(void *ud, const lw_finding_row *r), void *ud)
{
    sqlite3_stmt *st = q(s, Q_FINDINGS);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, f->since_ms);
    sqlite3_bind_int(st, 2, f->min_severity);
    if (f->detector)
        sqlite3_bind_text(st, 3, f->detector, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, f->suppressed ? 1 : 0);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lw_finding_row r;
        memset(&r, 0, sizeof r);
        copy_col(r.id, sizeof r.id, st, 0);
        copy_col(r.detector, sizeof r.detector, st, 1);
        r.severity = sqlite3_column_int(st, 2);
        copy_col(r.function, sizeof r.function, st, 3);
        r.time_ms = sqlite3_column_int64(st, 4);
        r.created_ms = sqlite3_column_int64(st, 5);
        r.json = (const char *)sqlite3_column_text(st, 6);
        r.json_len = (size_t)sqlite3_column_bytes(st, 6);
        copy_col(r.suppressed_by, sizeof r.suppressed_by, st, 7);
        if (!r.json)
            r.json = "{}";
        if (cb(ud, &r) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "listing findings");
}

static int64_t count(lw_state *s, int which)
{
    sqlite3_stmt *st = q(s, which);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

int64_t lw_state_finding_count(lw_state *s) { return count(s, Q_FINDING_COUNT); }
int64_t lw_state_outbox_pending(lw_state *s) { return count(s, Q_OUTBOX_PENDING); }

int lw_state_outbox_add(lw_state *s, const char *webhook, const char *finding_id, int64_t now_ms)
{
    return exec(s, q_key_ms(s, Q_OUTBOX_ADD, webhook, finding_id, now_ms), "queueing a delivery");
}

int lw_state_outbox_due(lw_state *s, int64_t now_ms, int max, lw_outbox_item **items, int *n)
{
    *items = NULL;
    *n = 0;
    sqlite3_stmt *st = q(s, Q_OUTBOX_DUE);
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, max);
    lw_outbox_item *v = lw_xcalloc((size_t)(max > 0 ? max : 1), sizeof *v);
    int rc, k = 0;
    while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        copy_col(v[k].webhook, sizeof v[k].webhook, st, 0);
        copy_col(v[k].finding_id, sizeof v[k].finding_id, st, 1);
        v[k].created_ms = sqlite3_column_int64(st, 2);
        v[k].attempts = sqlite3_column_int(st, 3);
        v[k].next_attempt_ms = sqlite3_column_int64(st, 4);
        const unsigned char *j = sqlite3_column_text(st, 5);
        v[k].json = strdup(j ? (const char *)j : "{}");
        k++;
    }
    sqlite3_reset(st);
    *items = v;
    *n = k;
    return 0;
}

void lw_state_outbox_items_free(lw_outbox_item *items, int n)
{
    for (int i = 0; i < n; i++)
        free(items[i].json);
    free(items);
}

int lw_state_outbox_delivered(lw_state *s, const char *webhook, const char *finding_id, int64_t now_ms)
{
    return exec(s, q_key_ms(s, Q_OUTBOX_DONE, webhook, finding_id, now_ms), "marking a delivery done");
}

int lw_state_outbox_retry(lw_state *s, const char *webhook, const char *finding_id, int64_t next_ms, int status,
                          const char *error)
{
    sqlite3_stmt *st = q_key_ms(s, Q_OUTBOX_RETRY, webhook, finding_id, next_ms);
    sqlite3_bind_int(st, 4, status);
    sqlite3_bind_text(st, 5, error ? error : "", -1, SQLITE_STATIC);
    return exec(s, st, "scheduling a retry");
}

int lw_state_outbox_expire(lw_state *s, const char *webhook, int64_t cutoff_ms, int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_OUTBOX_EXPIRE);
    sqlite3_bind_text(st, 1, webhook, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cutoff_ms);
    sqlite3_bind_int64(st, 3, now_ms);
    return exec(s, st, "expiring deliveries");
}

int lw_state_detector_put(lw_state *s, const char *detector, const char *blob, size_t n, int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_DET_PUT);
    sqlite3_bind_text(st, 1, detector, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, blob, n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_ms);
    return exec(s, st, "saving detector state") < 0 ? -1 : 0;
}

int lw_state_detectors(lw_state *s, void (*cb)(void *ud, const char *detector, const char *blob, size_t n), void *ud)
{
    sqlite3_stmt *st = q(s, Q_DETS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(ud, (const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "loading detector state");
}

int lw_state_request_add(lw_state *s, const char *request_id, int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_REQ_ADD);
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    return exec(s, st, "recording a Firehose request id");
}

int lw_state_firehose_prune(lw_state *s, int64_t requests_before_ms, int64_t events_before_ms)
{
    sqlite3_stmt *st = q(s, Q_FH_PRUNE_REQ);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, requests_before_ms);
    int a = exec(s, st, "pruning Firehose request ids");
    if (a < 0 || !(st = q(s, Q_FH_PRUNE_EVENTS)))
        return -1;
    sqlite3_bind_int64(st, 1, events_before_ms);
    int b = exec(s, st, "pruning Firehose event ids");
    return b < 0 ? -1 : a + b;
}

int lw_state_firehose_event_add(lw_state *s, const unsigned char key[LW_STATE_EVENT_KEY], int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_FH_EVENT_ADD);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, key, LW_STATE_EVENT_KEY, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    return exec(s, st, "recording a Firehose event id");
}

int lw_state_firehose_group_add(lw_state *s, const char *group, int64_t events, int64_t duplicates, int64_t now_ms)
{
    sqlite3_stmt *st = q(s, Q_FH_GROUP_ADD);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, events);
    sqlite3_bind_int64(st, 3, duplicates);
    sqlite3_bind_int64(st, 4, now_ms);
    return exec(s, st, "counting a pushed group's events") < 0 ? -1 : 0;
}

int lw_state_firehose_groups(lw_state *s, void (*cb)(void *ud, const lw_firehose_group *g), void *ud)
{
    sqlite3_stmt *st = q(s, Q_FH_GROUPS);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lw_firehose_group g;
        memset(&g, 0, sizeof g);
        snprintf(g.name, sizeof g.name, "%s", (const char *)sqlite3_column_text(st, 0));
        g.events = sqlite3_column_int64(st, 1);
        g.duplicates = sqlite3_column_int64(st, 2);
        g.last_event_ms = sqlite3_column_int64(st, 3);
        cb(ud, &g);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "reading pushed groups");
}

int lw_state_journal_add(lw_state *s, const char *blob, size_t n)
{
    sqlite3_stmt *st = q(s, Q_JOURNAL_ADD);
    if (!st)
        return -1;
    sqlite3_bind_blob64(st, 1, blob, n, SQLITE_STATIC);
    return exec(s, st, "journaling events") < 0 ? -1 : 0;
}

int lw_state_journal(lw_state *s, void (*cb)(void *ud, const char *blob, size_t n), void *ud)
{
    sqlite3_stmt *st = q(s, Q_JOURNAL);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(ud, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "reading the event journal");
}

int lw_state_journal_clear(lw_state *s)
{
    sqlite3_stmt *st = q(s, Q_JOURNAL_CLEAR);
    return st && exec(s, st, "clearing the event journal") >= 0 ? 0 : -1;
}
