import t from 'tap';
import { CheckError, ConfigError, DagrunError, NodeError, PluginError } from './errors.js';

t.test('with() adds a location and a hint to a copy of the same class', async (t) => {
  const cause = new Error('boom');
  const e = new PluginError('DAGRUN_ERR_PLUGIN_LOAD', "Plugin 'x': expected it to load, but got boom.", {
    cause,
    hint: 'Hint: check the name.',
  });
  const w = e.with({ location: { file: 'dagrun.yaml', line: 3, col: 5 }, hint: 'Hint: listed here.' });
  t.ok(w instanceof PluginError);
  t.equal(w.name, 'PluginError');
  t.equal(w.code, 'DAGRUN_ERR_PLUGIN_LOAD');
  t.equal(w.detail, e.detail);
  t.equal(w.cause, cause);
  t.same(w.location, { file: 'dagrun.yaml', line: 3, col: 5 });
  t.equal(w.hint, 'Hint: check the name.\n  Hint: listed here.');
  t.equal(
    w.message,
    "dagrun.yaml:3:5 [DAGRUN_ERR_PLUGIN_LOAD] Plugin 'x': expected it to load, but got boom.\n" +
      '  Hint: check the name.\n  Hint: listed here.',
  );
  t.equal(
    e.message,
    "[DAGRUN_ERR_PLUGIN_LOAD] Plugin 'x': expected it to load, but got boom.\n  Hint: check the name.",
    'the original is unchanged',
  );
  t.equal(e.location, undefined);
});

t.test(
  'with() keeps a location when only a hint is added, and works on subclasses with other constructors',
  async (t) => {
    const inner = new ConfigError('DAGRUN_ERR_CONFIG_SCHEMA', "Field 'x': expected a number, but got 'a'.", {
      location: { file: 'a.yaml', line: 1 },
    });
    const check = new CheckError("project 'p'", [inner]);
    const w = check.with({ hint: 'Hint: fix and rerun.' });
    t.ok(w instanceof CheckError);
    t.equal(w.errors, check.errors, 'the subclass field is kept');
    t.ok(w.message.endsWith('\n  Hint: fix and rerun.'));
    class Custom extends DagrunError {
      readonly extra: number;
      constructor(extra: number) {
        super('DAGRUN_ERR_NODE_FAILED', `Custom ${extra}.`);
        this.extra = extra;
      }
    }
    const c = new Custom(7).with({ location: { file: 'pipeline.yaml', line: 2 } });
    t.ok(c instanceof Custom);
    t.equal(c.extra, 7);
    t.equal(c.message, 'pipeline.yaml:2 [DAGRUN_ERR_NODE_FAILED] Custom 7.');
    const n = new NodeError('DAGRUN_ERR_NODE_FAILED', 'x.', { location: { file: 'a', line: 1 } }).with({});
    t.same(n.location, { file: 'a', line: 1 });
    t.equal(n.hint, undefined);
  },
);
