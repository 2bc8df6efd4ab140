/**
 * The page and its files, served from the installed package (no CDN: the
 * viewer works offline). The page's own files live in cli/view/assets/ (the
 * package ships that folder: package.json "files"); jsondiffpatch's browser
 * build is served from node_modules. Every file sits under
 * /static/<token>/, so the page's relative module imports carry the token.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Run from TypeScript sources (vitest) the assets sit beside this module;
 * compiled, this module is dist/cli/view/assets.js and the assets stay in the
 * package's cli/view/assets/.
 */
const here = import.meta.url;
const ASSETS_DIR = fileURLToPath(new URL(here.endsWith('.ts') ? './assets/' : '../../../cli/view/assets/', here));
/** jsondiffpatch's ES modules (its main entry imports only relative files: no bundler needed). */
const VENDOR_DIR = dirname(createRequire(here).resolve('jsondiffpatch'));
const VENDOR_PREFIX = 'vendor/jsondiffpatch/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** The file of `root` at relative path `rel`, refusing anything that climbs out of it or is not a page file. */
async function fileIn(root: string, rel: string): Promise<Asset | undefined> {
  const type = TYPES[extname(rel)];
  const path = normalize(join(root, rel));
  if (!type || !path.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  try {
    return { body: await readFile(path), type };
  } catch {
    return undefined;
  }
}

export class Assets {
  private readonly cache = new Map<string, Promise<Asset | undefined>>();

  constructor(readonly token: string) {}

  /** URL prefix of the static files. */
  get base(): string {
    return `/static/${this.token}/`;
  }

  /** A static file by its path after the prefix, or undefined (404). Files never change while serving: read once (misses are not kept). */
  file(rel: string): Promise<Asset | undefined> {
    let asset = this.cache.get(rel);
    if (!asset) {
      asset = rel.startsWith(VENDOR_PREFIX) ? fileIn(VENDOR_DIR, rel.slice(VENDOR_PREFIX.length)) : fileIn(ASSETS_DIR, rel);
      const pending = asset;
      this.cache.set(rel, pending);
      void pending.then((found) => {
        if (!found && this.cache.get(rel) === pending) this.cache.delete(rel);
      });
    }
    return asset;
  }

  /**
   * The page, from the index.html template: file URLs under the token's
   * prefix, and an import map naming jsondiffpatch's modules. The import map
   * is the page's only inline script; its hash goes into the CSP.
   */
  async page(): Promise<{ html: string; scriptHash: string }> {
    const vendor = `${this.base}${VENDOR_PREFIX}`;
    const importMap = JSON.stringify({ imports: { jsondiffpatch: `${vendor}index.js` } });
    const template = await readFile(join(ASSETS_DIR, 'index.html'), 'utf8');
    const html = template.replaceAll('%BASE%', this.base).replace('%IMPORTMAP%', () => importMap);
    return { html, scriptHash: createHash('sha256').update(importMap).digest('base64') };
  }
}
