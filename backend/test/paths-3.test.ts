import { edgeTests } from './paths.support';

// Part 3 of 3 of the edge-covering path test (see paths.support.ts).
edgeTests(3, 3);
