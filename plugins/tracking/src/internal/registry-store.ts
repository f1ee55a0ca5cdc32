// The model registry in MLflow 2.x's file layout (mlflow/store/model_registry/file_store.py) under
// `<store>/models/`: a folder per model with meta.yaml, `version-N/meta.yaml`, `tags/` and `aliases/<alias>`
// (a file holding the version). An alias moves by an atomic rename: a reader sees the old version or the
// new one, never none.

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TrackingError } from './errors.js';
import { filesUnder, readText, subdirs, writeAtomic } from './files.js';
import type { ModelVersion, RegisteredModel, StoreProblem } from './model.js';
import { META, readMeta } from './run-reader.js';
import { dumpYaml, type YamlValue } from './yaml-dump.js';

export const MODELS = 'models';

/** `models:/NAME/VERSION` or `models:/NAME@ALIAS`, parsed. */
export interface ModelUri {
  readonly name: string;
  readonly version?: number;
  readonly alias?: string;
}

export const parseModelUri = (uri: string): ModelUri => {
  const m = /^models:\/([^/@]+)(?:\/(\d+)|@([\w-]+))$/.exec(uri);
  if (!m) {
    throw new TrackingError(
      'DAGRUN_ERR_REGISTRY_URI',
      `Model URI '${uri}': expected models:/NAME/VERSION or models:/NAME@ALIAS, but got another form.`,
      { hint: 'Hint: e.g. models:/property-valuation@champion' },
    );
  }
  return m[2] !== undefined ? { name: m[1]!, version: Number(m[2]) } : { name: m[1]!, alias: m[3]! };
};

/** No '/', '\\' or '%', and not '.' or '..' (which would name the registry folder or the store itself). */
const NAME_RE = /^(?!\.\.?$)[^/\\%]+$/;
const ALIAS_RE = /^[A-Za-z_][\w-]{0,254}$/;

export class ModelRegistry {
  readonly root: string;

  constructor(storeRoot: string) {
    this.root = join(storeRoot, MODELS);
  }

  models(problems: StoreProblem[] = []): RegisteredModel[] {
    const out: RegisteredModel[] = [];
    // Sorted: readdir's order is the file system's, not the same from one machine to the next.
    for (const name of subdirs(this.root).sort()) {
      try {
        out.push(this.model(name));
      } catch (err) {
        problems.push({ file: join(MODELS, name, META), message: (err as Error).message });
      }
    }
    return out;
  }

  model(name: string): RegisteredModel {
    const dir = this.#modelDir(name);
    const meta = this.#meta(join(dir, META));
    return {
      name: String(meta.name ?? name),
      creationTimestamp: typeof meta.creation_timestamp === 'number' ? meta.creation_timestamp : null,
      lastUpdatedTimestamp: typeof meta.last_updated_timestamp === 'number' ? meta.last_updated_timestamp : null,
      description: typeof meta.description === 'string' ? meta.description : null,
      aliases: this.#aliases(dir),
      tags: keyFiles(join(dir, 'tags'), false),
    };
  }

  /** Versions of a model, oldest first (deleted ones left out, as MLflow does). */
  versions(name: string, problems: StoreProblem[] = []): ModelVersion[] {
    const dir = this.#modelDir(name);
    const out: ModelVersion[] = [];
    for (const d of subdirs(dir).filter((x) => /^version-\d+$/.test(x))) {
      try {
        const v = this.version(name, Number(d.slice(8)));
        out.push(v);
      } catch (err) {
        if ((err as { code?: string }).code !== 'DAGRUN_ERR_REGISTRY_NOT_FOUND')
          problems.push({ file: join(MODELS, name, d, META), message: (err as Error).message });
      }
    }
    return out.sort((a, b) => a.version - b.version);
  }

  version(name: string, version: number): ModelVersion {
    const dir = join(this.#modelDir(name), `version-${version}`);
    if (!existsSync(dir))
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_NOT_FOUND',
        `Model '${name}' version ${version}: expected a registered version, but got none.`,
        { hint: `Hint: dagrun models show ${name}` },
      );
    const meta = this.#meta(join(dir, META));
    if (meta.current_stage === 'Deleted_Internal')
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_NOT_FOUND',
        `Model '${name}' version ${version}: expected a registered version, but got a deleted one.`,
      );
    const aliases = Object.entries(this.#aliases(this.#modelDir(name)))
      .filter(([, v]) => v === String(version))
      .map(([a]) => a);
    const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
    return {
      name,
      version,
      creationTimestamp: typeof meta.creation_timestamp === 'number' ? meta.creation_timestamp : null,
      lastUpdatedTimestamp: typeof meta.last_updated_timestamp === 'number' ? meta.last_updated_timestamp : null,
      description: s(meta.description),
      userId: s(meta.user_id),
      currentStage: s(meta.current_stage) ?? 'None',
      source: String(meta.source ?? ''),
      storageLocation: s(meta.storage_location),
      runId: s(meta.run_id),
      status: s(meta.status) ?? 'READY',
      aliases,
      tags: keyFiles(join(dir, 'tags'), false),
    };
  }

