/*
 * tool_common.c: the error line of the tools and, in sanitizer builds, what the
 * sanitizers should not blame on tfc (tool_common.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "tool_common.h"

void tool_error(tfc_code code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", tfc_code_error_class(code));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer: the font libraries under pango and cairo (fontconfig's caches, made
 * by pango's font-matching thread) and Graphviz's plugin configuration keep memory
 * for the life of the process; these are theirs, not tfc's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\nleak:libpango\nleak:libcairo.so\nleak:libgvc.so\n"
	       "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libharfbuzz.so\n";
}
#endif

#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer: pango starts a font-matching thread (FcInit) that fills
 * fontconfig's caches while the main thread reads them; those libraries are not
 * built with TSan, so their own locking is invisible to it. Not tfc's races. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:libfontconfig.so\nrace:libpango\nrace:libglib-2.0.so\nrace:libcairo.so\n"
	       "race:libharfbuzz.so\ncalled_from_lib:libfontconfig.so\n";
}
#endif
