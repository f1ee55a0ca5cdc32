#!/usr/bin/env node
// The installed `dagrun` command: runs the compiled CLI (npm run build compiles it).
import './dist/bin.js';
