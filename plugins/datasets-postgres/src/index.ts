// @dagrun/datasets-postgres: the public API (work in progress).
export {};
