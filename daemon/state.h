/*
 * state: the daemon's durable state, one SQLite file (WAL).
 *
 * Owns: per-log-group checkpoints (watermark, last poll, last error), the
 * event ids seen inside the lookback window (so re-reading late data never
 * analyses an event twice), detector state blobs and the journal of the
 * events analysed since they were saved, the findings history (the id is
 * the primary key: a finding is recorded once, ever), the webhook outbox, and Firehose's: the request ids already ingested, the
 * log event ids behind them, and per pushed group counts.
 *
 * Callers group writes in lw_state_begin/commit: advancing a checkpoint and
 * recording the findings it produced happen in one transaction, so a crash
 * at any instant neither loses nor repeats an alert. synchronous=FULL:
 * a commit is on disk before the call returns.
 */
#ifndef LW_STATE_H
#define LW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lw_state lw_state;

typedef struct lw_group_state {
    char name[512];
    int64_t watermark_ms;    /* newest event time analysed */
    int64_t last_poll_ms;    /* wall clock of the last successful poll */
    int64_t deep_poll_ms;    /* ... and of the last one that re-read the full lookback */
    int64_t last_event_ms;   /* wall clock when an event last arrived */
    int64_t events;          /* events analysed, all time */
    char last_error[256];
    int64_t last_error_ms;
    /* The scheduler's estimates, kept so that a restart does not forget
     * them (schema step 2; 0 in older files). */
    double rate_eps;         /* new events per second, smoothed over polls */
    int64_t late_prev_ms;    /* largest ingestion lag seen in the previous full-poll cycle */
    int64_t late_cur_ms;     /* ... and in the current one */
} lw_group_state;

typedef struct lw_outbox_item {
    char webhook[128];
    char finding_id[40];
    int64_t created_ms;
    int attempts;
    int64_t next_attempt_ms;
    char *json;              /* the finding, owned by the item */
} lw_outbox_item;

/* The schema's migration steps, in order: PRAGMA user_version N means
 * steps 1..N are applied. Each step's SQL runs in one transaction with its
 * user_version bump, so a failing step changes nothing; an "ALTER TABLE t
 * ADD COLUMN c" whose column is there already is skipped. */
typedef struct lw_state_migration {
    const char *what;        /* for errors: what the step adds */
    const char *sql;
} lw_state_migration;
extern const lw_state_migration lw_state_migrations[];
extern const int lw_state_nmigrations;

/* Opens (creating if needed) and migrates. A file whose user_version is
 * newer than lw_state_nmigrations is refused, untouched. On failure returns NULL and
 * describes why in err. The file, its -wal and its -shm are 0600 whatever
 * the umask: an existing one we own that others could read is set so, one
 * owned by another user is left; lw_state_warning says which. */
lw_state *lw_state_open(const char *path, char *err, size_t errlen);
/* Opens for reading only (`lambdaward status`): never creates, migrates or
 * writes anything, works on a read-only file in a read-only directory. A
 * missing file is an error naming it. Only the reading calls may be used.
 * An older file is read as it is while its tables answer our queries, else
 * the error says to start the daemon once; a newer one is refused. */
lw_state *lw_state_open_readonly(const char *path, char *err, size_t errlen);
/* lw_state_open with other steps than lw_state_migrations: for tests. */
lw_state *lw_state_open_steps(const char *path, const lw_state_migration *steps, int nsteps, char *err,
                              size_t errlen);
/* The file's user_version: after lw_state_open, lw_state_nmigrations; a
 * read-only open says what it found. */
int lw_state_schema_version(const lw_state *s);
/* What lw_state_open changed or found wrong with the files' modes, for the
 * log; "" when nothing. */
const char *lw_state_warning(const lw_state *s);
void lw_state_close(lw_state *s);
const char *lw_state_error(const lw_state *s);

int lw_state_begin(lw_state *s);
int lw_state_commit(lw_state *s);
void lw_state_rollback(lw_state *s);

/* 1 found, 0 not found (out zeroed with the name set), -1 error */
int lw_state_group_get(lw_state *s, const char *group, lw_group_state *out);
int lw_state_group_put(lw_state *s, const lw_group_state *g);
/* Calls cb for every group, ordered by name. */
int lw_state_groups(lw_state *s, void (*cb)(void *ud, const lw_group_state *g), void *ud);

/* 1 when (group, id) is new (and records it), 0 when already seen. */
int lw_state_seen_add(lw_state *s, const char *group, const char *event_id, int64_t ts_ms);
/* Forgets ids of events older than before_ms. Returns rows removed. */
int lw_state_seen_prune(lw_state *s, const char *group, int64_t before_ms);

