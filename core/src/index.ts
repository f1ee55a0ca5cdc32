// @dagrun/core: the public API. Everything a project, a plugin or the CLI uses is exported here;
// nothing under internal/ is imported from outside this package.

export { ENGINE_VERSION } from './internal/version.js';
export {
  ERROR_CODES,
  DagrunError,
  ConfigError,
  PipelineError,
  CatalogError,
  DatasetError,
  NodeError,
  PluginError,
  CheckError,
  formatLocation,
  didYouMean,
  type ErrorCode,
  type SourceLocation,
  type ErrorContext,
  type ResumePlan,
  type RunFailure,
} from './internal/errors.js';
export { describeValue } from './internal/describe.js';
export { callNode } from './internal/node-call.js';
export { resumeArgs, shellCommand } from './internal/executor.js';
export { Node, node, isParamInput, type NodeFunction, type NodeSpec } from './internal/pipeline/node.js';
export { Pipeline, pipeline, type PipelineFilter } from './internal/pipeline/pipeline.js';
export { PipelineRegistry, loadPipelines, resolveFunc } from './internal/pipeline/loader.js';
export type {
  Dataset,
  DatasetContext,
  DatasetType,
  SaveInfo,
  Storage,
  StorageFactory,
  StorageOptions,
  Format,
  Codec,
  CodecLookup,
  DatasetTypeSpec,
} from './internal/datasets/dataset.js';
export { datasetType } from './internal/datasets/dataset.js';
export {
  fileDatasetType,
  FileDataset,
  formatVersion,
  VERSION_RE,
  type FileOptions,
  type FileTypeSpec,
} from './internal/datasets/file-dataset.js';
export { jsonFormat, yamlFormat, textFormat, type JsonOptions, type TextOptions } from './internal/datasets/formats.js';
export {
  MemoryDataset,
  BUILTIN_TYPES,
  jsonType,
  decodeObject,
  type JsonTypeOptions,
} from './internal/datasets/builtins.js';
export { pluginFor, pluginHint, type ProvidedKind } from './internal/known-plugins.js';
export { LocalStorage } from './internal/datasets/local-storage.js';
export { DataCatalog, flattenParams, type Catalog, type CatalogOptions } from './internal/catalog.js';
export { ConfigLoader, ConfigSection, type ConfigLoaderOptions } from './internal/config.js';
export { YamlSource } from './internal/yaml-source.js';
export { checkSchema, type JsonSchema } from './internal/schema.js';
export {
  CONTRACT_KEY,
  COLUMN_TYPES,
  parseContract,
  checkContract,
  describeReport,
  violationLines,
  type DataContract,
  type ColumnContract,
  type OnViolation,
  type ContractReport,
  type ContractViolation,
} from './internal/contract.js';
export { recordJsonSchema, type RecordSchemaOptions } from './internal/contract-record-schema.js';
export {
  recordsAdapter,
  referenceMask,
  type TableAdapter,
  type RowRule,
  type ColumnType,
} from './internal/table-adapter.js';
export { HookManager, HOOK_NAMES, type Hooks, type HookName } from './internal/hooks.js';
export type * from './internal/hooks.js';
export { Registry, type CommandSpec, type CommandContext, type RegisterTypeOptions } from './internal/registry.js';
export { definePlugin, PluginHost, importPlugin, satisfies, type Plugin, type PluginApi } from './internal/plugin.js';
export { Runner, SequentialRunner, ConcurrentRunner, type RunContext, type RunResult } from './internal/runner.js';
export {
  writeRunRecord,
  readRunRecord,
  listRuns,
  type RunRecord,
  type NodeRecord,
  type NodeStatus,
  type SavedDatasetRecord,
} from './internal/run-record.js';
export { InferencePlan, type InferenceOptions, type LoadedArtifact } from './internal/inference.js';
export {
  Project,
  openProject,
  loadPluginRegistry,
  type OpenProjectOptions,
  type RunOptions,
  type RunOutcome,
  type PlanStep,
} from './internal/project.js';
export type { ProjectSettings } from './internal/settings.js';
export { parseParamOverride, type ParamOverride } from './internal/params-override.js';
