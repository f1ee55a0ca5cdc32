// The `dagrun` command line: run, check, pipeline list/show, catalog list, new, and commands that
// plugins register. A user's mistake prints what to change, never a stack trace.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { CommandSpec, DagrunError as CoreError, PipelineFilter, Project, ResumePlan } from '@dagrun/core';
import { progressHooks, type LogFormat, type Out } from './progress.js';
import { scaffold, STARTERS } from './scaffold.js';
import { VERSION } from './version.js';

export interface Io {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly cwd: string;
}

const BUILTIN = new Set(['run', 'check', 'pipeline', 'catalog', 'new', 'repl', 'help']);

/** Splits "a,b" and repeated flags into one list. */
const list = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
/** --params: repeated, and commas that start a new key=value split too. */
const paramList = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(/,(?=\s*[A-Za-z_][\w.-]*=)/)
    .map((s) => s.trim())
    .filter(Boolean),
];

const core = () => import('@dagrun/core');

export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  const out = (s: string) => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let exitCode = 0;
  /** Printed under a failed run's error: how to pick it up. */
  let resumeLine: string | undefined;
  const program = new Command('dagrun')
    .description('Declarative DAG pipelines for TypeScript: pipeline.yaml + catalog.yaml, checked before they run.')
    .version(VERSION, '-V, --version')
    .option('--project <dir>', 'project directory', io.cwd)
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const projectDir = (): string => resolve(io.cwd, (program.opts() as { project: string }).project);

  const open = async (o: { env?: string; params?: string[] }): Promise<Project> => {
    const { openProject } = await core();
    return openProject({ projectDir: projectDir(), env: o.env, params: o.params });
  };

  const filterOf = (o: Record<string, string[] | undefined>): PipelineFilter | undefined => {
    const f: PipelineFilter = {
      nodes: o.nodes,
      fromNodes: o.fromNodes,
      toNodes: o.toNodes,
      tags: o.tags,
      fromInputs: o.fromInputs,
      toOutputs: o.toOutputs,
    };
    return Object.values(f).some((v) => v && v.length > 0) ? f : undefined;
  };

  program
    .command('run')
    .description('Check the pipeline as a whole, then run it.')
    .option('-p, --pipeline <name>', 'pipeline to run', '__default__')
    .option('-e, --env <name>', 'configuration environment layered over conf/base and conf/local')
    .option('--params <key=value...>', 'override parameters, e.g. --params model.depth=5 (typed as YAML)', paramList)
    .option('-n, --nodes <names>', 'run only these nodes (comma-separated)', list)
    .option('--from-nodes <names>', 'run these nodes and everything downstream', list)
    .option('--to-nodes <names>', 'run these nodes and everything upstream', list)
    .option('-t, --tags <tags>', 'run only nodes with any of these tags', list)
    .option('--from-inputs <datasets>', 'run the nodes that depend on these datasets', list)
    .option('--to-outputs <datasets>', 'run the nodes needed to produce these datasets', list)
    .option('--load-versions <name:version...>', 'load these dataset versions instead of the latest', list)
    .option('--dry-run', 'print the resolved plan (order, datasets loaded and saved) and exit')
    .addOption(new Option('--runner <type>', 'how nodes are scheduled').choices(['sequential', 'concurrent']))
    .addOption(new Option('--log-format <format>', 'progress output').choices(['auto', 'text', 'json']).default('auto'))
    .action(async (o: Record<string, unknown>) => {
      const project = await open(o as { env?: string; params?: string[] });
      const filter = filterOf(o as Record<string, string[] | undefined>);
      const pipelineName = o.pipeline as string;
      const loadVersions = new Map<string, string>();
      for (const lv of (o.loadVersions as string[] | undefined) ?? []) {
        const at = lv.lastIndexOf(':');
        if (at <= 0) throw usage(`--load-versions '${lv}': expected dataset:version, but got no ':'.`);
        loadVersions.set(lv.slice(0, at), lv.slice(at + 1));
      }
      if (o.dryRun) {
        const steps = project.plan(pipelineName, filter);
        out(
          `Plan for pipeline '${pipelineName}' (${steps.length} nodes, env ${project.config.envs.join('+')}); ` +
            'nothing will run:',
        );
        steps.forEach((s, i) => {
          out(`  ${String(i + 1).padStart(3)}. ${s.node.name}  ${s.node.funcRef ?? ''}`);
          if (s.loads.length) out(`         load  ${s.loads.map((d) => `${d.name} (${d.kind})`).join(', ')}`);
          if (s.saves.length) out(`         save  ${s.saves.map((d) => `${d.name} (${d.kind})`).join(', ')}`);
        });
        return;
      }
      const { SequentialRunner, ConcurrentRunner } = await core();
      const format = o.logFormat as LogFormat;
      const progress = await progressHooks(format, io.stdout);
      project.registry.registerHooks(progress.hooks);
      const runner =
        o.runner === 'concurrent'
          ? new ConcurrentRunner(project.settings.runner.max_concurrency ?? 4)
          : o.runner === 'sequential'
            ? new SequentialRunner()
            : undefined;
      printWarnings(project.warnings(pipelineName), err);
      try {
        const res = await project.run({ pipeline: pipelineName, filter, loadVersions, runner });
        if (format !== 'json' && res.recordFile)
          out(`Run record: ${relative(io.cwd, res.recordFile) || res.recordFile}`);
      } catch (e) {
        // The resume command names the project when it is not the working directory.
        const resume = (e as { run?: { resume?: ResumePlan } }).run?.resume;
        if (resume) {
          const { resumeArgs, shellCommand } = await core();
          const command = shellCommand(resumeArgs(resume, relative(io.cwd, project.dir) || undefined));
          resumeLine = `  Resume with: dagrun ${command}`;
        }
        throw e;
      } finally {
        progress.stop();
      }
    });

  program
    .command('check')
    .description(
      'Run every check (YAML, schemas, functions, inputs, parameters, cycles) without running a node; node ' +
        'modules are imported, which runs their top-level code.',
    )
    .option('-p, --pipeline <name>', 'check only this pipeline (default: all)')
    .option('-e, --env <name>', 'configuration environment')
    .option('--params <key=value...>', 'parameter overrides', paramList)
    .action(async (o: { pipeline?: string; env?: string; params?: string[] }) => {
      const project = await open(o);
      project.assertValid(o.pipeline);
      printWarnings(project.warnings(o.pipeline), err);
      const names = o.pipeline ? [o.pipeline] : (project.pipelines?.roots() ?? []);
      out(
        `OK: ${names.length} pipeline${names.length === 1 ? '' : 's'} checked (${names.join(', ')}); catalog ` +
          `${project.catalogConfig ? Object.keys(project.catalogConfig.data).length : 0} entries.`,
      );
    });

  const pipelineCmd = program.command('pipeline').description('Inspect the pipelines of pipeline.yaml.');
  pipelineCmd
    .command('list')
    .description('List pipelines with their node counts.')
    .action(async () => {
      const project = await open({});
      await assertLoaded(project);
      for (const name of project.pipelines!.names()) {
        const p = project.pipeline(name);
        const desc = project.pipelines!.description(name);
        out(`${name.padEnd(24)} ${String(p.nodes.length).padStart(4)} nodes${desc ? `  ${desc}` : ''}`);
      }
    });
  pipelineCmd
    .command('show')
    .description('Show a pipeline: nodes in run order with inputs, outputs and tags.')
    .argument('[name]', 'pipeline name', '__default__')
    .option('--json', 'print the pipeline as JSON (what the graph viewer reads)')
    .action(async (name: string, o: { json?: boolean }) => {
      const project = await open({});
      await assertLoaded(project);
      const p = project.pipeline(name);
      if (o.json) return out(JSON.stringify(p.toJSON(), null, 2));
      out(`Pipeline '${name}': ${p.nodes.length} nodes`);
      p.nodes.forEach((n, i) => {
        out(
          `  ${String(i + 1).padStart(3)}. ${n.name}  ` +
            `${n.funcRef ?? ''}${n.tags.length ? `  [${n.tags.join(', ')}]` : ''}`,
        );
        out(`         in   ${n.inputNames.join(', ') || '-'}`);
        out(`         out  ${n.outputNames.join(', ') || '-'}`);
      });
      out(`  inputs:  ${p.inputs().join(', ') || '-'}`);
      out(`  outputs: ${p.outputs().join(', ') || '-'}`);
    });

  program
    .command('catalog')
    .description('Inspect the data catalog.')
    .command('list')
    .description('List datasets with their type and where each lives.')
    .option('-p, --pipeline <name>', 'only datasets this pipeline uses')
    .option('-e, --env <name>', 'configuration environment')
    .action(async (o: { pipeline?: string; env?: string }) => {
      const project = await open(o);
      await assertLoaded(project);
      const { catalog, errors } = project.createCatalog();
      if (errors.length > 0) {
        const { CheckError } = await core();
        throw new CheckError('catalog', errors);
      }
      const used = new Map<string, string[]>();
      for (const pname of o.pipeline ? [o.pipeline] : (project.pipelines?.roots() ?? [])) {
        for (const d of project.pipeline(pname).datasets())
          if (!d.startsWith('params:') && d !== 'parameters') used.set(d, [...(used.get(d) ?? []), pname]);
      }
      const names = o.pipeline ? [...used.keys()] : [...new Set([...catalog.list(), ...used.keys()])];
      const rows = names.map((n) => {
        const d = catalog.describe(n);
        const where = String(d.path ?? d.table ?? d.location ?? (d.type === 'memory' ? '(memory)' : ''));
        return [
          n,
          String(d.type ?? 'memory') + (d.versioned ? ' (versioned)' : ''),
          where,
          catalog.isDeclared(n) ? '' : 'not in catalog: held in memory',
        ];
      });
      const w = [0, 1].map((i) => Math.max(7, ...rows.map((r) => r[i]!.length)));
      out(`${'dataset'.padEnd(w[0]!)}  ${'type'.padEnd(w[1]!)}  location`);
      for (const r of rows) out(`${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]}${r[3] ? `  ${r[3]}` : ''}`);
      const patterns = catalog.patterns();
      if (patterns.length) out(`factories: ${patterns.join(', ')}`);
      await catalog.close();
    });

  program
    .command('new')
    .description('Create a new project that runs at once.')
    .argument('<name>', 'project name (also the folder, under the current directory)')
    .option('--starter <name>', `what the project starts with: ${Object.keys(STARTERS).join(' or ')}`, 'default')
    .action(async (name: string, o: { starter: string }) => {
      const dir = resolve(io.cwd, name);
      await scaffold(dir, name, o.starter);
      const rel = relative(io.cwd, dir) || dir;
      out(
        `Created project '${name}' (starter ${o.starter}) in ${rel}. Run it:\n  cd ${rel} && dagrun run\n` +
          'Test and type-check its node functions: npm test, npm run typecheck',
      );
    });

  program
    .command('repl')
    .description('Open a Node REPL with the project loaded: project, catalog, params and pipelines.')
    .option('-e, --env <name>', 'configuration environment layered over conf/base and conf/local')
    .option('--params <key=value...>', 'override parameters, e.g. --params model.depth=5 (typed as YAML)', paramList)
    .action(async (o: { env?: string; params?: string[] }) => {
      const { runRepl } = await import('./repl.js');
      await runRepl(await open(o), { input: process.stdin, output: io.stdout });
    });

  // Commands from plugins: load the project's plugins only when a non-built-in command (or help) is asked for.
  const first = argv.find((a, i) => i >= 0 && !a.startsWith('-') && argv[i - 1] !== '--project');
  if ((first === undefined || !BUILTIN.has(first)) && !argv.includes('--version') && !argv.includes('-V')) {
    const dirArg = argv.indexOf('--project');
    const dir = resolve(io.cwd, dirArg >= 0 ? (argv[dirArg + 1] ?? '.') : '.');
    if (
      existsSync(join(dir, 'dagrun.yaml')) &&
      /^plugins:\s*\[?\s*[^\]\s]/m.test(readFileSync(join(dir, 'dagrun.yaml'), 'utf8'))
    ) {
      try {
        const { loadPluginRegistry, pluginFor } = await core();
        // The known provider of the command alone when it provides it;
        // else every plugin (help, a local plugin's command).
        const provider = first === undefined ? undefined : pluginFor('command', first);
        let registry = provider ? await loadPluginRegistry(dir, [provider]) : undefined;
        if (!registry?.commands().some((c) => c.name === first)) registry = await loadPluginRegistry(dir);
        for (const spec of registry.commands()) addPluginCommand(program, spec, dir, io);
      } catch {
        // The project's own problems surface when a command uses it.
      }
    }
  }

  // A command a known plugin provides, asked for in a project that does not list the plugin.
  if (first !== undefined && !program.commands.some((c) => c.name() === first)) {
    const { pluginHint } = await core();
    const hint = pluginHint('command', first);
    if (hint) {
      err(
        `[DAGRUN_ERR_CLI_USAGE] Command '${first}': expected a command of dagrun or of a plugin listed in ` +
          `dagrun.yaml, but got one no listed plugin provides.\n  ${hint}`,
      );
      return 2;
    }
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    exitCode = await report(e, err, resumeLine);
  }
  return exitCode || (process.exitCode as number | undefined) || 0;
};

