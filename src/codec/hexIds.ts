/**
 * OpenTelemetry trace and span ids (16 or 32 lowercase hex digits) in a
 * block's string table travel as bytes: half the size, and random hex is
 * exactly what lz4 cannot shrink (ids were ~10 of ~22 stored bytes per
 * event on the benchmark mix). Each id's table slot holds its width
 * (0: 8 bytes, 1: 16 bytes) and the bytes of all ids follow in one buffer;
 * any other string stays as it is, so the table reads back exactly.
 */
const HEX_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;

export type IdTable = (string | number)[];

/** A lowercase hex digit's character code. */
const isHexCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);

/** The table with ids replaced by their widths, and the ids' bytes (undefined when there are none). */
export function packIds(strings: string[]): { table: IdTable; bytes: Buffer | undefined } {
  let at: number[] = [];
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    // Both ends checked: a name or attribute of an id's length (`http.status_text`)
    // would otherwise send every id of the block through the regex below (~75 ns each).
    if (typeof s === 'string' && (s.length === 16 || s.length === 32) && isHexCode(s.charCodeAt(0)) && isHexCode(s.charCodeAt(s.length - 1))) at.push(i);
  }
  // Usually every candidate is an id: one conversion checks them all.
  let bytes = hexBytes(strings, at);
  if (bytes === undefined) {
    at = at.filter((i) => HEX_ID.test(strings[i]));
    bytes = hexBytes(strings, at);
  }
  if (bytes === undefined || at.length === 0) return { table: strings, bytes: undefined };
  const table: IdTable = strings.slice();
  for (const i of at) table[i] = strings[i].length === 32 ? 1 : 0;
  return { table, bytes };
}

/** The bytes of `strings` at `at` read as hex, or undefined when they would not read back identical. */
function hexBytes(strings: string[], at: number[]): Buffer | undefined {
  const hex = at.map((i) => strings[i]).join('');
  // Node's hex decoder reads only the low byte of each character ('š' as
  // 'a'): anything beyond ASCII must be refused first (UTF-8 length equals
  // the character count only for ASCII). Upper case decodes but would come
  // back lower. These two native passes cost ~1/5 of encoding the bytes
  // back to hex to compare.
  if (Buffer.byteLength(hex, 'utf8') !== hex.length || hex.toLowerCase() !== hex) return undefined;
  const bytes = Buffer.from(hex, 'hex');
  // Decoding stops at the first pair that is not hex, so anything else comes out short.
  return bytes.length * 2 === hex.length ? bytes : undefined;
}

/** The string table back: each width slot takes the next id from `bytes`. */
export function unpackIds(table: unknown, bytes: unknown): string[] {
  if (!Array.isArray(table)) throw new Error('malformed string table');
  if (bytes === undefined || bytes === null) {
    if (!table.every((s) => typeof s === 'string')) throw new Error('id slots without id bytes');
    return table as string[];
  }
  if (!(bytes instanceof Uint8Array)) throw new Error('malformed id bytes');
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let at = 0;
  const out = table.map((s) => {
    if (typeof s === 'string') return s;
    if (s !== 0 && s !== 1) throw new Error('bad id slot');
    const end = at + (s === 1 ? 32 : 16);
    const id = hex.slice(at, end);
    at = end;
    return id;
  });
  if (at !== hex.length) throw new Error('id bytes and slots disagree');
  return out;
}
