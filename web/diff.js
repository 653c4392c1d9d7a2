// Differential views of two analyses (a profile against a base profile).

// The flame tree of `current` with each node's base value (b) from the node
// of `base` on the same call path (matched by frame names from the root;
// 0 where the base has no such path). Paths found only in the base have no
// width in the new profile and are left out.
export function diffFlameTree(current, base) {
  const out = { n: current.n, v: current.v, s: current.s, b: base?.v ?? 0, c: [] };
  const stack = [[current, base, out]];
  while (stack.length) {
    const [node, baseNode, target] = stack.pop();
    const baseChildren = new Map((baseNode?.c ?? []).map((c) => [c.n, c]));
    for (const child of node.c ?? []) {
      const baseChild = baseChildren.get(child.n);
      const copy = { n: child.n, v: child.v, s: child.s, b: baseChild?.v ?? 0, c: [] };
      target.c.push(copy);
      stack.push([child, baseChild, copy]);
    }
  }
  return out;
}

// name -> flat value, from an analysis' top rows.
export function flatByName(rows) {
  return new Map(rows.map((r) => [r.name, r.flat]));
}
