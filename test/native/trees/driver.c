/*
 * Host driver for the tree walk: reads a descriptor, the package buffer and int16 inputs from
 * stdin, writes the int32 scores of each input and then its int32 class (edgeml_trees_class)
 * to stdout (little-endian host assumed, as the tests run on x86/ARM Linux). Exit 3:
 * edgeml_trees_bind refused the descriptor.
 *   stdin: u32 n, int32 desc[n] | u32 length, buffer[length] | u32 count, u32 features, int16 x[count * features]
 */
#include "edgeml_trees.h"

#include <stdio.h>
#include <stdlib.h>

static void *read_exact(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1); /* malloc's alignment suits every array */
	if (!p || fread(p, 1, bytes, stdin) != bytes) {
		fprintf(stderr, "short input\n");
		exit(2);
	}
	return p;
}

static uint32_t read_u32(void)
{
	uint32_t v;
	uint32_t *p = read_exact(4);
	v = *p;
	free(p);
	return v;
}

int main(void)
{
	edgeml_trees m;
	uint32_t n = read_u32(), length, count, features, i;
	int32_t *desc, *scores;
	uint8_t *buffer;
	int16_t *x;

	if (n != EDGEML_TD_LENGTH) {
		fprintf(stderr, "descriptor of %u fields\n", (unsigned)n);
		return 2;
	}
	desc = read_exact(4 * (size_t)n);
	length = read_u32();
	buffer = read_exact(length);
	count = read_u32();
	features = read_u32();
	x = read_exact(2 * (size_t)count * features);
	if (edgeml_trees_bind(&m, desc, buffer, length) != 0) {
		fprintf(stderr, "descriptor refused\n");
		return 3;
	}
	scores = malloc(4 * (size_t)m.score_count);
	for (i = 0; i < count; i++) {
		int32_t cls;
		edgeml_trees_run(&m, x + (size_t)i * features, scores);
		cls = edgeml_trees_class(&m, scores);
		fwrite(scores, 4, m.score_count, stdout);
		fwrite(&cls, 4, 1, stdout);
	}
	free(scores);
	free(x);
	free(buffer);
	free(desc);
	return 0;
}
