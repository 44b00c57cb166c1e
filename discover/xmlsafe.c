/* SPDX-License-Identifier: MIT */
#include "discover/xmlsafe.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"

/* Any attempt of libxml2 to load an external resource ends here. */
static xmlParserInputPtr refuse_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void quiet_errors(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void init_once(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_external);
}

xmlDocPtr sd_xml_read(const char *data, size_t len, sd_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
    if (len > SD_XML_MAX_BYTES) {
        sd_fail(err, "the document is larger than %d bytes", SD_XML_MAX_BYTES);
        return NULL;
    }
    xmlSetGenericErrorFunc(NULL, quiet_errors);
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlReadMemory(data, (int)len, "document.xml", NULL, options);
    if (!doc) {
        sd_fail(err, "the document is not well-formed XML");
        return NULL;
    }
    /* Mail configuration documents have no use for a DTD; one that declares
     * entities is an attack (billion laughs, external entities). */
    if (doc->intSubset && (doc->intSubset->entities || doc->extSubset)) {
        xmlFreeDoc(doc);
        sd_fail(err, "the document declares XML entities, which a mail configuration never needs");
        return NULL;
    }
    if (!xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        sd_fail(err, "the document is empty");
        return NULL;
    }
    return doc;
}

char *sd_xml_text(xmlNodePtr node)
{
    sd_buf b = {.limit = 8192};
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            sd_buf_puts(&b, (const char *)c->content);
    if (!b.data)
        return NULL;
    char *trimmed = sd_xstrdup(sd_str_trim(b.data));
    sd_buf_free(&b);
    if (!*trimmed) {
        free(trimmed);
        return NULL;
    }
    return trimmed;
}

int sd_xml_is(xmlNodePtr node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->name &&
           strcmp((const char *)node->name, name) == 0;
}

xmlNodePtr sd_xml_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (sd_xml_is(c, name))
            return c;
    return NULL;
}

char *sd_xml_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = sd_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}
