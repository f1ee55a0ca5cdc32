// Loads a project's TypeScript modules without a loader thread: esbuild bundles each module with its
// local imports into <project>/.dagrun/cache (packages stay external, so they resolve from the project
// as before), keyed by a hash of every input's content, and Node imports the result. On Node 20 this
// avoids the ~0.3 s a loader-hooks thread costs each process. Falls back to tsx's hooks if the cache
// cannot be written.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import nodeModule from 'node:module';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TS_FILE = /\.[cm]?tsx?$/;

interface Manifest {
  readonly build: string;
  /** input path (relative to the project) -> sha1 of its content */
  readonly inputs: Record<string, string>;
  /** entry path (absolute) -> output file (absolute) */
  readonly outputs: Record<string, string>;
  /** Some bundled file imports a .ts/.js file outside the project, which then loads through tsx. */
  readonly outsideTs?: boolean;
}

/** A module that esbuild could not compile, with where the first problem is. */
export class TsCompileError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, file: string, line?: number, column?: number) {
    super(message);
    this.name = 'TsCompileError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** This process's compiled modules, by entry file, with the input hashes they were built from. */
const compiled = new Map<
  string,
  { target: string | Error; inputs: Record<string, string>; projectDir: string; outsideTs?: boolean }
>();

/** A memo entry still holds when its output exists and no input changed (files can change within a process). */
const fresh = (file: string): boolean => {
  const c = compiled.get(file);
  if (!c) return false;
  if (typeof c.target === 'string' && !existsSync(c.target)) return false;
  try {
    for (const [input, hash] of Object.entries(c.inputs))
      if (sha1(readFileSync(resolve(c.projectDir, input))) !== hash) return false;
  } catch {
    return false;
  }
  return true;
};
let sourceMapsOn = false;

const sha1 = (s: string | Buffer): string => createHash('sha1').update(s).digest('hex');

const cacheDir = (projectDir: string): string => join(projectDir, '.dagrun', 'cache');

/** The cached build for these entries when no input changed since, else undefined. */
const readManifest = async (file: string, projectDir: string): Promise<Manifest | undefined> => {
  let m: Manifest;
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  for (const [input, hash] of Object.entries(m.inputs)) {
    try {
      if (sha1(readFileSync(resolve(projectDir, input))) !== hash) return undefined;
    } catch {
      return undefined;
    }
  }
  for (const out of Object.values(m.outputs)) if (!existsSync(out)) return undefined;
  return m;
};

/** Keeps `import.meta.url` and friends pointing at the source file, not at the bundle. */
const importMetaPlugin = {
  name: 'dagrun-import-meta',
  setup(build: {
    onLoad(
      o: { filter: RegExp },
      cb: (a: { path: string }) => Promise<{ contents: string; loader: string } | undefined>,
    ): void;
  }) {
    build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const contents = text
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)));
      const ext = extname(args.path).replace(/^\.[cm]?/, '');
      return { contents, loader: ext === 'tsx' || ext === 'jsx' ? ext : ext === 'js' ? 'js' : 'ts' };
    });
  },
};

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number } | null;
}