/** A plugin's command (and its subcommands, recursively) added to commander; `--project` stays global. */
const addPluginCommand = (parent: Command, spec: CommandSpec, dir: string, io: Io): void => {
  const cmd = parent.command(spec.name).description(spec.description);
  for (const a of spec.arguments ?? []) cmd.argument(a.required ? `<${a.name}>` : `[${a.name}]`, a.description);
  for (const o of spec.options ?? []) cmd.option(o.flags, o.description, o.default as string | boolean | undefined);
  for (const sub of spec.subcommands ?? []) addPluginCommand(cmd, sub, dir, io);
  const action = spec.action;
  if (!action) return;
  cmd.action(async (...args: unknown[]) => {
    const c = args[args.length - 1] as Command;
    const code = await action(c.args, c.opts(), {
      projectDir: dir,
      stdout: (s) => io.stdout.write(`${s}\n`),
      stderr: (s) => io.stderr.write(`${s}\n`),
    });
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  });
};

/** Warnings of the checks (on stderr, so JSON progress on stdout stays clean). */
const printWarnings = (warnings: readonly CoreError[], err: (s: string) => void): void => {
  if (warnings.length === 0) return;
  err(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
  for (const [i, w] of warnings.entries()) err(`  ${i + 1}) ${w.message.replace(/\n/g, '\n     ')}`);
};

/** Load-time problems only (YAML, schemas, plugins, functions), for commands that inspect rather than run. */
const assertLoaded = async (project: Project): Promise<void> => {
  if (project.errors.length === 0 && project.pipelines) return;
  const { CheckError } = await core();
  throw new CheckError(`project '${project.settings.name}'`, [...project.errors]);
};

class UsageError extends Error {}
const usage = (m: string): UsageError => new UsageError(m);

/** Exit codes: 0 ok, 1 a run failed, 2 the project or the command line is wrong. */
const report = async (e: unknown, err: (s: string) => void, resumeLine?: string): Promise<number> => {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof UsageError) {
    err(`[DAGRUN_ERR_CLI_USAGE] ${e.message}`);
    return 2;
  }
  const { DagrunError, CheckError, NodeError } = await core();
  if (e instanceof CheckError) {
    err(e.message);
    return 2;
  }
  if (e instanceof DagrunError) {
    err(`\n${e.message}`);
    if (resumeLine) err(resumeLine);
    let cause = e.cause;
    const seen = new Set<unknown>();
    while (cause instanceof Error && !seen.has(cause)) {
      seen.add(cause);
      // A wrapped error whose words the outer message already holds (a dataset error, a library's
      // message) is printed once; only what the outer message does not say gets a line of its own.
      const said = cause instanceof DagrunError ? cause.detail : cause.message;
      if (!e.message.includes(said))
        err(`  caused by: ${cause instanceof DagrunError ? cause.message : `${cause.name}: ${cause.message}`}`);
      // Frames only when the user's function threw; a failed load or save shows no engine internals.
      if (
        !(cause instanceof DagrunError) &&
        e instanceof NodeError &&
        e.code === 'DAGRUN_ERR_NODE_FAILED' &&
        cause.stack
      ) {
        // The user's frames only: the engine's (core, this CLI), installed packages' and Node's own
        // say nothing about their code.
        const engine = [
          dirname(fileURLToPath(import.meta.resolve('@dagrun/core'))),
          dirname(fileURLToPath(import.meta.url)),
          '/node_modules/',
          'node:internal',
        ];
        const frames = cause.stack
          .split('\n')
          .filter((l) => /^\s+at /.test(l) && !engine.some((e) => l.includes(e)))
          .slice(0, 3)
          .join('\n');
        if (frames) err(frames);
      }
      cause = cause.cause;
    }
    return e instanceof NodeError || e.code.startsWith('DAGRUN_ERR_DATASET') ? 1 : 2;
  }
  err(`Unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
};
