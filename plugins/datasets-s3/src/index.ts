// @dagrun/datasets-s3: the public API. The plugin (default export) registers an `s3` storage, so
// core's file types work at s3://bucket/key on AWS S3 or any S3-compatible store (MinIO, s3rver, Ceph).
//
//   # dagrun.yaml
//   plugins: ["@dagrun/datasets-s3"]
//
//   # conf/base/catalog.yaml
//   sales:
//     type: parquet
//     path: s3://shop-data/sales.parquet
//     versioned: true
//     credentials: shop_s3  # conf/local/credentials.yaml: aws_access_key_id, aws_secret_access_key
//     storage_options: { endpoint_url: http://localhost:9000, region: eu-west-1 }

import { s3Plugin } from './internal/plugin.js';

export { s3Plugin, s3StorageFactory, createS3Storage } from './internal/plugin.js';
export { S3Storage, type WriteReport } from './internal/s3-storage.js';
export { parseLocation, type S3Location } from './internal/location.js';
export {
  parseSize,
  OPTION_NAMES,
  MIN_PART_SIZE,
  MAX_PART_SIZE,
  type S3StorageOptions,
  type S3Settings,
  type S3Credentials,
  type ChecksumMode,
} from './internal/options.js';

export default s3Plugin;
