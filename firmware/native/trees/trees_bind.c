/*
 * edgeml_trees_bind: the descriptor (built once at load from a validated body) into pointers.
 * The checks are constant work per call: they keep a wrong descriptor from reading outside
 * the buffer; the tree contents themselves were validated once, at load, by parseTreeBody.
 */
#include "../edgeml_trees.h"

#include <stddef.h>

/* The array of `count` elements of `size` bytes at byte `at`, or NULL if it does not fit. */
static const void *array_at(const uint8_t *buffer, uint32_t length, int32_t at, int32_t count, int32_t size)
{
	const uint8_t *p;
	if (at < 0 || count < 0 || (uint64_t)at + (uint64_t)count * (uint64_t)size > length) return NULL;
	p = buffer + at;
	if ((uintptr_t)p % (uintptr_t)size != 0) return NULL;
	return p;
}

static int is_width(int32_t bytes, int32_t a, int32_t b)
{
	return bytes == a || bytes == b;
}

int edgeml_trees_bind(edgeml_trees *m, const int32_t desc[EDGEML_TD_LENGTH], const uint8_t *buffer, uint32_t length)
{
	const int32_t kind = desc[EDGEML_TD_KIND];
	const int32_t entries = desc[EDGEML_TD_ENTRIES];
	const int32_t trees = desc[EDGEML_TD_TREES];
	const int32_t table = desc[EDGEML_TD_TABLE];
	const int32_t fb = desc[EDGEML_TD_FEATURE_BYTES];
	const int32_t tb = desc[EDGEML_TD_THRESHOLD_BYTES];
	const int32_t lb = desc[EDGEML_TD_LINK_BYTES];
	const int32_t vb = desc[EDGEML_TD_VALUE_BYTES];
	const int inline_leaves = kind == EDGEML_TREES_ADD || kind == EDGEML_TREES_VOTE;

	if (kind < EDGEML_TREES_ADD || kind > EDGEML_TREES_SPARSE) return -1;
	if ((desc[EDGEML_TD_SPLIT] & ~1) != 0 || trees < 1 || entries < trees) return -1;
	if (desc[EDGEML_TD_FEATURES] < 0 || desc[EDGEML_TD_SCORES] < 1 || desc[EDGEML_TD_WIDTH] < 0) return -1;
	if ((desc[EDGEML_TD_CLASSIFY] & ~1) != 0) return -1;
	if (!is_width(fb, 1, 2) || !is_width(tb, 2, 4) || !is_width(lb, 2, 4) || !(inline_leaves ? vb == 0 : is_width(vb, 2, 4))) return -1;

	m->features = array_at(buffer, length, desc[EDGEML_TD_AT_FEATURES], entries, fb);
	m->thresholds = array_at(buffer, length, desc[EDGEML_TD_AT_THRESHOLDS], entries, tb);
	m->right = array_at(buffer, length, desc[EDGEML_TD_AT_RIGHT], entries, lb);
	m->root_left = array_at(buffer, length, desc[EDGEML_TD_AT_ROOT_LEFT], trees, lb);
	m->tree_output = array_at(buffer, length, desc[EDGEML_TD_AT_OUTPUTS], trees, 2);
	m->values = inline_leaves ? m->thresholds : array_at(buffer, length, desc[EDGEML_TD_AT_VALUES], table, vb);
	m->classes = array_at(buffer, length, desc[EDGEML_TD_AT_CLASSES], kind == EDGEML_TREES_SPARSE ? table : 0, 2);
	m->base = array_at(buffer, length, desc[EDGEML_TD_AT_BASE], desc[EDGEML_TD_SCORES], 4);
	if (!m->features || !m->thresholds || !m->right || !m->root_left || !m->tree_output || !m->values || !m->classes || !m->base) return -1;

	m->unit = desc[EDGEML_TD_UNIT];
	m->zero_point = desc[EDGEML_TD_ZERO_POINT];
	m->classify = (uint8_t)desc[EDGEML_TD_CLASSIFY];
	m->tree_count = (uint32_t)trees;
	m->feature_count = (uint32_t)desc[EDGEML_TD_FEATURES];
	m->score_count = (uint32_t)desc[EDGEML_TD_SCORES];
	m->width = (uint32_t)desc[EDGEML_TD_WIDTH];
	m->kind = (uint8_t)kind;
	m->split = (uint8_t)desc[EDGEML_TD_SPLIT];
	m->feature_bytes = (uint8_t)fb;
	m->threshold_bytes = (uint8_t)tb;
	m->link_bytes = (uint8_t)lb;
	m->value_bytes = (uint8_t)vb;
	return 0;
}
