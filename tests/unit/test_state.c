/* state: the SQLite store: checkpoints, dedupe, findings, outbox, crash
 * safety; the files' modes (0600 for the file, its -wal and -shm, even
 * under umask 000); and the read-only open `lambdaward status` uses, which
 * creates and changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/state.h"

static char dir[64], db[128];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/lw-state-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/state.db", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static lw_state *open_db_at(const char *path)
{
    char err[512];
    lw_state *s = lw_state_open(path, err, sizeof err);
    if (!s)
        fprintf(stderr, "%s\n", err);
    assert_non_null(s);
    return s;
}

static lw_state *open_db(void) { return open_db_at(db); }

static void checkpoints_and_seen(void **st)
{
    (void)st;
    lw_state *s = open_db();
    lw_group_state g;
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/a", &g), 0);
    g.watermark_ms = 1000;
    g.deep_poll_ms = 777;
    g.events = 5;
    g.rate_eps = 12.5;
    g.late_prev_ms = 41000;
    g.late_cur_ms = 3000;
    snprintf(g.last_error, sizeof g.last_error, "ThrottlingException: Rate exceeded");
    assert_int_equal(lw_state_group_put(s, &g), 0);
    assert_int_equal(lw_state_seen_add(s, "/aws/lambda/a", "e1", 900), 1);
    assert_int_equal(lw_state_seen_add(s, "/aws/lambda/a", "e1", 900), 0);
    assert_int_equal(lw_state_seen_add(s, "/aws/lambda/b", "e1", 900), 1);
    assert_int_equal(lw_state_seen_add(s, "/aws/lambda/a", "e2", 1900), 1);
    assert_int_equal(lw_state_seen_prune(s, "/aws/lambda/a", 1000), 1);
    assert_int_equal(lw_state_seen_add(s, "/aws/lambda/a", "e2", 1900), 0);
    lw_state_close(s);

    s = open_db(); /* survives reopening */
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/a", &g), 1);
    assert_int_equal(g.watermark_ms, 1000);
    assert_int_equal(g.deep_poll_ms, 777);
    assert_int_equal(g.events, 5);
    assert_true(g.rate_eps == 12.5);
    assert_int_equal(g.late_prev_ms, 41000);
    assert_int_equal(g.late_cur_ms, 3000);
    assert_string_equal(g.last_error, "ThrottlingException: Rate exceeded");
    lw_state_close(s);
}

/* A state file written before groups had deep_poll_ms opens, keeps its
 * checkpoints, and reads 0 there (the tailer then re-reads the full
 * lookback from last_poll_ms, as that version did on every poll). */
static void older_state_file_is_upgraded(void **st)
{
    (void)st;
    char keep[sizeof db];
    memcpy(keep, db, sizeof db);
    snprintf(db, sizeof db, "%s/old.db", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s \"CREATE TABLE groups(name TEXT PRIMARY KEY, watermark_ms INTEGER NOT NULL DEFAULT 0, "
             "last_poll_ms INTEGER NOT NULL DEFAULT 0, last_event_ms INTEGER NOT NULL DEFAULT 0, events INTEGER NOT "
             "NULL DEFAULT 0, last_error TEXT, last_error_ms INTEGER NOT NULL DEFAULT 0); INSERT INTO groups(name, "
             "watermark_ms, last_poll_ms) VALUES ('/aws/lambda/old', 5, 6);\"",
             db);
    assert_int_equal(system(cmd), 0);
    lw_state *s = open_db();
    lw_group_state g;
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/old", &g), 1);
    assert_int_equal(g.watermark_ms, 5);
    assert_int_equal(g.last_poll_ms, 6);
    assert_int_equal(g.deep_poll_ms, 0);
    g.deep_poll_ms = 9;
    assert_int_equal(lw_state_group_put(s, &g), 0);
    lw_state_close(s);
    s = open_db();
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/old", &g), 1);
    assert_int_equal(g.deep_poll_ms, 9);
    lw_state_close(s);
    memcpy(db, keep, sizeof db);
}

