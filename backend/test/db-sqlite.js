// Set before any test module loads (jest setupFiles): which database this project's tests use.
process.env.TEST_DB = 'sqlite';
