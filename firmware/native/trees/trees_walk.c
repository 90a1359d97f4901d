/*
 * edgeml_trees_run: every tree walked from its root to a leaf, then the leaf's contribution,
 * exactly as TreeEngine.run() (firmware/core/trees/engine.ts). Sums are exact: parseTreeBody
 * bounds every partial sum of every score within int32, in any order of the trees.
 *
 * One walk per array layout (u8/u16 features, i16/i32 thresholds, u16/u32 links), made by
 * WALK, so the inner loop has no width tests. A step is `n = x[f[n]] < th[n] ? n + 1 : r[n]`
 * (the left child of a non-root node is the next entry); `x <= t` is `x - 1 < t`, exact for
 * int16 x in int32. A root that is a leaf is never compared (its feature is past the input).
 *
 * edgeml_trees_class: the class index Model.predict() returns, so that the binding gives it
 * in the same host call as the scores.
 */
#include "../edgeml_trees.h"

static int32_t value_at(const edgeml_trees *m, uint32_t i)
{
	return m->value_bytes == 2 ? ((const int16_t *)m->values)[i] : ((const int32_t *)m->values)[i];
}

/* What a dense or sparse leaf of payload p adds to the scores. */
static void add_table_leaf(const edgeml_trees *m, int32_t p, int32_t *s)
{
	uint32_t e, k;
	int32_t c;
	if (m->kind == EDGEML_TREES_DENSE) {
		if (m->value_bytes == 2) {
			const int16_t *row = (const int16_t *)m->values + p;
			for (k = 0; k < m->width; k++) s[k] += row[k];
		} else {
			const int32_t *row = (const int32_t *)m->values + p;
			for (k = 0; k < m->width; k++) s[k] += row[k];
		}
	} else if (p < 0) {
		s[~p] += m->unit;
	} else {
		for (e = (uint32_t)p; (c = m->classes[e]) >= 0; e++) s[c] += value_at(m, e);
		s[~c] += value_at(m, e);
	}
}

/* Tree t from its root to a leaf: n ends on the leaf entry. */
#define DESCEND(t, n) \
	do { \
		n = t; \
		if (f[n] < leaf) { \
			n = (int32_t)x[f[n]] - le < th[n] ? rl[t] : r[n]; \
			while (f[n] < leaf) n = (int32_t)x[f[n]] - le < th[n] ? n + 1 : r[n]; \
		} \
	} while (0)

/* Inline leaves (boosting, hard votes) get loops of their own: their leaf work is one add. */
#define WALK(NAME, FT, TT, LT) \
	static void NAME(const edgeml_trees *m, const int16_t *x, int32_t *s) \
	{ \
		const FT *f = (const FT *)m->features; \
		const TT *th = (const TT *)m->thresholds; \
		const LT *r = (const LT *)m->right; \
		const LT *rl = (const LT *)m->root_left; \
		const uint32_t leaf = m->feature_count; \
		const uint32_t trees = m->tree_count; \
		const int32_t le = m->split; \
		uint32_t t, n; \
		if (m->kind == EDGEML_TREES_ADD) { \
			const uint16_t *out = m->tree_output; \
			for (t = 0; t < trees; t++) { \
				DESCEND(t, n); \
				s[out[t]] += th[n]; \
			} \
		} else if (m->kind == EDGEML_TREES_VOTE) { \
			for (t = 0; t < trees; t++) { \
				DESCEND(t, n); \
				s[th[n]]++; \
			} \
		} else { \
			for (t = 0; t < trees; t++) { \
				DESCEND(t, n); \
				add_table_leaf(m, th[n], s); \
			} \
		} \
	}

WALK(walk_8_16_16, uint8_t, int16_t, uint16_t)
WALK(walk_8_16_32, uint8_t, int16_t, uint32_t)
WALK(walk_8_32_16, uint8_t, int32_t, uint16_t)
WALK(walk_8_32_32, uint8_t, int32_t, uint32_t)
WALK(walk_16_16_16, uint16_t, int16_t, uint16_t)
WALK(walk_16_16_32, uint16_t, int16_t, uint32_t)
WALK(walk_16_32_16, uint16_t, int32_t, uint16_t)
WALK(walk_16_32_32, uint16_t, int32_t, uint32_t)

typedef void (*walk_fn)(const edgeml_trees *m, const int16_t *x, int32_t *s);

/* WALKS[feature_bytes == 2][threshold_bytes == 4][link_bytes == 4] */
static const walk_fn WALKS[2][2][2] = {
	{ { walk_8_16_16, walk_8_16_32 }, { walk_8_32_16, walk_8_32_32 } },
	{ { walk_16_16_16, walk_16_16_32 }, { walk_16_32_16, walk_16_32_32 } },
};

void edgeml_trees_run(const edgeml_trees *m, const int16_t *x, int32_t *scores)
{
	uint32_t i;
	for (i = 0; i < m->score_count; i++) scores[i] = m->base[i];
	WALKS[m->feature_bytes == 2][m->threshold_bytes == 4][m->link_bytes == 4](m, x, scores);
}

int32_t edgeml_trees_class(const edgeml_trees *m, const int32_t *scores)
{
	uint32_t i, best = 0;
	if (!m->classify) return -1;
	if (m->score_count == 1) return scores[0] > m->zero_point ? 1 : 0;
	for (i = 1; i < m->score_count; i++) if (scores[i] > scores[best]) best = i;
	return (int32_t)best;
}
