/*
 * gen_conf_man: builds lambdaward.conf(5) at build time from its
 * hand-written template (man/lambdaward.conf.5.in) and the option tables
 * themselves, so the page cannot drift from what the loader accepts.
 *
 * usage: gen_conf_man TEMPLATE OUTPUT VERSION
 * The template's line ".\" @OPTIONS@" becomes every section's options
 * (lw_config_reference_man); "@VERSION@" anywhere becomes VERSION.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"

#define MARK ".\\\" @OPTIONS@"

static void put_line(FILE *out, const char *line, const char *version)
{
    const char *v;
    while ((v = strstr(line, "@VERSION@"))) {
        fwrite(line, 1, (size_t)(v - line), out);
        fputs(version, out);
        line = v + strlen("@VERSION@");
    }
    fputs(line, out);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: gen_conf_man TEMPLATE OUTPUT VERSION\n", stderr);
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        fclose(in);
        return 1;
    }
    char line[4096];
    int marks = 0;
    while (fgets(line, sizeof line, in)) {
        if (!strncmp(line, MARK, strlen(MARK))) {
            lw_config_reference_man(out);
            marks++;
        } else {
            put_line(out, line, argv[3]);
        }
    }
    int failed = ferror(in) || marks != 1;
    if (marks != 1)
        fprintf(stderr, "%s: expected one line %s, found %d\n", argv[1], MARK, marks);
    fclose(in);
    if (fclose(out) != 0)
        failed = 1;
    if (failed)
        remove(argv[2]);
    return failed;
}
