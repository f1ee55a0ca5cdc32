// Secrets never reach the page: URL passwords, secret keys and query parameters, credentials.yaml values.
import t from 'tap';
import { credentialSecrets, maskSecrets, maskString } from './mask.js';

t.test('passwords in URLs and secret query parameters are masked', async (t) => {
  t.equal(maskString('postgresql://app:s3cr3t@db.internal:5432/sales'), 'postgresql://app:***@db.internal:5432/sales');
  t.equal(
    maskString('s3://bucket/key.csv?X-Amz-Signature=abc&region=eu'),
    's3://bucket/key.csv?X-Amz-Signature=***&region=eu',
  );
  t.equal(maskString('https://h/x?token=t0k&page=2'), 'https://h/x?token=***&page=2');
  t.equal(maskString('data/01_raw/train.csv'), 'data/01_raw/train.csv', 'a plain path is left alone');
  t.equal(maskString('https://user@host/x'), 'https://user@host/x', 'a user name without a password is left alone');
});

t.test('secret-looking keys are masked wherever they are', async (t) => {
  t.same(
    maskSecrets({
      type: 'postgres',
      table: 'sales',
      password: 'pw',
      options: { api_key: 'k', timeout: 3, aws_secret_access_key: 'z' },
      versioned: true,
    }),
    {
      type: 'postgres',
      table: 'sales',
      password: '***',
      options: { api_key: '***', timeout: 3, aws_secret_access_key: '***' },
      versioned: true,
    },
  );
});

t.test('credentials.yaml values are masked in any string, its user and host names are not', async (t) => {
  const secrets = credentialSecrets({
    warehouse: {
      user: 'analyst',
      host: 'db.internal',
      password: 'hunter22',
      dsn: 'postgresql://analyst:hunter22@db.internal/w',
    },
    s3: { key: 'AKIAEXAMPLE', secret: 'wJalrXUtnFEMI' },
  });
  t.notOk(secrets.includes('analyst'));
  t.notOk(secrets.includes('db.internal'));
  t.ok(secrets.includes('hunter22'));
  t.ok(secrets.includes('AKIAEXAMPLE'));
  t.same(
    maskSecrets({ location: 'custom://AKIAEXAMPLE@bucket/x', note: 'pw is hunter22', table: 'analyst.sales' }, secrets),
    {
      location: 'custom://***@bucket/x',
      note: 'pw is ***',
      table: 'analyst.sales',
    },
  );
});
