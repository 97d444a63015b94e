# tools/local.mk: the command-line tools, thin layers over the libraries.

bin_PROGRAMS += tools/tfc-run
tools_tfc_run_SOURCES = tools/tfc_run.c
tools_tfc_run_LDADD = libtfccore.la
dist_man_MANS += share/man/tfc-run.1
noinst_HEADERS += tools/tool_common.h
