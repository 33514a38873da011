import type { ElementStructure } from './element-spec.js';

/**
 * Puts per-component values back into the element's form: a tuple gives an array, a record
 * an object with the structure's keys, a bare element the one value.
 *
 * @example
 * ```ts
 * rebuild({ kind: 'record', keys: ['x', 'y'] }, [a, b]); // { x: a, y: b }
 * ```
 */
export function rebuild<C>(
  structure: ElementStructure,
  components: C[],
): C | C[] | Record<string, C> {
  if (structure.kind === 'tuple') return components;
  if (structure.kind === 'bare') return components[0] as C;
  const out: Record<string, C> = {};
  for (let c = 0; c < structure.keys.length; c++) out[structure.keys[c]!] = components[c] as C;
  return out;
}