/** Whether `file` lies inside the project (and not in a node_modules folder): only those are bundled. */
const insideProject = (file: string, projectDir: string): boolean => {
  const rel = relative(projectDir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(/[\\/]/).includes('node_modules');
};

/**
 * Files outside the project stay imports of their own path, so their package imports resolve from
 * where they live (a plugin in another folder, a monorepo sibling); `.ts` ones then need tsx.
 */
const outsidePlugin = (projectDir: string, seen: { outsideTs: boolean }) => ({
  name: 'dagrun-outside-project',
  setup(build: {
    onResolve(
      o: { filter: RegExp },
      cb: (a: { path: string; resolveDir: string; kind: string }) => { path: string; external: boolean } | undefined,
    ): void;
  }) {
    build.onResolve({ filter: /^(\.{1,2}\/|\/)/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const abs = resolve(args.resolveDir, args.path);
      if (insideProject(abs, projectDir)) return undefined;
      if (TS_FILE.test(abs) || /\.js$/.test(abs)) seen.outsideTs = true;
      return { path: abs, external: true };
    });
  },
});

const runEsbuild = async (
  entries: readonly string[],
  projectDir: string,
  outdir: string,
  seen: { outsideTs: boolean },
) => {
  const esbuild = await import('esbuild');
  return esbuild.build({
    entryPoints: [...entries],
    absWorkingDir: projectDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    outbase: projectDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: true,
    logLevel: 'silent',
    plugins: [outsidePlugin(projectDir, seen) as never, importMetaPlugin as never],
  });
};

const toCompileError = (err: unknown, projectDir: string): TsCompileError => {
  const first = ((err as { errors?: EsbuildMessage[] }).errors ?? [])[0];
  if (!first) return new TsCompileError(err instanceof Error ? err.message : String(err), '');
  const loc = first.location;
  const file = loc ? (isAbsolute(loc.file) ? relative(projectDir, loc.file) : loc.file) : '';
  return new TsCompileError(
    loc ? `${file}:${loc.line}:${loc.column + 1}: ${first.text}` : first.text,
    file,
    loc?.line,
    loc ? loc.column + 1 : undefined,
  );
};

/**
 * Compiles `files` (absolute .ts paths) in one esbuild build, reusing the cache when no input changed.
 * Each file maps to the module to import, or to the error that stops it from compiling.
 */
export const compileTs = async (files: readonly string[], projectDir: string): Promise<Map<string, string | Error>> => {
  // Files outside the project are imported through tsx (see outsidePlugin): no entry here.
  const entries = [...new Set(files)].filter((f) => insideProject(f, projectDir) && !fresh(f)).sort();
  const result = new Map<string, string | Error>();
  if (entries.length > 0) {
    const key = sha1(entries.join('\n')).slice(0, 16);
    const dir = cacheDir(projectDir);
    const manifestFile = join(dir, `ts-${key}.json`);
    let manifest = await readManifest(manifestFile, projectDir);
    if (!manifest) {
      const build = `ts-${key}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const outdir = join(dir, build);
      try {
        await mkdir(dir, { recursive: true });
        const seen = { outsideTs: false };
        const out = await runEsbuild(entries, projectDir, outdir, seen);
        const inputs: Record<string, string> = {};
        for (const input of Object.keys(out.metafile.inputs)) {
          inputs[input] = sha1(readFileSync(resolve(projectDir, input)));
        }
        const outputs: Record<string, string> = {};
        for (const [outFile, meta] of Object.entries(out.metafile.outputs)) {
          if (meta.entryPoint) outputs[resolve(projectDir, meta.entryPoint)] = resolve(projectDir, outFile);
        }
        manifest = { build, inputs, outputs, outsideTs: seen.outsideTs };
        const tmp = `${manifestFile}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(manifest));
        await rename(tmp, manifestFile);
        await pruneOldBuilds(dir, key, build);
      } catch (err) {
        await rm(outdir, { recursive: true, force: true });
        // not a compile error: the caller falls back to tsx
        if ((err as { errors?: unknown }).errors === undefined) throw err;
        if (entries.length === 1) {
          const e = entries[0]!;
          compiled.set(e, {
            target: toCompileError(err, projectDir),
            inputs: { [relative(projectDir, e)]: sha1(readFileSync(e)) },
            projectDir,
          });
        } else {
          // Attribute the failure: build each entry alone (each call records its own result).
          await Promise.all(entries.map((e) => compileTs([e], projectDir)));
        }
      }
    }
    if (manifest) {
      for (const e of entries)
        compiled.set(e, {
          target: manifest.outputs[e] ?? new TsCompileError(`esbuild produced no output for ${e}`, e),
          inputs: manifest.inputs,
          projectDir,
          outsideTs: manifest.outsideTs === true,
        });
    }
  }
  for (const f of files) {
    const c = compiled.get(f);
    if (c) result.set(f, c.target);
  }
  return result;
};

/**
 * Removes earlier builds of the same entries once they are an hour old: a process started just before
 * may still be importing one, so recent builds stay.
 */
const pruneOldBuilds = async (dir: string, key: string, keep: string): Promise<void> => {
  try {
    const cutoff = Date.now() - 3_600_000;
    for (const name of await readdir(dir)) {
      if (!name.startsWith(`ts-${key}-`) || name === keep) continue;
      if ((await stat(join(dir, name))).mtimeMs < cutoff) await rm(join(dir, name), { recursive: true, force: true });
    }
  } catch {
    // best effort
  }
};

let tsxReady: Promise<void> | undefined;
/** Registers tsx's loader hooks once: the fallback when the cache cannot be used. */
export const ensureTs = (): Promise<void> =>
  (tsxReady ??= (async () => {
    if (!('registerHooks' in nodeModule)) {
      try {
        nodeModule.register('tsx/esm', import.meta.url, { data: {} });
        process.setSourceMapsEnabled(true);
        return;
      } catch {
        // tsx refused the direct registration: fall through to its API.
      }
    }
    const { register } = await import('tsx/esm/api');
    register();
  })());

/** Imports a project file: TypeScript through the compile cache (or tsx), anything else directly. */
export const importProjectFile = async (file: string, projectDir: string): Promise<Record<string, unknown>> => {
  if (!TS_FILE.test(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  let target: string | Error | undefined;
  try {
    target = (await compileTs([file], projectDir)).get(file);
  } catch {
    target = undefined; // cache not writable, esbuild unavailable: use tsx
  }
  if (target instanceof Error) throw target;
  if (target === undefined) {
    await ensureTs();
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
  if (!sourceMapsOn) {
    process.setSourceMapsEnabled(true);
    sourceMapsOn = true;
  }
  if (compiled.get(file)?.outsideTs) await ensureTs();
  return (await import(pathToFileURL(target).href)) as Record<string, unknown>;
};
