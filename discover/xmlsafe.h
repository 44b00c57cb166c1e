/* SPDX-License-Identifier: MIT */
/* Reading untrusted XML (autoconfig and Autodiscover documents) with libxml2
 * so that it can do no harm: no network, no external entities, no entity
 * expansion, a size limit, and text read only from text nodes. */
#ifndef SD_DISCOVER_XMLSAFE_H
#define SD_DISCOVER_XMLSAFE_H

#include <libxml/tree.h>
#include <stddef.h>

#include "common/error.h"

enum { SD_XML_MAX_BYTES = 1 << 20 };

/* Parses a document; NULL with a message when it is not well-formed XML, too
 * large, or declares entities. Free with xmlFreeDoc. */
xmlDocPtr sd_xml_read(const char *data, size_t len, sd_error *err);
/* The text of an element's own text and CDATA children, trimmed; a new
 * string (NULL when empty). Entity references are never expanded. */
char *sd_xml_text(xmlNodePtr node);
/* Compares a node's local name, ignoring the namespace. */
int sd_xml_is(xmlNodePtr node, const char *name);
/* The first child element of that local name, or NULL. */
xmlNodePtr sd_xml_child(xmlNodePtr node, const char *name);
/* A new copy of an attribute's value, or NULL. */
char *sd_xml_attr(xmlNodePtr node, const char *name);

#endif