static void findings_once_and_outbox(void **st)
{
    (void)st;
    lw_state *s = open_db();
    assert_int_equal(lw_state_finding_add(s, "id1", "attack", 3, "fn", 5, "{\"id\":\"id1\"}", 10), 1);
    assert_int_equal(lw_state_finding_add(s, "id1", "attack", 3, "fn", 5, "{\"id\":\"id1\"}", 11), 0);
    assert_int_equal(lw_state_finding_add(s, "id2", "timeout", 2, "fn", 6, "{\"id\":\"id2\"}", 12), 1);
    assert_int_equal(lw_state_finding_count(s), 2);
    assert_int_equal(lw_state_outbox_add(s, "ops", "id1", 100), 1);
    assert_int_equal(lw_state_outbox_add(s, "ops", "id1", 100), 0);
    assert_int_equal(lw_state_outbox_add(s, "ops", "id2", 101), 1);
    lw_outbox_item *it;
    int n;
    lw_state_outbox_due(s, 200, 10, &it, &n);
    assert_int_equal(n, 2);
    assert_string_equal(it[0].finding_id, "id1");
    assert_string_equal(it[0].json, "{\"id\":\"id1\"}");
    lw_state_outbox_items_free(it, n);
    assert_int_equal(lw_state_outbox_retry(s, "ops", "id1", 500, 503, "Service Unavailable"), 1);
    assert_int_equal(lw_state_outbox_delivered(s, "ops", "id2", 201), 1);
    lw_state_outbox_due(s, 300, 10, &it, &n);
    assert_int_equal(n, 0); /* id1 waits for its backoff, id2 is done */
    lw_state_outbox_items_free(it, n);
    lw_state_outbox_due(s, 500, 10, &it, &n);
    assert_int_equal(n, 1);
    assert_int_equal(it[0].attempts, 1);
    lw_state_outbox_items_free(it, n);
    assert_int_equal(lw_state_outbox_pending(s), 1);
    assert_int_equal(lw_state_outbox_expire(s, "ops", 1000, 2000), 1);
    assert_int_equal(lw_state_outbox_pending(s), 0);
    assert_int_equal(lw_state_request_add(s, "req-1", 1), 1);
    assert_int_equal(lw_state_request_add(s, "req-1", 2), 0);
    lw_state_close(s);
}

static int ndet;
static void count_det(void *ud, const char *d, const char *b, size_t n)
{
    (void)ud;
    (void)d;
    assert_int_equal(n, 3);
    assert_memory_equal(b, "a\0b", 3);
    ndet++;
}

static void detector_blobs_and_rollback(void **st)
{
    (void)st;
    lw_state *s = open_db();
    assert_int_equal(lw_state_detector_put(s, "duration_anomaly", "a\0b", 3, 1), 0);
    assert_int_equal(lw_state_begin(s), 0);
    assert_int_equal(lw_state_finding_add(s, "rolled", "attack", 3, "fn", 5, "{}", 10), 1);
    lw_state_rollback(s);
    assert_int_equal(lw_state_finding_count(s), 2);
    ndet = 0;
    lw_state_detectors(s, count_det, NULL);
    assert_int_equal(ndet, 1);
    lw_state_close(s);
}

