import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  let out: string[] = [];
  try {
    statSync(join(ROOT, dir));
  } catch {
    return out;
  }
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Top-level folders each file's relative imports reach. */
function reachedFolders(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? m[2]));
    out.push(target.split(/[\\/]/)[0]);
  }
  return out;
}

/** The dependency direction of the design guide. */
const ALLOWED: Record<string, string[]> = {
  src: ['src'],
  instrumentation: ['src', 'instrumentation'],
  reconstructor: ['src', 'reconstructor'],
  replay: ['src', 'instrumentation', 'reconstructor', 'replay'],
};

describe('architecture', () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.join(' and ')}`, () => {
      const violations = files(folder).flatMap((f) => reachedFolders(f).filter((t) => !allowed.includes(t)).map((t) => `${f} -> ${t}/`));
      expect(violations).toEqual([]);
    });
  }

  it('the checker sees a violation when there is one', () => {
    // Guards the regex: a file of src/ that reached reconstructor/ must be reported.
    const fake = "import { x } from '../reconstructor/StateReconstructor.js';";
    const m = [...fake.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)];
    expect(relative(ROOT, resolve(ROOT, 'src', m[0][1])).split(/[\\/]/)[0]).toBe('reconstructor');
  });
});
