// @dagrun/datasets-s3: the public API (work in progress).
export {};
