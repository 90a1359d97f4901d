// Greedy arena planner by buffer lifetime, as TensorFlow Lite Micro's GreedyMemoryPlanner:
// buffers are placed largest first (ties: earlier first use, then lower id), each at the lowest
// offset where it overlaps no already placed buffer whose lifetime intersects its own.

export interface BufferRequest {
  /** Bytes (rounded up to the alignment by the planner). */
  readonly size: number;
  /** First and last step (op index) during which the buffer must hold its data, inclusive. */
  readonly first: number;
  readonly last: number;
}

export interface ArenaPlan {
  /** Byte offset of each request, in request order; multiples of `alignment`. */
  readonly offsets: number[];
  /** Bytes the arena needs. */
  readonly size: number;
}

export function planArena(requests: readonly BufferRequest[], alignment = 4): ArenaPlan {
  const n = requests.length;
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) sizes.push(Math.ceil(requests[i].size / alignment) * alignment);
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  order.sort((a, b) => sizes[b] - sizes[a] || requests[a].first - requests[b].first || a - b);

  const offsets: number[] = new Array<number>(n).fill(0);
  const placed: number[] = []; // ids, kept sorted by offset
  let size = 0;
  for (const id of order) {
    const r = requests[id];
    const need = sizes[id];
    let candidate = 0;
    for (const other of placed) {
      const o = requests[other];
      if (o.last < r.first || o.first > r.last) continue; // lifetimes do not intersect
      if (offsets[other] >= candidate + need) break;      // the gap below `other` fits
      const end = offsets[other] + sizes[other];
      if (end > candidate) candidate = end;
    }
    offsets[id] = candidate;
    let k = placed.length;
    while (k > 0 && offsets[placed[k - 1]] > candidate) k--;
    placed.splice(k, 0, id);
    if (candidate + need > size) size = candidate + need;
  }
  return { offsets, size };
}
