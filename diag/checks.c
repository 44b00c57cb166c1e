#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

const char *sd_check_status_name(sd_check_status s)
{
    switch (s) {
    case SD_CHECK_PASS: return "pass";
    case SD_CHECK_WARN: return "warn";
    case SD_CHECK_FAIL: return "fail";
    default: return "skip";
    }
}

void sd_check_add(sd_check_list *l, const char *layer, const char *target, sd_check_status status,
                  sd_finding code, char *message_owned)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sd_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    sd_check *c = &l->items[l->len++];
    memset(c, 0, sizeof *c);
    c->layer = layer;
    c->target = sd_xstrdup(target);
    c->status = status;
    c->code = code;
    c->message = message_owned;
}

void sd_check_list_free(sd_check_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].target);
        free(l->items[i].message);
        free(l->items[i].remedy);
        free(l->items[i].suggested_host);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}
