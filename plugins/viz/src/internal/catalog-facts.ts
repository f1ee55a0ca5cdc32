// What the catalog says about each dataset the graph draws: type, description (secrets masked),
// versions present on storage. Read through the catalog's public API; nothing is loaded.

import type { Project } from '@dagrun/core';
import type { DatasetFacts } from './graph.js';
import { credentialSecrets, maskSecrets } from './mask.js';
import { VERSIONS_SHOWN } from './model.js';

export const collectDatasetFacts = async (
  project: Project,
  names: Iterable<string>,
): Promise<Map<string, DatasetFacts>> => {
  const secrets = credentialSecrets(project.credentials?.data);
  const { catalog } = project.createCatalog();
  const out = new Map<string, DatasetFacts>();
  try {
    for (const name of names) {
      if (catalog.isBroken(name)) {
        const configured = (project.catalogConfig?.data[name] as { type?: unknown } | undefined)?.type;
        out.set(name, {
          type: typeof configured === 'string' ? configured : 'unknown',
          declared: true,
          facts: {},
          versions: [],
          versionCount: 0,
          problem: 'This catalog entry does not pass its checks; `dagrun check` says why.',
        });
        continue;
      }
      const described = catalog.describe(name);
      const versions = described.versioned === true ? await catalog.versions(name) : [];
      out.set(name, {
        type: String(described.type ?? catalog.entryType(name) ?? 'memory'),
        declared: catalog.isDeclared(name),
        facts: maskSecrets(described, secrets) as Record<string, unknown>,
        versions: versions.slice(0, VERSIONS_SHOWN),
        versionCount: versions.length,
      });
    }
  } finally {
    await catalog.close();
  }
  return out;
};
