/*
 * xsmc bindings of the int8 graph kernels (firmware/native/edgeml_graph.h), reached from
 * firmware/core/graph/native-kernels.ts through firmware/platform/moddable/native-graph.ts as
 * native("xs_edgeml_<op>"):
 *
 *   conv2d, depthwise_conv2d, fully_connected: (params, weights, input, output)
 *   max_pool2d, average_pool2d, softmax:       (params, input, output)
 *
 * Every argument is a byte view (Uint8Array or Int8Array: xsmcGetBuffer reads only 1-byte typed
 * arrays); params views the bytes of an Int32Array of its own (so 4-aligned) that prepare() built
 * from a validated op, and the views were sized by the engine at load. So a call checks only
 * its argument count. The pointers are fetched just before the kernel runs, with no XS call in
 * between that could allocate (XS chunks move only on allocation).
 */
#include "xsmc.h"
#include "../../../native/edgeml_graph.h"

static const void *readable(xsMachine *the, int i)
{
	void *data;
	xsUnsignedValue bytes;
	xsmcGetBufferReadable(xsArg(i), &data, &bytes);
	return data;
}

static void *writable(xsMachine *the, int i)
{
	void *data;
	xsUnsignedValue bytes;
	xsmcGetBufferWritable(xsArg(i), &data, &bytes);
	return data;
}

typedef void (*weighted_kernel)(const int32_t *, const int8_t *, const int8_t *, int8_t *);
typedef void (*pool_kernel)(const int32_t *, const int8_t *, int8_t *);

static void call_weighted(xsMachine *the, weighted_kernel kernel)
{
	const int32_t *params;
	const int8_t *weights, *input;
	int8_t *output;
	if (xsmcArgc < 4) xsTypeError("graph kernel: 4 arguments");
	params = readable(the, 0);
	weights = readable(the, 1);
	input = readable(the, 2);
	output = writable(the, 3);
	kernel(params, weights, input, output);
}

static void call_pool(xsMachine *the, pool_kernel kernel)
{
	const int32_t *params;
	const int8_t *input;
	int8_t *output;
	if (xsmcArgc < 3) xsTypeError("pooling kernel: 3 arguments");
	params = readable(the, 0);
	input = readable(the, 1);
	output = writable(the, 2);
	kernel(params, input, output);
}

void xs_edgeml_conv2d(xsMachine *the)
{
	call_weighted(the, edgeml_conv2d);
}

void xs_edgeml_depthwise_conv2d(xsMachine *the)
{
	call_weighted(the, edgeml_depthwise_conv2d);
}

void xs_edgeml_fully_connected(xsMachine *the)
{
	call_weighted(the, edgeml_fully_connected);
}

void xs_edgeml_max_pool2d(xsMachine *the)
{
	call_pool(the, edgeml_max_pool2d);
}

void xs_edgeml_average_pool2d(xsMachine *the)
{
	call_pool(the, edgeml_average_pool2d);
}

void xs_edgeml_softmax(xsMachine *the)
{
	call_pool(the, edgeml_softmax);
}
