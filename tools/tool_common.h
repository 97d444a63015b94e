/*
 * tool_common.h: what the drawing tools (tfc-viz, tfc-prof) share: the error line
 * every tfc tool prints, and the sanitizer suppressions for the font libraries under
 * cairo and pango (defined in tool_common.c; a tool links it once).
 */
#ifndef TFC_TOOL_COMMON_H
#define TFC_TOOL_COMMON_H

#include "tfc.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Prints "<ErrorClass>: <message>" and a newline on stderr. */
void tool_error(tfc_code code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* TFC_TOOL_COMMON_H */
