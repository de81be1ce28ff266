import { edgeTests } from './paths.support';

// Part 1 of 3 of the edge-covering path test (see paths.support.ts).
edgeTests(1, 3);
