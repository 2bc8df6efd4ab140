import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const files = readdirSync(join(ROOT, 'replay')).filter((f) => f.endsWith('.ts'));

describe('replay/ boundaries', () => {
  it('imports only src/, reconstructor/, instrumentation/ and itself', () => {
    const reached = files.flatMap((f) =>
      [...readFileSync(join(ROOT, 'replay', f), 'utf8').matchAll(/from\s+['"](\.[^'"]+)['"]/g)].map((m) => relative(ROOT, resolve(ROOT, 'replay', dirname(f), m[1])).split(/[\\/]/)[0]),
    );
    expect(reached.filter((t) => !['src', 'reconstructor', 'instrumentation', 'replay'].includes(t))).toEqual([]);
  });

  it('only the vitest helper imports vitest (the package root must not load it)', () => {
    const importers = files.filter((f) => /from\s+['"]vitest['"]/.test(readFileSync(join(ROOT, 'replay', f), 'utf8')));
    expect(importers).toEqual(['vitest.ts']);
  });
});
