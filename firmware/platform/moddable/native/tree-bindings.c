/*
 * xsmc binding of the native tree walk (firmware/native/edgeml_trees.h), reached from
 * firmware/platform/moddable/native-trees.ts as native("xs_edgeml_tree_walk").
 *
 *   walk(descriptor, package, input, scores): four ArrayBuffers (or host buffers): the int32
 *   descriptor, the package buffer the descriptor's offsets point into, the int16 input and
 *   the int32 scores. No XS call between fetching the pointers and the walk can allocate, so
 *   the pointers stay valid (XS chunks move only on allocation). Returns the class index of
 *   the scores (edgeml_trees_class: classOf's), -1 for regression, so that Model.predict()
 *   is this one host call.
 */
#include "xsmc.h"
#include "../../../native/edgeml_trees.h"

#include <stdint.h>

static void *buffer_arg(xsMachine *the, int i, xsUnsignedValue *bytes, int writable, uintptr_t align)
{
	void *data;
	if (writable) xsmcGetBufferWritable(xsArg(i), &data, bytes);
	else xsmcGetBufferReadable(xsArg(i), &data, bytes);
	if ((uintptr_t)data % align != 0) xsRangeError("tree walk: argument %d is misaligned", i);
	return data;
}

void xs_edgeml_tree_walk(xsMachine *the)
{
	edgeml_trees m;
	xsUnsignedValue desc_bytes, length, x_bytes, s_bytes;
	const int32_t *desc;
	const uint8_t *buffer;
	const int16_t *x;
	int32_t *scores;

	if (xsmcArgc < 4) xsTypeError("tree walk: 4 arguments");
	desc = buffer_arg(the, 0, &desc_bytes, 0, 4);
	buffer = buffer_arg(the, 1, &length, 0, 1);
	x = buffer_arg(the, 2, &x_bytes, 0, 2);
	scores = buffer_arg(the, 3, &s_bytes, 1, 4);
	if (desc_bytes < 4 * EDGEML_TD_LENGTH || edgeml_trees_bind(&m, desc, buffer, length) != 0) xsRangeError("tree walk: bad descriptor");
	if (x_bytes < 2 * m.feature_count || s_bytes < 4 * m.score_count) xsRangeError("tree walk: input or scores too short");
	edgeml_trees_run(&m, x, scores);
	xsmcSetInteger(xsResult, edgeml_trees_class(&m, scores));
}
