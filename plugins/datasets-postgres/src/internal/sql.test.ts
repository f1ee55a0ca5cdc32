// Identifier quoting and the WHERE clause of `filter:`: every name quoted, every value escaped,
// whatever characters they hold.

import t from 'tap';
import { identifierProblem, literal, qualified, quoteIdent, whereClause } from './sql.js';

t.test('quoteIdent quotes every name and doubles inner quotes, keeping case and characters', async (t) => {
  t.equal(quoteIdent('listings'), '"listings"');
  t.equal(quoteIdent('Listings'), '"Listings"');
  t.equal(quoteIdent('x"; DROP TABLE y; --'), '"x""; DROP TABLE y; --"');
  t.equal(quoteIdent('""'), '""""""');
  t.equal(quoteIdent('a.b c'), '"a.b c"');
  t.equal(quoteIdent('ñandú'), '"ñandú"');
  t.equal(qualified('public', 'train'), '"public"."train"');
  t.equal(qualified(undefined, 'train'), '"train"');
  t.equal(qualified('s"', 't"'), '"s"""."t"""');
});

t.test('names PostgreSQL would cut or refuse are refused', async (t) => {
  t.equal(identifierProblem('a'.repeat(63)), undefined);
  t.equal(identifierProblem('a'.repeat(64)), 'a name of 64 bytes (PostgreSQL keeps 63)');
  // 32 two-byte characters: 64 bytes.
  t.equal(identifierProblem('ñ'.repeat(32)), 'a name of 64 bytes (PostgreSQL keeps 63)');
  t.equal(identifierProblem(''), 'an empty name');
  t.equal(identifierProblem('a\0b'), 'a name with a NUL character');
  t.throws(() => quoteIdent('a'.repeat(64)), {
    message: 'expected a PostgreSQL identifier, but got a name of 64 bytes (PostgreSQL keeps 63)',
  });
});

t.test('literal escapes quotes and backslashes the way PostgreSQL reads them', async (t) => {
  t.equal(literal('Las Condes'), "'Las Condes'");
  t.equal(literal("O'Higgins"), "'O''Higgins'");
  t.equal(literal("x'; DROP TABLE y; --"), "'x''; DROP TABLE y; --'");
  t.equal(literal('a\\b'), " E'a\\\\b'");
  t.equal(literal(3), "'3'");
  t.equal(literal(-0.5), "'-0.5'");
  t.equal(literal(true), "'true'");
  t.equal(literal(Number.NaN), "'NaN'");
  t.equal(literal(Number.NEGATIVE_INFINITY), "'-Infinity'");
});

t.test('whereClause: = for a value, IN for a list, IS NULL for null, all conditions ANDed', async (t) => {
  t.equal(whereClause(undefined), '');
  t.equal(whereClause({}), '');
  t.equal(whereClause({ sector: 'Las Condes' }), ` WHERE "sector" = 'Las Condes'`);
  t.equal(whereClause({ sector: 'Las Condes', n_rooms: 3 }), ` WHERE "sector" = 'Las Condes' AND "n_rooms" = '3'`);
  t.equal(whereClause({ n_rooms: [2, 3] }), ` WHERE "n_rooms" IN ('2', '3')`);
  t.equal(whereClause({ deleted_at: null }), ' WHERE "deleted_at" IS NULL');
  t.equal(whereClause({ kind: ['a', null] }), ` WHERE ("kind" IN ('a') OR "kind" IS NULL)`);
  t.equal(whereClause({ kind: [null] }), ' WHERE "kind" IS NULL');
  t.equal(whereClause({ 'we"ird': "it's" }), ` WHERE "we""ird" = 'it''s'`);
});
