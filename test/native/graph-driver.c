/*
 * Test driver for the native graph kernels: reads op records from stdin, runs each through its
 * kernel and writes the outputs to stdout, concatenated. A record (little-endian):
 *   int32 op (0 conv2d, 1 depthwise, 2 fully connected, 3 max pool, 4 average pool, 5 softmax),
 *   int32 n, int32 params[n], int32 nw, int8 weights[nw], int32 nx, int8 input[nx], int32 ny.
 * Every buffer is allocated at its exact size, so AddressSanitizer sees any access outside it.
 * argv[1], if given, runs each op that many times (instruction counting).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edgeml_graph.h"

static void *read_bytes(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);
	if (p == NULL || fread(p, 1, n, stdin) != n) {
		fprintf(stderr, "graph-driver: truncated record\n");
		exit(2);
	}
	return p;
}

static int read_int(int32_t *v)
{
	return fread(v, sizeof *v, 1, stdin) == 1;
}

static int32_t read_length(void)
{
	int32_t v;
	if (!read_int(&v) || v < 0) {
		fprintf(stderr, "graph-driver: bad length\n");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long repeat = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	int32_t op;
	while (read_int(&op)) {
		int32_t np = read_length();
		int32_t *params = read_bytes((size_t)np * sizeof(int32_t));
		int32_t nw = read_length();
		int8_t *w = read_bytes((size_t)nw);
		int32_t nx = read_length();
		int8_t *x = read_bytes((size_t)nx);
		int32_t ny = read_length();
		int8_t *y = malloc(ny > 0 ? (size_t)ny : 1);
		long r;
		if (y == NULL) return 2;
		for (r = 0; r < repeat; r++) {
			switch (op) {
			case 0: edgeml_conv2d(params, w, x, y); break;
			case 1: edgeml_depthwise_conv2d(params, w, x, y); break;
			case 2: edgeml_fully_connected(params, w, x, y); break;
			case 3: edgeml_max_pool2d(params, x, y); break;
			case 4: edgeml_average_pool2d(params, x, y); break;
			case 5: edgeml_softmax(params, x, y); break;
			default: fprintf(stderr, "graph-driver: op %ld\n", (long)op); return 2;
			}
		}
		fwrite(y, 1, (size_t)ny, stdout);
		free(params);
		free(w);
		free(x);
		free(y);
	}
	return fflush(stdout) == 0 ? 0 : 2;
}
