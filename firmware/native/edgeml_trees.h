/*
 * Tree-ensemble walk: the C twin of firmware/core/trees (TreeEngine.run), bit-exact with it.
 *
 * It walks the flat arrays of a tree body in place (docs/model-format.md): the package bytes
 * the engine already holds, described by a small int32 descriptor that the TypeScript side
 * builds once at load (firmware/platform/moddable/native-trees-descriptor.ts). The body must
 * have passed parseTreeBody: every link, payload and leaf entry is trusted here, and every
 * score is proven to stay within int32. edgeml_trees_bind only checks that the arrays the
 * descriptor names lie inside the buffer and are aligned. Portable C99, no allocation.
 */
#ifndef EDGEML_TREES_H
#define EDGEML_TREES_H

#include <stdint.h>

/* What a leaf does (KIND_* in firmware/core/trees/body.ts). */
#define EDGEML_TREES_ADD 0    /* adds its payload to the tree's output score */
#define EDGEML_TREES_VOTE 1   /* one vote for the class its payload names */
#define EDGEML_TREES_DENSE 2  /* adds the row of `width` values at its payload */
#define EDGEML_TREES_SPARSE 3 /* adds a run of (class, value) entries, or `unit` to score ~payload */

/* Indices of the int32 descriptor; offsets are in bytes from the start of the buffer. */
enum {
	EDGEML_TD_KIND, EDGEML_TD_SPLIT, EDGEML_TD_TREES, EDGEML_TD_ENTRIES, EDGEML_TD_FEATURES,
	EDGEML_TD_SCORES, EDGEML_TD_WIDTH, EDGEML_TD_TABLE, EDGEML_TD_UNIT,
	EDGEML_TD_FEATURE_BYTES, EDGEML_TD_THRESHOLD_BYTES, EDGEML_TD_LINK_BYTES, EDGEML_TD_VALUE_BYTES,
	EDGEML_TD_AT_FEATURES, EDGEML_TD_AT_THRESHOLDS, EDGEML_TD_AT_RIGHT, EDGEML_TD_AT_ROOT_LEFT,
	EDGEML_TD_AT_OUTPUTS, EDGEML_TD_AT_VALUES, EDGEML_TD_AT_CLASSES, EDGEML_TD_AT_BASE,
	EDGEML_TD_CLASSIFY, EDGEML_TD_ZERO_POINT,
	EDGEML_TD_LENGTH
};

typedef struct {
	const void *features;         /* per entry: uint8_t or uint16_t; `feature_count` marks a leaf */
	const void *thresholds;       /* per entry: int16_t or int32_t; a leaf's payload */
	const void *right;            /* per entry: uint16_t or uint32_t; a leaf links to itself */
	const void *root_left;        /* per tree, same type as right: the left child of root t */
	const uint16_t *tree_output;  /* per tree: the score an additive tree adds to */
	const void *values;           /* dense rows or sparse entries' values: int16_t or int32_t */
	const int16_t *classes;       /* sparse entries: the class, ~class on a leaf's last entry */
	const int32_t *base;          /* per score: where the scores start */
	int32_t unit;                 /* sparse leaves of payload p < 0 add it to score ~p */
	int32_t zero_point;           /* of the scores: a single score above it is class 1 */
	uint32_t tree_count, feature_count, score_count, width;
	uint8_t kind, split, feature_bytes, threshold_bytes, link_bytes, value_bytes;
	uint8_t classify;             /* 1: the scores are of classes (edgeml_trees_class), 0: regression */
} edgeml_trees;

/* Fills `m` from a descriptor over `buffer` (`length` bytes). Returns 0, or -1 when an array
 * the descriptor names falls outside the buffer, is misaligned, or a field is out of range. */
int edgeml_trees_bind(edgeml_trees *m, const int32_t desc[EDGEML_TD_LENGTH], const uint8_t *buffer, uint32_t length);

/* scores[0..score_count) = base + what every tree's leaf for input x adds. */
void edgeml_trees_run(const edgeml_trees *m, const int16_t *x, int32_t *scores);

/* The class the scores name, exactly as classOf (firmware/core/package/specs.ts): -1 for
 * regression; one score: 1 if it is above the zero point, else 0; else the first highest. */
int32_t edgeml_trees_class(const edgeml_trees *m, const int32_t *scores);

#endif
