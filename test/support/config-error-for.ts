import { ConfigError, loadConfig } from '../../src/config/load-config';

/** Runs `loadConfig(env)` and returns the ConfigError it throws; fails the test if it accepts `env`. */
export function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}
