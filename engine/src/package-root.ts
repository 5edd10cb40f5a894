/** Locates files shipped with the package, from the TypeScript sources and from dist/ alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root folder: the nearest ancestor holding asconfig.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'asconfig.json'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('switchyard: cannot find the package root (no asconfig.json above the engine)');
}

/** An absolute path inside the package. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
