/* "Did you mean smtp.gmail.com?": the known SMTP host closest to a name that
 * does not exist, by edit distance with transpositions. */
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

enum { MAX_NAME = 253, MAX_DISTANCE = 2 };

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of neighbours ("gmial" for "gmail") each cost one. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX_NAME || lb > MAX_NAME)
        return MAX_DISTANCE + 1;
    int *d = sd_xcalloc((la + 1) * (lb + 1), sizeof *d);
#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++)
        D(i, 0) = (int)i;
    for (size_t j = 0; j <= lb; j++)
        D(0, j) = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < best)
                best = D(i, j - 1) + 1;
            if (D(i - 1, j - 1) + cost < best)
                best = D(i - 1, j - 1) + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < best)
                best = D(i - 2, j - 2) + 1;
            D(i, j) = best;
        }
    }
    int result = D(la, lb);
#undef D
    free(d);
    return result;
}

char *sd_suggest_host(const char *host, const sd_preset_db *presets)
{
    if (!presets)
        return NULL;
    const char *best = NULL;
    int best_distance = MAX_DISTANCE + 1;
    for (size_t i = 0; i < presets->len; i++) {
        const sd_preset *p = &presets->items[i];
        for (size_t s = 0; s < p->server_count; s++) {
            const char *candidate = p->servers[s].host;
            if (p->servers[s].protocol != SD_PROTO_SMTP || sd_str_ieq(candidate, host))
                continue;
            int dist = distance(host, candidate);
            if (dist < best_distance) {
                best_distance = dist;
                best = candidate;
            }
        }
    }
    return best ? sd_xstrdup(best) : NULL;
}
