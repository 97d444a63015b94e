/*
 * prof_internal.h: pieces the tfc-prof report library shares between its files
 * (trace/prof_*.c) and nobody else: hash tables from strings and from 64-bit ids to
 * small indexes, the decoded GraphDef of a run, op-type colours.
 */
#ifndef TFC_PROF_INTERNAL_H
#define TFC_PROF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.pb-c.h"
#include "prof.h"

/* String -> index (>= 0). Keys are borrowed: they must outlive the table. */
typedef struct pf_strtab {
	const char **keys;
	int32_t *vals;
	size_t cap, n;
} pf_strtab;
/* The index of key, or -1. */
int32_t pf_strtab_get(const pf_strtab *t, const char *key);
/* Sets key's index; false when out of memory. */
bool pf_strtab_put(pf_strtab *t, const char *key, int32_t val);
void pf_strtab_clear(pf_strtab *t);

/* int64 -> index (>= 0). */
typedef struct pf_idtab {
	int64_t *keys;
	int32_t *vals;
	size_t cap, n;
} pf_idtab;
int32_t pf_idtab_get(const pf_idtab *t, int64_t key);
bool pf_idtab_put(pf_idtab *t, int64_t key, int32_t val);
void pf_idtab_clear(pf_idtab *t);

/* A run's GraphDef, and its nodes by name. */
struct pf_graph {
	Tensorflow__GraphDef *gd;
	pf_strtab by_name; /* name -> index into gd->node */
};
const Tensorflow__NodeDef *pf_graph_node(const struct pf_graph *g, const char *name);
const Tensorflow__AttrValue *pf_node_attr(const Tensorflow__NodeDef *n, const char *key);

/* A pleasant colour for an op type (stable: a hash of the name), r/g/b in 0..1. */
void pf_op_colour(const char *op, double *r, double *g, double *b);

/* Sorts doubles in place and returns the q-quantile (0..1), linear between ranks. */
double pf_quantile(double *v, int64_t n, double q);

#endif /* TFC_PROF_INTERNAL_H */
