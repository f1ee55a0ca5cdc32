import t from 'tap';
import { definePlugin, PluginHost, satisfies } from './plugin.js';
import { PluginError } from './errors.js';
import { Registry } from './registry.js';
import { ENGINE_VERSION } from './version.js';
import { caught } from '../../test/helpers/project.js';

t.test('satisfies handles caret, tilde, comparators and alternatives', async (t) => {
  t.ok(satisfies('0.1.0', '^0.1.0'));
  t.notOk(satisfies('0.2.0', '^0.1.0'));
  t.ok(satisfies('1.4.2', '^1.2.0'));
  t.notOk(satisfies('2.0.0', '^1.2.0'));
  t.ok(satisfies('1.2.9', '~1.2.3'));
  t.notOk(satisfies('1.3.0', '~1.2.3'));
  t.ok(satisfies('0.1.0', '>=0.1 <0.3'));
  t.notOk(satisfies('0.3.0', '>=0.1 <0.3'));
  t.ok(satisfies('3.0.0', '^1.0.0 || ^3.0.0'));
  t.ok(satisfies('0.1.0', '*'));
});

t.test('satisfies: exact versions, x-ranges and bad input', async (t) => {
  t.ok(satisfies('0.1.0', '0.1.0'));
  t.notOk(satisfies('0.1.1', '=0.1.0'));
  t.ok(satisfies('0.1.7', '0.1'), 'a partial version matches its minor line');
  t.notOk(satisfies('0.2.0', '0.1.x'));
  t.ok(satisfies('0.1.0', '0.x'));
  t.ok(satisfies('0.0.3', '^0.0.3'));
  t.notOk(satisfies('0.0.4', '^0.0.3'), 'caret on 0.0.z pins the patch');
  t.notOk(satisfies('not-a-version', '*'));
  t.notOk(satisfies('0.1.0', '>=banana'));
});

t.test('PluginHost checks engine range and dependencies before register() runs', async (t) => {
  const registry = new Registry();
  const host = new PluginHost(registry);
  const calls: string[] = [];
  const base = definePlugin({
    name: 'base',
    engine: `^${ENGINE_VERSION}`,
    register: (api) => void calls.push(`base ${api.engineVersion}`),
  });
  const child = definePlugin<{ greeting: string }>({
    name: 'child',
    dependencies: ['base'],
    register: (api, o) => {
      calls.push(`child ${o.greeting}`);
      api.registerHooks({ afterNodeRun: () => undefined });
      api.registerCommand({ name: 'hello', description: 'says hello', action: async () => 0 });
    },
  });

  const early = await caught(() => host.register(child, { greeting: 'hi' }));
  t.ok(early instanceof PluginError);
  t.equal(
    early.message,
    "[DAGRUN_ERR_PLUGIN_DEPENDENCY] Plugin 'child': expected plugin 'base' to be registered before it, " +
      "but got no plugin.\n  Hint: list 'base' above 'child' under plugins in dagrun.yaml.",
  );
  t.same(calls, [], 'register() is not called when a check fails');

  await host.register(base);
  await host.register(child, { greeting: 'hi' });
  t.same(calls, [`base ${ENGINE_VERSION}`, 'child hi']);
  t.same(host.names, ['base', 'child']);
  t.ok(registry.hooks.has('afterNodeRun'));
  t.same(
    registry.commands().map((c) => c.name),
    ['hello'],
  );

  const old = await caught(() =>
    host.register(definePlugin({ name: 'old', engine: '<0.1.0', register: () => void calls.push('old') })),
  );
  t.equal(old.code, 'DAGRUN_ERR_PLUGIN_VERSION');
  t.equal(old.detail, `Plugin 'old': expected engine <0.1.0, but got @dagrun/core ${ENGINE_VERSION}.`);
  t.same(calls, [`base ${ENGINE_VERSION}`, 'child hi']);
});
