import { edgeTests } from './paths.support';

// Part 2 of 3 of the edge-covering path test (see paths.support.ts).
edgeTests(2, 3);