/* 1 when the finding is new (recorded), 0 when its id is already known. */
int lw_state_finding_add(lw_state *s, const char *id, const char *detector, int severity, const char *function,
                         int64_t time_ms, const char *json, int64_t now_ms);
int64_t lw_state_finding_count(lw_state *s);
/* Marks a recorded finding as muted by [suppress NAME] (schema step 3):
 * kept for `findings --suppressed`, never queued for a webhook. */
int lw_state_finding_suppress(lw_state *s, const char *id, const char *suppression);

typedef struct lw_finding_filter {
    int64_t since_ms;        /* event time (the finding's time) at or after */
    int min_severity;        /* lw_severity */
    const char *detector;    /* exact; NULL = any */
    bool suppressed;         /* only the suppressed ones, else only the others */
} lw_finding_filter;

typedef struct lw_finding_row {
    char id[72];
    char detector[128];
    int severity;
    char function[256];
    int64_t time_ms;         /* event time */
    int64_t created_ms;      /* wall clock when recorded */
    const char *json;        /* valid during the callback only */
    size_t json_len;
    char suppressed_by[128]; /* "" when not suppressed */
} lw_finding_row;

/* Calls cb for every finding f selects, oldest event time first; cb
 * returning non-zero stops the walk. Works on a read-only open of any
 * schema version. */
int lw_state_findings(lw_state *s, const lw_finding_filter *f, int (*cb)(void *ud, const lw_finding_row *r), void *ud);

int lw_state_outbox_add(lw_state *s, const char *webhook, const char *finding_id, int64_t now_ms);
/* Up to max items due at now_ms, oldest first; *n set. Free with _items_free. */
int lw_state_outbox_due(lw_state *s, int64_t now_ms, int max, lw_outbox_item **items, int *n);
void lw_state_outbox_items_free(lw_outbox_item *items, int n);
int lw_state_outbox_delivered(lw_state *s, const char *webhook, const char *finding_id, int64_t now_ms);
int lw_state_outbox_retry(lw_state *s, const char *webhook, const char *finding_id, int64_t next_ms, int status,
                          const char *error);
/* Gives up on items created before cutoff_ms; returns how many. */
int lw_state_outbox_expire(lw_state *s, const char *webhook, int64_t cutoff_ms, int64_t now_ms);
int64_t lw_state_outbox_pending(lw_state *s);

int lw_state_detector_put(lw_state *s, const char *detector, const char *blob, size_t n, int64_t now_ms);
int lw_state_detectors(lw_state *s, void (*cb)(void *ud, const char *detector, const char *blob, size_t n), void *ud);

/* 1 when the Firehose request id is new (recorded), 0 when seen before. */
int lw_state_request_add(lw_state *s, const char *request_id, int64_t now_ms);
/* Forgets request ids received before requests_before_ms and event ids
 * received before events_before_ms; returns rows removed, -1 on error. */
int lw_state_firehose_prune(lw_state *s, int64_t requests_before_ms, int64_t events_before_ms);
/* A pushed event's key (a digest of its group and id): 1 new (recorded),
 * 0 seen before. Firehose keeps request ids the same across retries only
 * "best effort": this catches a retry under a new id. */
#define LW_STATE_EVENT_KEY 16
int lw_state_firehose_event_add(lw_state *s, const unsigned char key[LW_STATE_EVENT_KEY], int64_t now_ms);

typedef struct lw_firehose_group {
    char name[512];
    int64_t events;          /* analysed, all time */
    int64_t duplicates;      /* dropped as already seen (same event id) */
    int64_t last_event_ms;   /* wall clock when an event last arrived */
} lw_firehose_group;

/* Adds a request's counts to a pushed group's. */
int lw_state_firehose_group_add(lw_state *s, const char *group, int64_t events, int64_t duplicates, int64_t now_ms);
/* Calls cb for every pushed group, ordered by name (for `status`). */
int lw_state_firehose_groups(lw_state *s, void (*cb)(void *ud, const lw_firehose_group *g), void *ud);

/* The event journal: what makes a source's acknowledgement and the detector
 * state its events built durable together without saving that state per
 * batch. Each batch appends the events it analysed, in its transaction;
 * saving the detector state clears the journal in the same transaction; a
 * restart (or a batch that failed after its events were analysed) restores
 * the saved state and replays the journal. */
int lw_state_journal_add(lw_state *s, const char *blob, size_t n);
/* Calls cb for every journal entry, oldest first. */
int lw_state_journal(lw_state *s, void (*cb)(void *ud, const char *blob, size_t n), void *ud);
int lw_state_journal_clear(lw_state *s);

#endif