  /** The version a URI names (an alias resolved now). */
  resolve(uri: string | ModelUri): ModelVersion {
    const u = typeof uri === 'string' ? parseModelUri(uri) : uri;
    if (u.version !== undefined) return this.version(u.name, u.version);
    const target = this.#aliases(this.#modelDir(u.name))[u.alias!];
    if (target === undefined) {
      const known = Object.keys(this.#aliases(this.#modelDir(u.name))).sort();
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_NOT_FOUND',
        `Alias '${u.alias}' of model '${u.name}': ` +
          `expected an alias of the model (${known.join(', ') || 'it has none'}), but got no such alias.`,
        {
          hint:
            `Hint: dagrun models promote ${u.name} --to ${u.alias} ` +
            `(or dagrun models alias ${u.name} ${u.alias} VERSION)`,
        },
      );
    }
    return this.version(u.name, Number(target));
  }

  /** Registers a new version (creating the model on its first version), as create_model_version writes it. */
  createVersion(
    name: string,
    opts: {
      source: string;
      storageLocation: string;
      runId: string | null;
      description?: string;
      tags?: Readonly<Record<string, string>>;
    },
  ): ModelVersion {
    if (!NAME_RE.test(name))
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        `Model name '${name}': expected a name without '/', '\\' or '%' (and not '.' or '..'), but got '${name}'.`,
      );
    const dir = join(this.root, name);
    const now = Date.now();
    if (!existsSync(join(dir, META))) {
      mkdirSync(dir, { recursive: true });
      writeAtomic(
        join(dir, META),
        dumpYaml({ aliases: {}, creation_timestamp: now, description: null, last_updated_timestamp: now, name }),
      );
    }
    // The next number, with the folder created exclusively so two registrations never share one.
    let version =
      Math.max(
        0,
        ...subdirs(dir)
          .filter((d) => /^version-\d+$/.test(d))
          .map((d) => Number(d.slice(8))),
      ) + 1;
    for (;;) {
      try {
        mkdirSync(join(dir, `version-${version}`));
        break;
      } catch (err) {
        // Taken by another registration: the next one. Any other failure (read-only, folder gone) is final.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        version++;
      }
    }
    const meta: Record<string, YamlValue> = {
      aliases: [],
      creation_timestamp: now,
      current_stage: 'None',
      description: opts.description ?? null,
      last_updated_timestamp: now,
      name,
      run_id: opts.runId,
      run_link: null,
      source: opts.source,
      status: 'READY',
      status_message: null,
      storage_location: opts.storageLocation,
      user_id: null,
      version,
    };
    writeAtomic(join(dir, `version-${version}`, META), dumpYaml(meta), true);
    for (const [k, v] of Object.entries(opts.tags ?? {})) writeAtomic(join(dir, `version-${version}`, 'tags', k), v);
    this.#touch(name, now);
    return this.version(name, version);
  }

  /** Points an alias at a version (atomic rename of the alias file). */
  setAlias(name: string, alias: string, version: number): void {
    if (!ALIAS_RE.test(alias) || /^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        `Alias '${alias}': expected letters, digits, '_' or '-' starting with a letter ` +
          `(not 'latest' nor v<number>, as in MLflow), but got '${alias}'.`,
      );
    }
    this.version(name, version);
    writeAtomic(join(this.#modelDir(name), 'aliases', alias), String(version), true);
    this.#touch(name, Date.now());
  }

  deleteAlias(name: string, alias: string): void {
    // MLflow's alias rule, looser than setAlias's: any alias it may have written; never a path out of aliases/.
    if (!/^[\w-]+$/.test(alias))
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_URI',
        `Alias '${alias}': expected letters, digits, '_' or '-', but got '${alias}'.`,
      );
    rmSync(join(this.#modelDir(name), 'aliases', alias), { force: true });
    this.#touch(name, Date.now());
  }

  /**
   * Rewrites the model's meta.yaml with the time and an aliases snapshot, as
   * _update_registered_model_last_updated_time does.
   */
  #touch(name: string, now: number): void {
    const dir = this.#modelDir(name);
    const meta = this.#meta(join(dir, META));
    writeAtomic(
      join(dir, META),
      dumpYaml({ ...(meta as Record<string, YamlValue>), aliases: this.#aliases(dir), last_updated_timestamp: now }),
    );
  }

  #aliases(dir: string): Record<string, string> {
    return keyFiles(join(dir, 'aliases'), true);
  }

  #modelDir(name: string): string {
    const dir = join(this.root, name);
    if (!NAME_RE.test(name) || !existsSync(dir)) {
      const known = subdirs(this.root).sort();
      throw new TrackingError(
        'DAGRUN_ERR_REGISTRY_NOT_FOUND',
        `Registered model '${name}': ` +
          `expected one of the registry's models (${known.join(', ') || 'none yet'}), but got no such model.`,
        {
          hint:
            'Hint: dagrun models register --run ID --name NAME, ' +
            'or list the model dataset under register: in tracking.yaml.',
        },
      );
    }
    return dir;
  }

  #meta(file: string): Record<string, unknown> {
    const { meta, problem } = readMeta(file, join(this.root, '..'));
    if (!meta) throw new TrackingError('DAGRUN_ERR_TRACKING_CORRUPT', problem!.message);
    return meta;
  }
}

/** One file per key; alias files are trimmed (a hand-written one may end in a newline), tag values kept as written. */
const keyFiles = (dir: string, trim: boolean): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const k of filesUnder(dir)) {
    const text = readText(join(dir, k)) ?? '';
    out[k] = trim ? text.trim() : text;
  }
  return out;
};