static void sigkill_mid_transaction_loses_nothing_committed(void **st)
{
    (void)st;
    /* A child commits 50 transactions (a checkpoint plus its finding each)
     * and is killed inside the 51st: after reopening, exactly the committed
     * ones are there and both halves of each agree. */
    pid_t pid = fork();
    if (pid == 0) {
        lw_state *s = open_db();
        for (int i = 1;; i++) {
            lw_state_begin(s);
            lw_group_state g;
            lw_state_group_get(s, "/aws/lambda/k", &g);
            g.watermark_ms = i;
            lw_state_group_put(s, &g);
            char id[32];
            snprintf(id, sizeof id, "k%d", i);
            lw_state_finding_add(s, id, "attack", 3, "k", i, "{}", i);
            if (i == 51)
                raise(SIGKILL);
            lw_state_commit(s);
        }
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    lw_state *s = open_db();
    lw_group_state g;
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/k", &g), 1);
    assert_int_equal(g.watermark_ms, 50);
    assert_int_equal(lw_state_finding_add(s, "k50", "attack", 3, "k", 50, "{}", 50), 0);
    assert_int_equal(lw_state_finding_add(s, "k51", "attack", 3, "k", 51, "{}", 51), 1);
    lw_state_close(s);
}

static void bad_path_is_a_clear_error(void **st)
{
    (void)st;
    char err[256];
    assert_null(lw_state_open("/nonexistent-dir/x/state.db", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-dir/x/state.db"));
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static void modes_are_0600_under_any_umask(void **st)
{
    (void)st;
    char path[200], side[220], err[256];
    snprintf(path, sizeof path, "%s/modes.db", dir);
    mode_t old = umask(0);
    lw_state *s = lw_state_open(path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(lw_state_begin(s), 0);
    assert_int_equal(lw_state_finding_add(s, "m1", "attack", 3, "fn", 1, "{}", 1), 1);
    assert_int_equal(lw_state_commit(s), 0);
    /* While open, in WAL mode: the main file, its -wal and its -shm. */
    assert_int_equal(mode_of(path), 0600);
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_equal(mode_of(side), 0600);
    snprintf(side, sizeof side, "%s-shm", path);
    assert_int_equal(mode_of(side), 0600);
    assert_string_equal(lw_state_warning(s), "");
    lw_state_close(s);
    umask(old);
}

static void existing_file_readable_by_others_is_fixed(void **st)
{
    (void)st;
    char path[200], err[256];
    snprintf(path, sizeof path, "%s/lax.db", dir);
    lw_state *s = lw_state_open(path, err, sizeof err);
    assert_non_null(s);
    lw_state_close(s);
    assert_int_equal(chmod(path, 0644), 0);
    s = lw_state_open(path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(mode_of(path), 0600); /* ours: fixed, and said so */
    assert_non_null(strstr(lw_state_warning(s), path));
    assert_non_null(strstr(lw_state_warning(s), "0644"));
    lw_state_close(s);
}

/* The directory's names, sorted, with each file's size, and the mtime of
 * the main file (a live -shm is shared memory: WAL readers write their
 * read marks there, as any SQLite reader beside a writer does). */
static void listing(const char *d, char *out, size_t n)
{
    struct dirent **names;
    int k = scandir(d, &names, NULL, alphasort);
    assert_true(k >= 0);
    out[0] = '\0';
    for (int i = 0; i < k; i++) {
        char p[400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", d, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(p, &st) == 0) {
            size_t l = strlen(out);
            bool main_file = !strcmp(names[i]->d_name, "state.db");
            snprintf(out + l, n - l, "%s %lld %lld.%09ld\n", names[i]->d_name, (long long)st.st_size,
                     main_file ? (long long)st.st_mtim.tv_sec : 0LL, main_file ? st.st_mtim.tv_nsec : 0L);
        }
        free(names[i]);
    }
    free(names);
}

static void readonly_open_changes_nothing(void **st)
{
    (void)st;
    char sub[200], path[260], err[512], before[4096], after[4096];
    snprintf(sub, sizeof sub, "%s/ro", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/state.db", sub);
    /* Missing: a clear error, and nothing created. */
    assert_null(lw_state_open_readonly(path, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "no state file"));
    listing(sub, before, sizeof before);
    assert_string_equal(before, "");
    /* A file the daemon closed: read, with no -wal or -shm left behind. */
    lw_state *w = lw_state_open(path, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(lw_state_finding_add(w, "r1", "attack", 3, "fn", 1, "{}", 1), 1);
    lw_state_close(w);
    listing(sub, before, sizeof before);
    lw_state *r = lw_state_open_readonly(path, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lw_state_finding_count(r), 1);
    assert_int_equal(lw_state_finding_add(r, "r2", "attack", 3, "fn", 1, "{}", 1), -1); /* refused */
    lw_state_close(r);
    listing(sub, after, sizeof after);
    assert_string_equal(before, after);
    /* Beside a daemon that has it open (its -wal and -shm exist): reads
     * what it committed, and leaves the directory as it was. */
    w = lw_state_open(path, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(lw_state_finding_add(w, "r3", "attack", 3, "fn", 1, "{}", 1), 1);
    listing(sub, before, sizeof before);
    assert_non_null(strstr(before, "state.db-wal"));
    r = lw_state_open_readonly(path, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lw_state_finding_count(r), 2);
    lw_state_close(r);
    listing(sub, after, sizeof after);
    assert_string_equal(before, after);
    lw_state_close(w);
    /* Characters SQLite's URI filenames give a meaning to, and a path
     * starting with "//" (an authority after "file:"). */
    snprintf(path, sizeof path, "/%s/od?d%%41#x.db", sub);
    w = lw_state_open(path, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(lw_state_finding_add(w, "u1", "attack", 3, "fn", 1, "{}", 1), 1);
    lw_state_close(w);
    r = lw_state_open_readonly(path, err, sizeof err);
    if (!r)
        fprintf(stderr, "%s\n", err);
    assert_non_null(r);
    assert_int_equal(lw_state_finding_count(r), 1);
    lw_state_close(r);
}


/* sqlite3's answer to one statement on path, trimmed ("" when none). */
static void sql_answer(const char *path, const char *stmt, char *out, size_t n)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", path, stmt);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t k = fread(out, 1, n - 1, p);
    out[k] = '\0';
    while (k && (out[k - 1] == '\n' || out[k - 1] == '\r'))
        out[--k] = '\0';
    assert_int_equal(pclose(p), 0);
}

/* A state file as release 1 left it: tests/data/state-1.sql is the
 * `sqlite3 .dump` of one written by release 1's state.c, a row or two in
 * every table, user_version 0. */
static void load_release_1(const char *path)
{
    const char *src = getenv("LW_SRC");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' < '%s/tests/data/state-1.sql'", path, src ? src : ".");
    assert_int_equal(system(cmd), 0);
}

static void count_groups(void *ud, const lw_group_state *g)
{
    (void)g;
    (*(int *)ud)++;
}

static void count_pushed(void *ud, const lw_firehose_group *g)
{
    assert_string_equal(g->name, "/aws/lambda/pushed");
    assert_int_equal(g->events, 120);
    assert_int_equal(g->duplicates, 3);
    (*(int *)ud)++;
}

static void release_1_blob(void *ud, const char *d, const char *b, size_t n)
{
    assert_string_equal(d, "duration_anomaly");
    assert_int_equal(n, 4);
    assert_memory_equal(b, "\x02\x00\x01\x7f", 4);
    (*(int *)ud)++;
}

static void release_1_file_is_migrated(void **st)
{
    (void)st;
    char path[200], out[512], err[512];
    snprintf(path, sizeof path, "%s/release1.db", dir);
    load_release_1(path);
    sql_answer(path, "PRAGMA user_version", out, sizeof out);
    assert_string_equal(out, "0");
    /* Status reads it before any daemon migrated it. */
    lw_state *r = lw_state_open_readonly(path, err, sizeof err);
    if (!r)
        fprintf(stderr, "%s\n", err);
    assert_non_null(r);
    assert_int_equal(lw_state_schema_version(r), 0);
    assert_int_equal(lw_state_finding_count(r), 2);
    lw_group_state g;
    assert_int_equal(lw_state_group_get(r, "/aws/lambda/checkout", &g), 1);
    assert_int_equal(g.events, 4211);
    assert_true(g.rate_eps == 0);
    int n = 0;
    lw_state_groups(r, count_groups, &n);
    assert_int_equal(n, 2);
    lw_state_close(r);
    sql_answer(path, "PRAGMA user_version", out, sizeof out);
    assert_string_equal(out, "0"); /* and left it as it was */

    lw_state *s = open_db_at(path);
    assert_int_equal(lw_state_schema_version(s), lw_state_nmigrations);
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/checkout", &g), 1);
    assert_int_equal(g.watermark_ms, 1764720000000);
    assert_int_equal(g.last_poll_ms, 1764720030000);
    assert_int_equal(g.deep_poll_ms, 1764719900000);
    assert_int_equal(g.events, 4211);
    /* step 2's columns: no estimate yet, as for a group never polled */
    assert_true(g.rate_eps == 0);
    assert_int_equal(g.late_prev_ms, 0);
    assert_int_equal(g.late_cur_ms, 0);
    assert_int_equal(lw_state_group_get(s, "/aws/lambda/payments", &g), 1);
    assert_string_equal(g.last_error, "ThrottlingException: Rate exceeded");
    n = 0;
    lw_state_groups(s, count_groups, &n);
    assert_int_equal(n, 2);
    /* seen ids, findings, requests and pushed event keys are still known */
    assert_int_equal(
        lw_state_seen_add(s, "/aws/lambda/checkout", "38912345678901234567890123456789012345678901234567890002", 1), 0);
    assert_int_equal(lw_state_finding_count(s), 2);
    assert_int_equal(lw_state_finding_add(s, "0a0b0c0d0e0f1011", "attack", 4, "payments", 1, "{}", 1), 0);
    assert_int_equal(lw_state_request_add(s, "a1b2c3d4-0000-4000-8000-000000000001", 1), 0);
    unsigned char key[LW_STATE_EVENT_KEY];
    memset(key, 0xab, sizeof key);
    assert_int_equal(lw_state_firehose_event_add(s, key, 1), 0);
    n = 0;
    lw_state_firehose_groups(s, count_pushed, &n);
    assert_int_equal(n, 1);
    n = 0;
    lw_state_detectors(s, release_1_blob, &n);
    assert_int_equal(n, 1);
    /* the undelivered one is still due, with its attempt counted */
    assert_int_equal(lw_state_outbox_pending(s), 1);
    lw_outbox_item *it;
    lw_state_outbox_due(s, 1764720061000, 10, &it, &n);
    assert_int_equal(n, 1);
    assert_string_equal(it[0].finding_id, "0a0b0c0d0e0f1011");
    assert_int_equal(it[0].attempts, 1);
    assert_non_null(strstr(it[0].json, "SQL injection not blocked"));
    lw_state_outbox_items_free(it, n);
    lw_state_close(s);
    char want[16];
    snprintf(want, sizeof want, "%d", lw_state_nmigrations);
    sql_answer(path, "PRAGMA user_version", out, sizeof out);
    assert_string_equal(out, want);
    /* reopening a migrated file runs nothing again */
    s = open_db_at(path);
    assert_int_equal(lw_state_finding_count(s), 2);
    lw_state_close(s);
}

/* A step that fails half-way leaves the file as the previous steps made
 * it: neither its first statements nor the version bump stay. */
static void failed_step_changes_nothing(void **st)
{
    (void)st;
    char path[200], out[512], err[512];
    snprintf(path, sizeof path, "%s/failing.db", dir);
    load_release_1(path);
    int n = lw_state_nmigrations;
    lw_state_migration steps[n + 1];
    memcpy(steps, lw_state_migrations, sizeof steps[0] * (size_t)n);
    steps[n] = (lw_state_migration){"a broken step",
                                    "CREATE TABLE half(x); INSERT INTO half VALUES (1);"
                                    "ALTER TABLE groups ADD COLUMN half_done INTEGER;"
                                    "DELETE FROM findings; INSERT INTO no_such_table VALUES (1);"};
    assert_null(lw_state_open_steps(path, steps, n + 1, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "a broken step"));
    assert_non_null(strstr(err, "no_such_table"));
    char want[16];
    snprintf(want, sizeof want, "%d", n);
    sql_answer(path, "PRAGMA user_version", out, sizeof out);
    assert_string_equal(out, want); /* the real steps before it stayed */
    sql_answer(path, "SELECT count(*) FROM sqlite_master WHERE name = 'half'", out, sizeof out);
    assert_string_equal(out, "0");
    sql_answer(path, "SELECT count(*) FROM pragma_table_info('groups') WHERE name = 'half_done'", out, sizeof out);
    assert_string_equal(out, "0");
    sql_answer(path, "SELECT count(*) FROM findings", out, sizeof out);
    assert_string_equal(out, "2");
    lw_state *s = open_db_at(path); /* and this release still opens it */
    assert_int_equal(lw_state_finding_count(s), 2);
    lw_state_close(s);
}

static void file_bytes(const char *path, char **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc(*n + 1);
    assert_int_equal(fread(*out, 1, *n, f), *n);
    fclose(f);
}

static void newer_file_is_refused_untouched(void **st)
{
    (void)st;
    char path[200], cmd[1024], err[512];
    snprintf(path, sizeof path, "%s/newer.db", dir);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"CREATE TABLE from_the_future(x); INSERT INTO from_the_future "
             "VALUES (42); PRAGMA user_version = %d;\" && chmod 600 '%s'", path, lw_state_nmigrations + 1, path);
    assert_int_equal(system(cmd), 0);
    char *before, *after;
    size_t nb, na;
    file_bytes(path, &before, &nb);
    struct stat s0, s1;
    assert_int_equal(stat(path, &s0), 0);
    assert_null(lw_state_open(path, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "newer"));
    assert_null(lw_state_open_readonly(path, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
    file_bytes(path, &after, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    assert_int_equal(stat(path, &s1), 0);
    assert_true(s0.st_mtim.tv_sec == s1.st_mtim.tv_sec && s0.st_mtim.tv_nsec == s1.st_mtim.tv_nsec);
    char side[220];
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_not_equal(access(side, F_OK), 0); /* not switched to WAL */
    free(before);
    free(after);
}


typedef struct listed {
    char ids[512];
    int n;
    int stop_after;
} listed;

static int list_ids(void *ud, const lw_finding_row *r)
{
    listed *l = ud;
    size_t k = strlen(l->ids);
    snprintf(l->ids + k, sizeof l->ids - k, "%s%s%s%s", k ? " " : "", r->id, r->suppressed_by[0] ? "/" : "",
             r->suppressed_by);
    assert_non_null(strstr(r->json, r->id)); /* the row's own JSON */
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

static void list(lw_state *s, lw_finding_filter f, listed *l)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(lw_state_findings(s, &f, list_ids, l), 0);
}

/* The history `lambdaward findings` reads: by event time, filtered in the
 * store, the suppressed ones apart. */
static void findings_listed_and_suppressed(void **st)
{
    (void)st;
    char path[200], err[512];
    snprintf(path, sizeof path, "%s/list.db", dir);
    lw_state *s = open_db_at(path);
    /* recorded out of event-time order, as a backlog would */
    assert_int_equal(lw_state_finding_add(s, "c3", "timeout", 3, "api", 3000, "{\"id\":\"c3\"}", 10), 1);
    assert_int_equal(lw_state_finding_add(s, "a1", "attack", 4, "api", 1000, "{\"id\":\"a1\"}", 11), 1);
    assert_int_equal(lw_state_finding_add(s, "b2", "timeout", 1, "worker", 2000, "{\"id\":\"b2\"}", 12), 1);
    assert_int_equal(lw_state_finding_add(s, "d4", "timeout", 3, "worker", 4000, "{\"id\":\"d4\"}", 13), 1);
    assert_int_equal(lw_state_finding_suppress(s, "d4", "known-slow"), 1);
    assert_int_equal(lw_state_finding_suppress(s, "nope", "known-slow"), 0);
    listed l;
    list(s, (lw_finding_filter){0}, &l);
    assert_string_equal(l.ids, "a1 b2 c3");
    list(s, (lw_finding_filter){.suppressed = true}, &l);
    assert_string_equal(l.ids, "d4/known-slow");
    list(s, (lw_finding_filter){.since_ms = 2000}, &l);
    assert_string_equal(l.ids, "b2 c3");
    list(s, (lw_finding_filter){.min_severity = 3}, &l);
    assert_string_equal(l.ids, "a1 c3");
    list(s, (lw_finding_filter){.detector = "timeout"}, &l);
    assert_string_equal(l.ids, "b2 c3");
    memset(&l, 0, sizeof l);
    l.stop_after = 1;
    lw_finding_filter all = {0};
    assert_int_equal(lw_state_findings(s, &all, list_ids, &l), 0);
    assert_string_equal(l.ids, "a1");
    lw_state_close(s);
    lw_state *r = lw_state_open_readonly(path, err, sizeof err);
    assert_non_null(r);
    list(r, (lw_finding_filter){.suppressed = true}, &l);
    assert_string_equal(l.ids, "d4/known-slow");
    lw_state_close(r);
    /* a release 1 file, read as it is: its findings, none suppressed */
    snprintf(path, sizeof path, "%s/list1.db", dir);
    load_release_1(path);
    r = lw_state_open_readonly(path, err, sizeof err);
    assert_non_null(r);
    list(r, (lw_finding_filter){0}, &l);
    assert_string_equal(l.ids, "0a0b0c0d0e0f1011 f1a2b3c4d5e6f708");
    list(r, (lw_finding_filter){.suppressed = true}, &l);
    assert_int_equal(l.n, 0);
    lw_state_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checkpoints_and_seen),
        cmocka_unit_test(older_state_file_is_upgraded),
        cmocka_unit_test(findings_once_and_outbox),
        cmocka_unit_test(detector_blobs_and_rollback),
        cmocka_unit_test(sigkill_mid_transaction_loses_nothing_committed),
        cmocka_unit_test(bad_path_is_a_clear_error),
        cmocka_unit_test(modes_are_0600_under_any_umask),
        cmocka_unit_test(existing_file_readable_by_others_is_fixed),
        cmocka_unit_test(readonly_open_changes_nothing),
        cmocka_unit_test(release_1_file_is_migrated),
        cmocka_unit_test(failed_step_changes_nothing),
        cmocka_unit_test(newer_file_is_refused_untouched),
        cmocka_unit_test(findings_listed_and_suppressed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
